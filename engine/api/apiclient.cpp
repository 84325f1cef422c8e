#include "api/apiclient.h"

#include "core/logging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPromise>
#include <QTimer>
#include <QUrlQuery>
#include <QUuid>
#include <QWebSocket>

#include <memory>

namespace threadline {

namespace {

QString lit(const char *s)
{
    return QString::fromLatin1(s);
}

QDateTime timeFrom(const QJsonValue &v)
{
    return v.isString() ? QDateTime::fromString(v.toString(), Qt::ISODateWithMs) : QDateTime();
}

ErrorCode codeForStatus(int status)
{
    switch (status) {
    case 401:
        return ErrorCode::Unauthorized;
    case 403:
        return ErrorCode::Forbidden;
    case 404:
        return ErrorCode::NotFound;
    case 409:
        return ErrorCode::Conflict;
    case 413:
        return ErrorCode::TooLarge;
    case 429:
        return ErrorCode::RateLimited;
    case 503:
        return ErrorCode::Unavailable;
    default:
        return status >= 400 && status < 500 ? ErrorCode::Invalid : ErrorCode::Internal;
    }
}

template<typename T>
QFuture<Result<T>> finished(Result<T> value)
{
    QPromise<Result<T>> promise;
    promise.start();
    promise.addResult(std::move(value));
    promise.finish();
    return promise.future();
}

//! Maps a JSON object answer to T.
template<typename T, typename F>
QFuture<Result<T>> mapped(QFuture<Result<QJsonObject>> future, QObject *context, F &&fn)
{
    return future.then(context, [fn = std::forward<F>(fn)](const Result<QJsonObject> &r) -> Result<T> {
        if (!r)
            return r.error();
        return fn(r.value());
    });
}

} // namespace

RemoteRequest RemoteRequest::fromJson(const QJsonObject &o)
{
    RemoteRequest r;
    r.id = o.value(lit("id")).toInteger();
    r.title = o.value(lit("title")).toString();
    r.body = o.value(lit("body")).toString();
    r.status = o.value(lit("status")).toString();
    r.requester = o.value(lit("requester")).toString();
    r.assignee = o.value(lit("assignee")).toString();
    r.team = o.value(lit("team")).toString();
    r.createdAt = timeFrom(o.value(lit("created_at")));
    r.updatedAt = timeFrom(o.value(lit("updated_at")));
    r.version = o.value(lit("version")).toInteger();
    return r;
}

RemotePerson RemotePerson::fromJson(const QJsonObject &o)
{
    return {o.value(lit("user")).toString(), o.value(lit("slack_id")).toString(),
            o.value(lit("name")).toString(), o.value(lit("email")).toString(),
            o.value(lit("is_agent")).toBool()};
}

RemoteAttachment RemoteAttachment::fromJson(const QJsonObject &o)
{
    RemoteAttachment a;
    a.id = o.value(lit("id")).toInteger();
    a.name = o.value(lit("name")).toString();
    a.mimeType = o.value(lit("mime_type")).toString();
    a.size = o.value(lit("size")).toInteger();
    a.sha256 = o.value(lit("sha256")).toString();
    a.state = o.value(lit("state")).toString();
    a.lastError = o.value(lit("last_error")).toString();
    return a;
}

RemoteUpdate RemoteUpdate::fromJson(const QJsonObject &o)
{
    RemoteUpdate u;
    u.id = o.value(lit("id")).toInteger();
    u.requestId = o.value(lit("request_id")).toInteger();
    u.author = o.value(lit("author")).toString();
    u.text = o.value(lit("text")).toString();
    u.source = o.value(lit("source")).toString();
    u.createdAt = timeFrom(o.value(lit("created_at")));
    u.editedAt = timeFrom(o.value(lit("edited_at")));
    u.deleted = o.value(lit("deleted")).toBool();
    const QJsonArray attachments = o.value(lit("attachments")).toArray();
    for (const QJsonValue &a : attachments)
        u.attachments << RemoteAttachment::fromJson(a.toObject());
    return u;
}

ApiClient::ApiClient(QNetworkAccessManager *nam, const QUrl &baseUrl, const QString &token, QObject *parent)
    : QObject(parent)
    , m_baseUrl(baseUrl)
    , m_token(token)
    , m_nam(nam)
{}

namespace {

//! One call of ApiClient::send(), kept for a retry.
struct PendingCall
{
    QPointer<QNetworkAccessManager> nam;
    QNetworkRequest request;
    QByteArray method;
    QByteArray payload;
    int retriesLeft = 0;
    int retryDelayMs = 250;
    QPromise<Result<QJsonObject>> promise;
};

void sendAttempt(QObject *context, const std::shared_ptr<PendingCall> &call)
{
    if (!call->nam) {
        call->promise.addResult(makeError(ErrorCode::Unavailable, lit("No network access manager")));
        call->promise.finish();
        return;
    }
    QNetworkReply *reply = call->nam->sendCustomRequest(call->request, call->method, call->payload);
    QObject::connect(reply, &QNetworkReply::finished, context, [context, reply, call] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray data = reply->readAll();
        if (status == 0) {
            // No answer: a write carries an Idempotency-Key, so sending it again cannot store it
            // twice (the server answers a repeat with the stored answer).
            if (call->retriesLeft > 0) {
                --call->retriesLeft;
                const int delay = call->retryDelayMs;
                call->retryDelayMs *= 4;
                QTimer::singleShot(delay, context, [context, call] { sendAttempt(context, call); });
                return;
            }
            call->promise.addResult(makeError(ErrorCode::Unavailable, lit("The server cannot be reached"), {},
                                              reply->errorString()));
        } else {
            const QJsonObject json = QJsonDocument::fromJson(data).object();
            if (status >= 200 && status < 300) {
                call->promise.addResult(json);
            } else {
                Error e = makeError(
                    codeForStatus(status), json.value(lit("message")).toString(),
                    json.value(lit("field")).toString(),
                    QStringLiteral("HTTP %1 %2").arg(status).arg(json.value(lit("error")).toString()));
                if (e.message.isEmpty())
                    e.message = QStringLiteral("The server answered HTTP %1").arg(status);
                call->promise.addResult(e);
            }
        }
        call->promise.finish();
    });
}

} // namespace

