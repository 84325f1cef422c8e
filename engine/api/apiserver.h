#pragma once

#include "api/apimetrics.h"
#include "core/result.h"
#include "files/multipart.h"
#include "store/storetypes.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponder;
class QWebSocket;
class QTcpSocket;
class QFile;

namespace threadline {

class Store;
class TokenStore;
class GuardedTcpServer;

//! Settings of the REST + WebSocket API server.
struct ApiOptions
{
    QString adminToken;                //!< bootstrap admin bearer token (secret); empty: no admin
    qint64 maxBodyBytes = 1024 * 1024; //!< request bodies above this get 413
    int maxConnections = 1000;         //!< open TCP connections (stream clients included)
    qint64 maxStreamBacklogBytes = 4 * 1024 * 1024; //!< a stream client further behind is closed
    //! Stores one file of a multipart `POST /api/v1/requests/{id}/updates` (the files pipeline:
    //! Engine::storeAttachment) and returns its metadata. Unset: multipart bodies get 415.
    std::function<Result<Attachment>(QIODevice &source, const QString &name, const QString &mimeType)>
        storeFile;
};

//! State of a component /readyz reports on.
struct ReadinessCheck
{
    QString name; //!< "database", "slack", "inbound"
    bool ok = false;
    QString reason; //!< why not ready; never a secret
};

/*!
 * threadlined's REST API (v1) and change stream on QHttpServer, over a Store used on this thread
 * (docs/api.md). Every request is answered synchronously from the store; the stream pushes the
 * Store's committed changes to every authenticated WebSocket client.
 *
 * Authentication: `Authorization: Bearer <token>` with the admin token of the configuration or an
 * agent token (api_tokens, stored hashed). The stream also takes `?access_token=` for browsers.
 */
class ApiServer : public QObject
{
    Q_OBJECT

public:
    ApiServer(Store *store, ApiOptions options, QObject *parent = nullptr);
    ~ApiServer() override;

    //! Listens on address:port (0 = any free port); returns the port or an error.
    Result<quint16> listen(const QHostAddress &address, quint16 port);
    QUrl baseUrl() const; //!< http://host:port/
    quint16 port() const { return m_port; }

    //! Readiness of the parts /readyz reports besides the database (the sync engine's Slack
    //! authentication and inbound connection). Without a provider they are reported as not running.
    void setReadinessProvider(std::function<QList<ReadinessCheck>()> provider);
    //! Answers GET /api/v1/queues and GET /api/v1/requests/{id}/threads; without one they are 503.
    void setQueuesProvider(std::function<Result<QJsonObject>()> provider);
    void setThreadsProvider(std::function<Result<QJsonObject>(qint64 requestId)> provider);
    //! Answers POST /api/v1/updates/{id}/retry (updateId set) and
    //! POST /api/v1/conversations/{id}/retry (conversationId set) with the number of jobs queued
    //! again; without one they are 503.
    void setRetryProvider(std::function<Result<int>(qint64 updateId, qint64 conversationId)> provider);
    //! The files store's directory (Engine::filesDirectory()): GET /api/v1/attachments/{id}/content
    //! streams stored bytes from it; without one that route is 503.
    void setFilesDirectory(const QString &directory) { m_filesDirectory = directory; }

    ApiMetrics &metrics() { return m_metrics; }
    int streamClientCount() const { return int(m_streams.size()); }

    //! Publishes an event on the stream (the store's changes are published automatically).
    void publish(const QJsonObject &event);

    //! Graceful stop: stops listening, closes stream clients with 1001 (going away) and emits
    //! drained() once no HTTP connection is open (or after timeoutMs).
    void drain(int timeoutMs = 5000);

Q_SIGNALS:
    void drained();
    void streamClientsChanged(int count);

private:
    struct Principal;
    struct Reply;

    void dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    Reply route(const QHttpServerRequest &request, QString *routeLabel);
    //! Runs an authenticated route (label: its pattern; seg: the path's segments).
    Reply handle(const QHttpServerRequest &request, const QString &label, const QStringList &seg,
                 const Principal &p);
    //! The Idempotency-Key header: empty when absent; an error when malformed.
    static Result<QString> idempotencyKey(const QHttpServerRequest &request);
    static QString fingerprint(const QHttpServerRequest &request);
    //! Runs a write under an idempotency key: in one transaction with the key's stored answer.
    Reply idempotent(const Principal &who, const QString &key, const QString &print,
                     const std::function<Reply()> &run);
    Result<Principal> authenticate(const QByteArray &authorization, const QString &queryToken);
    void onNewWebSocket();
    void onStoreChanged(const StoreChange &change);

    Reply healthz();
    Reply readyz();
    Reply metricsReply();
    Reply createRequest(const Principal &who, const QJsonObject &body);
    Reply listRequests(const QHttpServerRequest &request);
    Reply getRequest(qint64 id);
    Reply patchRequest(const Principal &who, qint64 id, const QJsonObject &body, const QByteArray &ifMatch);
    Reply postUpdate(const Principal &who, qint64 requestId, const QJsonObject &body,
                     const QList<files::MultipartPart> &uploads = {});
    Reply patchUpdate(const Principal &who, qint64 id, const QJsonObject &body);
    Reply deleteUpdate(const Principal &who, qint64 id);
    Reply addFollower(const Principal &who, qint64 requestId, const QJsonObject &body);
    Reply removeFollower(const Principal &who, qint64 requestId, const QString &user);
    Reply threads(qint64 requestId);
    Reply queues();
    Reply retry(qint64 updateId, qint64 conversationId);
    Reply attachmentContent(qint64 attachmentId);
    static void streamFile(QTcpSocket *socket, std::unique_ptr<QFile> file);
    Reply listPeople(const QHttpServerRequest &request);
    Reply upsertPerson(const QJsonObject &body);
    Reply getPerson(const QString &user);
    Reply createToken(const QJsonObject &body);
    Reply listTokens();
    Reply revokeToken(qint64 id);

    Result<Person> resolvePerson(const QString &text, const QString &field, bool bodyField);
    QString personKey(qint64 personId);
    QJsonObject requestJson(const Request &r);
    QJsonObject updateJson(const Update &u);
    QJsonObject personJson(const Person &p);

    Store *m_store;
    std::unique_ptr<TokenStore> m_tokens;
    ApiOptions m_options;
    ApiMetrics m_metrics;
    QHttpServer *m_http = nullptr;
    GuardedTcpServer *m_tcp = nullptr;
    QHostAddress m_address;
    quint16 m_port = 0;
    QList<QWebSocket *> m_streams;
    QHash<qint64, QString> m_personKeys; //!< person id → Slack id or email (people never change key)
    quint64 m_eventSeq = 0;
    bool m_draining = false;
    std::function<QList<ReadinessCheck>()> m_readiness;
    std::function<Result<QJsonObject>()> m_queues;
    std::function<Result<QJsonObject>(qint64)> m_threads;
    std::function<Result<int>(qint64, qint64)> m_retry;
    QString m_filesDirectory;
};

} // namespace threadline
