#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QFuture>
#include <QJsonObject>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;
class QWebSocket;

namespace threadline {

//! A request as the REST API shows it (people by Slack user id, or email).
struct RemoteRequest
{
    qint64 id = 0;
    QString title;
    QString body;
    QString status;
    QString requester;
    QString assignee; //!< empty: unassigned
    QString team;     //!< empty: no team
    QDateTime createdAt;
    QDateTime updatedAt;
    qint64 version = 0;

    static RemoteRequest fromJson(const QJsonObject &o);
};

//! An attachment of an update as the REST API shows it (metadata; the bytes stay on the server).
struct RemoteAttachment
{
    qint64 id = 0;
    QString name;
    QString mimeType;
    qint64 size = 0;
    QString sha256;
    QString state; //!< stored, pending, refused, failed
    QString lastError;

    static RemoteAttachment fromJson(const QJsonObject &o);
};

struct RemoteUpdate
{
    qint64 id = 0;
    qint64 requestId = 0;
    QString author;
    QString text;
    QString source; //!< desk or slack
    QDateTime createdAt;
    QDateTime editedAt;
    bool deleted = false;
    QList<RemoteAttachment> attachments;

    static RemoteUpdate fromJson(const QJsonObject &o);
};

struct RemoteFollower
{
    QString user;
    QString reason;
};

struct RemoteTimeline
{
    RemoteRequest request;
    QList<RemoteFollower> followers;
    QList<RemoteUpdate> updates;
};

//! A person as GET /api/v1/people shows them; user is the Slack user id, or the email.
struct RemotePerson
{
    QString user;
    QString slackId;
    QString name;
    QString email;
    bool isAgent = false;

    static RemotePerson fromJson(const QJsonObject &o);
};

struct RemotePeoplePage
{
    QList<RemotePerson> people;
    QString nextCursor; //!< empty on the last page
};

struct RemotePage
{
    QList<RemoteRequest> requests;
    QString nextCursor; //!< empty on the last page
};

//! Filters of ApiClient::listRequests(); empty members are not sent.
struct RemoteQuery
{
    QStringList statuses;
    QString assignee; //!< a person, or "none"
    QString team;     //!< a team name, or "none"
    QString text;
    QString cursor;
    int limit = 0; //!< 0: the server's default
};

//! A file for ApiClient::postUpdateWithFiles(), read by the caller (off the GUI thread).
struct RemoteUpload
{
    QString name;
    QString mimeType; //!< empty: application/octet-stream
    QByteArray data;
};

//! Input of ApiClient::createRequest().
struct RemoteNewRequest
{
    QString title;
    QString body;
    QString requester;
    QStringList followers;
    QString assignee;
    QString team;
};

/*!
 * The console's remote mode: the REST API of a threadlined server (docs/api.md), asynchronous.
 * Every call returns a QFuture that finishes with a typed Result; HTTP errors become Errors with
 * the code of the status (401 Unauthorized, 403 Forbidden, 404 NotFound, 409 Conflict, 413
 * TooLarge, 422 Invalid with the field, 429 RateLimited, 503 Unavailable) and the server's message;
 * a network failure is Unavailable. The QNetworkAccessManager is injected and not owned.
 * Writes carry an Idempotency-Key and are sent again (same key) when no answer arrived.
 */
class ApiClient : public QObject
{
    Q_OBJECT

public:
    ApiClient(QNetworkAccessManager *nam, const QUrl &baseUrl, const QString &token,
              QObject *parent = nullptr);

    QUrl baseUrl() const { return m_baseUrl; }
    void setToken(const QString &token) { m_token = token; }
    //! Per-call timeout (default 30 s); a timed-out call fails with Unavailable.
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    //! How often a write (POST, PATCH, DELETE) that got no answer at all is sent again, with the
    //! same Idempotency-Key, after 250 ms, then 1 s, … (default 2; 0: never).
    void setWriteRetries(int retries) { m_writeRetries = retries; }