QFuture<Result<QJsonObject>> ApiClient::send(const QByteArray &method, const QString &path,
                                             const QJsonObject &body, bool hasBody)
{
    if (!hasBody)
        return sendRaw(method, path, {}, {});
    return sendRaw(method, path, QByteArray("application/json"),
                   QJsonDocument(body).toJson(QJsonDocument::Compact));
}

QFuture<Result<QJsonObject>> ApiClient::sendRaw(const QByteArray &method, const QString &path,
                                                const QByteArray &contentType, const QByteArray &payload)
{
    if (!m_nam)
        return finished<QJsonObject>(makeError(ErrorCode::Internal, lit("No network access manager")));
    auto call = std::make_shared<PendingCall>();
    call->nam = m_nam;
    call->method = method;
    call->request = QNetworkRequest(m_baseUrl.resolved(QUrl(path)));
    call->request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    call->request.setRawHeader("Accept", "application/json");
    call->request.setTransferTimeout(m_timeoutMs);
    if (!contentType.isEmpty()) {
        call->request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
        call->payload = payload;
    }
    if (method != "GET" && method != "HEAD") {
        // Every write carries a fresh key; its retries (here or QNetworkAccessManager's own
        // resend on a dropped keep-alive connection) carry the same one (docs/api.md).
        call->request.setRawHeader("Idempotency-Key", QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
        call->retriesLeft = m_writeRetries;
    }
    call->promise.start();
    QFuture<Result<QJsonObject>> future = call->promise.future();
    sendAttempt(this, call);
    return future;
}

QFuture<Result<QByteArray>> ApiClient::attachmentContent(qint64 attachmentId, qint64 maxBytes)
{
    if (!m_nam)
        return finished<QByteArray>(makeError(ErrorCode::Internal, lit("No network access manager")));
    QNetworkRequest request(
        m_baseUrl.resolved(QUrl(QStringLiteral("api/v1/attachments/%1/content").arg(attachmentId))));
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    request.setTransferTimeout(m_timeoutMs);
    struct Download
    {
        QPromise<Result<QByteArray>> promise;
        QByteArray data;
        bool tooLarge = false;
    };
    auto download = std::make_shared<Download>();
    download->promise.start();
    QFuture<Result<QByteArray>> future = download->promise.future();
    QNetworkReply *reply = m_nam->get(request);
    const auto tooLarge = [download, reply] {
        download->tooLarge = true;
        download->data.clear();
        reply->abort();
    };
    QObject::connect(reply, &QNetworkReply::metaDataChanged, this, [reply, maxBytes, tooLarge] {
        const qint64 declared = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status >= 200 && status < 300 && declared > maxBytes)
            tooLarge();
    });
    QObject::connect(reply, &QNetworkReply::readyRead, this, [download, reply, maxBytes, tooLarge] {
        if (download->tooLarge)
            return;
        download->data += reply->readAll();
        if (download->data.size() > maxBytes &&
            reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() < 300)
            tooLarge();
    });
    QObject::connect(reply, &QNetworkReply::finished, this, [download, reply, maxBytes] {
        reply->deleteLater();
        if (download->tooLarge) {
            download->promise.addResult(makeError(
                ErrorCode::TooLarge, QStringLiteral("The file is larger than %1 bytes").arg(maxBytes)));
            download->promise.finish();
            return;
        }
        download->data += reply->readAll();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0) {
            download->promise.addResult(makeError(ErrorCode::Unavailable, lit("The server cannot be reached"),
                                                  {}, reply->errorString()));
        } else if (status >= 200 && status < 300) {
            download->promise.addResult(std::move(download->data));
        } else {
            const QJsonObject json = QJsonDocument::fromJson(download->data).object();
            Error e =
                makeError(codeForStatus(status), json.value(lit("message")).toString(), {},
                          QStringLiteral("HTTP %1 %2").arg(status).arg(json.value(lit("error")).toString()));
            if (e.message.isEmpty())
                e.message = QStringLiteral("The server answered HTTP %1").arg(status);
            download->promise.addResult(e);
        }
        download->promise.finish();
    });
    return future;
}

QFuture<Result<RemotePage>> ApiClient::listRequests(const RemoteQuery &query)
{
    QUrlQuery q;
    if (!query.statuses.isEmpty())
        q.addQueryItem(lit("status"), query.statuses.join(QLatin1Char(',')));
    const auto add = [&q](const char *name, const QString &value) {
        if (!value.isEmpty())
            q.addQueryItem(lit(name), QString::fromLatin1(QUrl::toPercentEncoding(value)));
    };
    add("assignee", query.assignee);
    add("team", query.team);
    add("q", query.text);
    add("cursor", query.cursor);
    if (query.limit > 0)
        q.addQueryItem(lit("limit"), QString::number(query.limit));
    QString path = lit("api/v1/requests");
    if (!q.isEmpty())
        path += QLatin1Char('?') + q.query(QUrl::FullyEncoded);
    return mapped<RemotePage>(send("GET", path), this, [](const QJsonObject &o) -> Result<RemotePage> {
        RemotePage page;
        for (const QJsonValue &v : o.value(lit("requests")).toArray())
            page.requests << RemoteRequest::fromJson(v.toObject());
        page.nextCursor = o.value(lit("next_cursor")).toString();
        return page;
    });
}

QFuture<Result<RemoteTimeline>> ApiClient::request(qint64 id)
{
    return mapped<RemoteTimeline>(send("GET", QStringLiteral("api/v1/requests/%1").arg(id)), this,
                                  [](const QJsonObject &o) -> Result<RemoteTimeline> {
                                      RemoteTimeline t;
                                      t.request = RemoteRequest::fromJson(o);
                                      for (const QJsonValue &v : o.value(lit("followers")).toArray())
                                          t.followers
                                              << RemoteFollower{v.toObject().value(lit("user")).toString(),
                                                                v.toObject().value(lit("reason")).toString()};
                                      for (const QJsonValue &v : o.value(lit("updates")).toArray())
                                          t.updates << RemoteUpdate::fromJson(v.toObject());
                                      return t;
                                  });
}

QFuture<Result<RemoteRequest>> ApiClient::createRequest(const RemoteNewRequest &input)
{
    QJsonObject body{
        {lit("title"), input.title}, {lit("body"), input.body}, {lit("requester"), input.requester}};
    if (!input.followers.isEmpty())
        body.insert(lit("followers"), QJsonArray::fromStringList(input.followers));
    if (!input.assignee.isEmpty())
        body.insert(lit("assignee"), input.assignee);
    if (!input.team.isEmpty())
        body.insert(lit("team"), input.team);
    return mapped<RemoteRequest>(
        send("POST", lit("api/v1/requests"), body, true), this,
        [](const QJsonObject &o) -> Result<RemoteRequest> { return RemoteRequest::fromJson(o); });
}