    QFuture<Result<RemotePage>> listRequests(const RemoteQuery &query = {});
    QFuture<Result<RemoteTimeline>> request(qint64 id);
    QFuture<Result<RemoteRequest>> createRequest(const RemoteNewRequest &input);
    //! changes: any of status, assignee (null unassigns), title; version: the request's version.
    QFuture<Result<RemoteRequest>> updateRequest(qint64 id, qint64 version, const QJsonObject &changes);
    QFuture<Result<RemoteUpdate>> postUpdate(qint64 requestId, const QString &text,
                                             const QString &author = {});
    //! POST …/updates as multipart/form-data: the text and one file part per upload.
    QFuture<Result<RemoteUpdate>> postUpdateWithFiles(qint64 requestId, const QString &text,
                                                      const QList<RemoteUpload> &files);
    QFuture<Result<RemoteUpdate>> editUpdate(qint64 updateId, const QString &text);
    QFuture<Result<void>> deleteUpdate(qint64 updateId);
    QFuture<Result<void>> follow(qint64 requestId, const QString &user);
    QFuture<Result<void>> unfollow(qint64 requestId, const QString &user);
    QFuture<Result<QJsonObject>> threads(qint64 requestId);
    QFuture<Result<QJsonObject>> queues();
    //! One page of the desk's people (limit 0: the server's default).
    QFuture<Result<RemotePeoplePage>> people(const QString &cursor = {}, int limit = 0);
    //! Queues the failed Slack jobs of an update, or of one follower's thread, again; the number queued.
    QFuture<Result<int>> retryUpdate(qint64 updateId);
    QFuture<Result<int>> retryConversation(qint64 conversationId);
    //! The stored bytes of an attachment (GET /api/v1/attachments/{id}/content), at most \a maxBytes:
    //! a larger file fails with TooLarge (the download is stopped, never truncated); an attachment
    //! without stored bytes is NotFound.
    QFuture<Result<QByteArray>> attachmentContent(qint64 attachmentId,
                                                  qint64 maxBytes = DefaultMaxContentBytes);
    static constexpr qint64 DefaultMaxContentBytes = 100LL * 1024 * 1024;

    //! Any route: the JSON object answered (empty for 204).
    QFuture<Result<QJsonObject>> send(const QByteArray &method, const QString &path,
                                      const QJsonObject &body = {}, bool hasBody = false);

private:
    //! send() with any body: contentType empty sends none.
    QFuture<Result<QJsonObject>> sendRaw(const QByteArray &method, const QString &path,
                                         const QByteArray &contentType, const QByteArray &payload);

    QUrl m_baseUrl;
    QString m_token;
    QPointer<QNetworkAccessManager> m_nam;
    int m_timeoutMs = 30000;
    int m_writeRetries = 2;
};

/*!
 * The live change stream (GET /api/v1/stream) on a QWebSocket, reconnecting after a drop with a
 * growing delay (250 ms doubling to 30 s, reset once connected). A refused token (close code 4401)
 * stops reconnecting and emits authenticationFailed(). Events arrive as JSON objects.
 */
class ApiStreamClient : public QObject
{
    Q_OBJECT

public:
    ApiStreamClient(const QUrl &baseUrl, const QString &token, QObject *parent = nullptr);
    ~ApiStreamClient() override;

    void open();
    void close();
    bool isConnected() const { return m_connected; }
    int reconnectDelayMs() const { return m_delayMs; }
    //! Who the server says the token belongs to (the hello's user: a person, or "admin").
    QString user() const { return m_user; }

Q_SIGNALS:
    void connected();    //!< the server said hello
    void disconnected(); //!< dropped; a reconnect is scheduled unless closed or refused
    void eventReceived(const QJsonObject &event);
    void authenticationFailed(const QString &reason);

private:
    void connectNow();
    void onTextMessage(const QString &text);
    void onDisconnected();

    QUrl m_url;
    QString m_token;
    QWebSocket *m_socket = nullptr;
    QTimer *m_retry = nullptr;
    int m_delayMs = 250;
    bool m_wanted = false;
    bool m_connected = false;
    QString m_user;
};

} // namespace threadline