QFuture<Result<RemoteRequest>> ApiClient::updateRequest(qint64 id, qint64 version, const QJsonObject &changes)
{
    QJsonObject body = changes;
    body.insert(lit("version"), version);
    return mapped<RemoteRequest>(
        send("PATCH", QStringLiteral("api/v1/requests/%1").arg(id), body, true), this,
        [](const QJsonObject &o) -> Result<RemoteRequest> { return RemoteRequest::fromJson(o); });
}

QFuture<Result<RemoteUpdate>> ApiClient::postUpdate(qint64 requestId, const QString &text,
                                                    const QString &author)
{
    QJsonObject body{{lit("text"), text}};
    if (!author.isEmpty())
        body.insert(lit("author"), author);
    return mapped<RemoteUpdate>(
        send("POST", QStringLiteral("api/v1/requests/%1/updates").arg(requestId), body, true), this,
        [](const QJsonObject &o) -> Result<RemoteUpdate> { return RemoteUpdate::fromJson(o); });
}

QFuture<Result<RemoteUpdate>> ApiClient::postUpdateWithFiles(qint64 requestId, const QString &text,
                                                             const QList<RemoteUpload> &files)
{
    // multipart/form-data by hand (RFC 7578), so the write is one byte array that a retry can
    // send again with its Idempotency-Key. The boundary is random and absent from every part.
    QByteArray boundary;
    const auto clash = [&] {
        if (text.toUtf8().contains(boundary))
            return true;
        for (const RemoteUpload &f : files)
            if (f.data.contains(boundary))
                return true;
        return false;
    };
    do {
        boundary = "threadline-" + QUuid::createUuid().toByteArray(QUuid::Id128);
    } while (clash());
    QByteArray body;
    const auto part = [&](const QByteArray &disposition, const QByteArray &type, const QByteArray &data) {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; " + disposition +
                "\r\nContent-Type: " + type + "\r\n\r\n" + data + "\r\n";
    };
    part("name=\"text\"", "text/plain; charset=utf-8", text.toUtf8());
    for (const RemoteUpload &file : files) {
        // The name is quoted: quotes, backslashes and line breaks cannot end the header early.
        QByteArray name = file.name.toUtf8();
        name.replace('\\', '_').replace('"', '_').replace('\r', '_').replace('\n', '_');
        QByteArray type = file.mimeType.toLatin1();
        if (type.isEmpty() || type.contains('\r') || type.contains('\n'))
            type = "application/octet-stream";
        part("name=\"file\"; filename=\"" + name + '"', type, file.data);
    }
    body += "--" + boundary + "--\r\n";
    return mapped<RemoteUpdate>(
        sendRaw("POST", QStringLiteral("api/v1/requests/%1/updates").arg(requestId),
                "multipart/form-data; boundary=" + boundary, body),
        this, [](const QJsonObject &o) -> Result<RemoteUpdate> { return RemoteUpdate::fromJson(o); });
}

QFuture<Result<RemoteUpdate>> ApiClient::editUpdate(qint64 updateId, const QString &text)
{
    return mapped<RemoteUpdate>(
        send("PATCH", QStringLiteral("api/v1/updates/%1").arg(updateId), {{lit("text"), text}}, true), this,
        [](const QJsonObject &o) -> Result<RemoteUpdate> { return RemoteUpdate::fromJson(o); });
}

QFuture<Result<void>> ApiClient::deleteUpdate(qint64 updateId)
{
    return mapped<void>(send("DELETE", QStringLiteral("api/v1/updates/%1").arg(updateId)), this,
                        [](const QJsonObject &) -> Result<void> { return {}; });
}

QFuture<Result<void>> ApiClient::follow(qint64 requestId, const QString &user)
{
    return mapped<void>(send("POST", QStringLiteral("api/v1/requests/%1/followers").arg(requestId),
                             {{lit("user"), user}}, true),
                        this, [](const QJsonObject &) -> Result<void> { return {}; });
}

QFuture<Result<void>> ApiClient::unfollow(qint64 requestId, const QString &user)
{
    return mapped<void>(send("DELETE", QStringLiteral("api/v1/requests/%1/followers/%2")
                                           .arg(requestId)
                                           .arg(QString::fromLatin1(QUrl::toPercentEncoding(user)))),
                        this, [](const QJsonObject &) -> Result<void> { return {}; });
}

QFuture<Result<QJsonObject>> ApiClient::threads(qint64 requestId)
{
    return send("GET", QStringLiteral("api/v1/requests/%1/threads").arg(requestId));
}

QFuture<Result<QJsonObject>> ApiClient::queues()
{
    return send("GET", lit("api/v1/queues"));
}

QFuture<Result<RemotePeoplePage>> ApiClient::people(const QString &cursor, int limit)
{
    QUrlQuery q;
    if (!cursor.isEmpty())
        q.addQueryItem(lit("cursor"), QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
    if (limit > 0)
        q.addQueryItem(lit("limit"), QString::number(limit));
    QString path = lit("api/v1/people");
    if (!q.isEmpty())
        path += QLatin1Char('?') + q.query(QUrl::FullyEncoded);
    return mapped<RemotePeoplePage>(send("GET", path), this,
                                    [](const QJsonObject &o) -> Result<RemotePeoplePage> {
                                        RemotePeoplePage page;
                                        for (const QJsonValue &v : o.value(lit("people")).toArray())
                                            page.people << RemotePerson::fromJson(v.toObject());
                                        page.nextCursor = o.value(lit("next_cursor")).toString();
                                        return page;
                                    });
}

QFuture<Result<int>> ApiClient::retryUpdate(qint64 updateId)
{
    return mapped<int>(send("POST", QStringLiteral("api/v1/updates/%1/retry").arg(updateId), {}, true), this,
                       [](const QJsonObject &o) -> Result<int> { return o.value(lit("retried")).toInt(); });
}

QFuture<Result<int>> ApiClient::retryConversation(qint64 conversationId)
{
    return mapped<int>(
        send("POST", QStringLiteral("api/v1/conversations/%1/retry").arg(conversationId), {}, true), this,
        [](const QJsonObject &o) -> Result<int> { return o.value(lit("retried")).toInt(); });
}

// ---- stream -------------------------------------------------------------------------------------

ApiStreamClient::ApiStreamClient(const QUrl &baseUrl, const QString &token, QObject *parent)
    : QObject(parent)
    , m_url(baseUrl.resolved(QUrl(lit("api/v1/stream"))))
    , m_token(token)
{
    m_url.setScheme(baseUrl.scheme() == QLatin1String("https") ? lit("wss") : lit("ws"));
    m_retry = new QTimer(this);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &ApiStreamClient::connectNow);
}

ApiStreamClient::~ApiStreamClient()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void ApiStreamClient::open()
{
    m_wanted = true;
    m_delayMs = 250;
    connectNow();
}

void ApiStreamClient::close()
{
    m_wanted = false;
    m_retry->stop();
    if (m_socket)
        m_socket->close(QWebSocketProtocol::CloseCodeNormal);
}

void ApiStreamClient::connectNow()
{
    if (!m_wanted)
        return;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &ApiStreamClient::onTextMessage);
    connect(m_socket, &QWebSocket::disconnected, this, &ApiStreamClient::onDisconnected);
    QNetworkRequest request(m_url);
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    m_socket->open(request);
}

void ApiStreamClient::onTextMessage(const QString &text)
{
    const QJsonObject event = QJsonDocument::fromJson(text.toUtf8()).object();
    if (event.isEmpty())
        return;
    if (event.value(lit("type")).toString() == QLatin1String("hello")) {
        m_connected = true;
        m_delayMs = 250;
        m_user = event.value(lit("user")).toString();
        Q_EMIT connected();
        return;
    }
    Q_EMIT eventReceived(event);
}

void ApiStreamClient::onDisconnected()
{
    const bool was = m_connected;
    m_connected = false;
    const int code = m_socket ? int(m_socket->closeCode()) : 0;
    if (code == 4401) {
        m_wanted = false;
        Q_EMIT authenticationFailed(m_socket->closeReason());
        return;
    }
    if (was)
        Q_EMIT disconnected();
    if (!m_wanted)
        return;
    qCDebug(lcApi) << "stream dropped; reconnecting in" << m_delayMs << "ms";
    m_retry->start(m_delayMs);
    m_delayMs = std::min(m_delayMs * 2, 30000);
}

} // namespace threadline
