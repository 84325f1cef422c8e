#include "api/apiserver.h"

#include "api/tokenstore.h"
#include "core/configuration.h"
#include "core/guardedtcpserver.h"
#include "core/logging.h"
#include "files/filestore.h"
#include "store/store.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

namespace threadline {

namespace {

QString lit(const char *s)
{
    return QString::fromLatin1(s);
}

QJsonValue timeJson(const QDateTime &t)
{
    if (!t.isValid())
        return QJsonValue::Null;
    return t.toUTC().toString(Qt::ISODateWithMs);
}

int httpStatus(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Invalid:
        return 422;
    case ErrorCode::NotFound:
        return 404;
    case ErrorCode::Conflict:
        return 409;
    case ErrorCode::Unavailable:
        return 503;
    case ErrorCode::Unauthorized:
        return 401;
    case ErrorCode::Forbidden:
        return 403;
    case ErrorCode::RateLimited:
        return 429;
    case ErrorCode::TooLarge:
        return 413;
    case ErrorCode::SchemaTooNew:
    case ErrorCode::Internal:
        return 500;
    }
    return 500;
}

//! Store field names → API field names.
QString apiField(const QString &storeField)
{
    static const QHash<QString, QString> map = {
        {lit("requestId"), lit("id")},        {lit("personId"), lit("user")},
        {lit("assigneeId"), lit("assignee")}, {lit("requesterId"), lit("requester")},
        {lit("teamId"), lit("team")},         {lit("followerIds"), lit("followers")},
        {lit("authorId"), lit("author")},     {lit("slackId"), lit("slack_id")},
        {lit("updateId"), lit("id")},         {lit("isAgent"), lit("is_agent")},
    };
    return map.value(storeField, storeField);
}

} // namespace

// ---- replies ----------------------------------------------------------------------------------

struct ApiServer::Principal
{
    bool admin = false;
    qint64 personId = 0; //!< the agent; 0 for the admin token
    qint64 tokenId = 0;
};

struct ApiServer::Reply
{
    int status = 200;
    QByteArray body;
    QByteArray contentType = "application/json";
    QList<std::pair<QByteArray, QByteArray>> headers;
    //! A body streamed from a file instead of `body` (attachment content): never read whole.
    QString filePath;
    QByteArray disposition; //!< Content-Disposition of a streamed file
    QByteArray etag;        //!< ETag of a streamed file

    static Reply json(int status, const QJsonObject &o)
    {
        Reply r;
        r.status = status;
        r.body = QJsonDocument(o).toJson(QJsonDocument::Compact);
        return r;
    }
    static Reply error(int status, const QString &code, const QString &message, const QString &field = {})
    {
        QJsonObject o{{lit("error"), code}, {lit("message"), message}};
        if (!field.isEmpty())
            o.insert(lit("field"), field);
        return json(status, o);
    }
    //! 405 with the Allow header: methods is the route's list, e.g. "GET, POST".
    static Reply methodNotAllowed(const char *methods)
    {
        Reply r = error(405, lit("method_not_allowed"),
                        QStringLiteral("Allowed methods: %1").arg(QString::fromLatin1(methods)));
        r.headers.append(std::make_pair(QByteArray("Allow"), QByteArray(methods)));
        return r;
    }
    //! A store or validation Error. Internal details are logged, never returned.
    static Reply fromError(const Error &e, const QString &fieldOverride = {})
    {
        // A text field over its length limit is a validation error (413 is for whole bodies).
        int status = httpStatus(e.code);
        if (e.code == ErrorCode::TooLarge && !e.field.isEmpty())
            return error(422, errorCodeName(ErrorCode::Invalid), e.message,
                         !fieldOverride.isEmpty() ? fieldOverride : apiField(e.field));
        if (status >= 500 && status != 503) {
            qCWarning(lcApi).noquote() << "internal error:" << e.toString();
            return error(500, lit("internal"), lit("An internal error occurred; see the server log"));
        }
        const QString field = !fieldOverride.isEmpty() ? fieldOverride : apiField(e.field);
        return error(status, errorCodeName(e.code), e.message, field);
    }
    static Reply noContent()
    {
        Reply r;
        r.status = 204;
        r.contentType.clear();
        return r;
    }
};

// ---- body field helpers --------------------------------------------------------------------------

namespace {

using FieldError = Error;

Error invalidField(const QString &field, const QString &message)
{
    return makeError(ErrorCode::Invalid, message, field);
}

//! A string field; nullopt when absent (or null and nullable).
Result<std::optional<QString>> stringField(const QJsonObject &o, const QString &name, bool required)
{
    const auto it = o.constFind(name);
    if (it == o.constEnd() || it->isUndefined()) {
        if (required)
            return invalidField(name, QStringLiteral("%1 is required").arg(name));
        return std::optional<QString>();
    }
    if (!it->isString())
        return invalidField(name, QStringLiteral("%1 must be a string").arg(name));
    return std::optional<QString>(it->toString());
}

Result<std::optional<qint64>> integerField(const QJsonObject &o, const QString &name)
{
    const auto it = o.constFind(name);
    if (it == o.constEnd())
        return std::optional<qint64>();
    const double d = it->toDouble(-1);
    if (!it->isDouble() || d < 0 || d > 9.0e15 || d != double(qint64(d)))
        return invalidField(name, QStringLiteral("%1 must be a non-negative integer").arg(name));
    return std::optional<qint64>(qint64(d));
}

//! A lookup that failed for a value named in a body or a query is a validation error, not a 404.
Error asFieldError(Error e)
{
    if (e.code == ErrorCode::NotFound)
        e.code = ErrorCode::Invalid;
    return e;
}

//! Parses an id path segment; 0 when not a positive integer.
qint64 idSegment(const QString &s)
{
    if (s.isEmpty() || s.size() > 18)
        return 0;
    for (QChar c : s)
        if (!c.isDigit() || c.unicode() > 127)
            return 0;
    return s.toLongLong();
}

} // namespace

// ---- construction -------------------------------------------------------------------------------

ApiServer::ApiServer(Store *store, ApiOptions options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_tokens(std::make_unique<TokenStore>(*store))
    , m_options(std::move(options))
{
    m_http = new QHttpServer(this);
    m_http->route(lit("/api/v1/stream"),
                  [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
                      // An upgrade is handed over by QHttpServer after this returns: write nothing for it.
                      // Authentication happens on the WebSocket (accept, then close with a close code).
                      if (request.value("Upgrade").toLower() == "websocket")
                          return;
                      dispatch(request, std::move(responder));
                  });
    m_http->setMissingHandler([this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        dispatch(request, std::move(responder));
    });
    connect(m_http, &QAbstractHttpServer::newWebSocketConnection, this, &ApiServer::onNewWebSocket);
    connect(m_store, &Store::changed, this, &ApiServer::onStoreChanged);
}

ApiServer::~ApiServer()
{
    for (QWebSocket *ws : std::as_const(m_streams)) {
        ws->disconnect(this);
        ws->abort();
        ws->deleteLater();
    }
}

Result<quint16> ApiServer::listen(const QHostAddress &address, quint16 port)
{
    m_tcp = new GuardedTcpServer(m_options.maxBodyBytes, m_options.maxConnections, lcApi(), m_http);
    connect(m_tcp, &GuardedTcpServer::refused, this, [this](int status) { m_metrics.recordRefused(status); });
    if (!m_tcp->listen(address, port)) {
        const QString reason = m_tcp->errorString();
        delete m_tcp;
        m_tcp = nullptr;
        return makeError(
            ErrorCode::Unavailable,
            QStringLiteral("The REST API cannot listen on %1:%2").arg(address.toString()).arg(port),
            QStringLiteral("api_listen"), reason);
    }
    m_http->bind(m_tcp);
    m_address = address;
    m_port = m_tcp->serverPort();
    qCInfo(lcApi).noquote() << "REST API listening on" << baseUrl().toString();
    return m_port;
}

QUrl ApiServer::baseUrl() const
{
    return ListenAddress{m_address, m_port}.localUrl();
}

void ApiServer::setReadinessProvider(std::function<QList<ReadinessCheck>()> provider)
{
    m_readiness = std::move(provider);
}

void ApiServer::setQueuesProvider(std::function<Result<QJsonObject>()> provider)
{
    m_queues = std::move(provider);
}

void ApiServer::setThreadsProvider(std::function<Result<QJsonObject>(qint64)> provider)
{
    m_threads = std::move(provider);
}

void ApiServer::setRetryProvider(std::function<Result<int>(qint64, qint64)> provider)
{
    m_retry = std::move(provider);
}

void ApiServer::drain(int timeoutMs)
{
    if (m_draining)
        return;
    m_draining = true;
    qCInfo(lcApi) << "draining: no new connections;" << m_streams.size() << "stream clients closed";
    if (m_tcp)
        m_tcp->close();
    const QList<QWebSocket *> streams = m_streams;
    for (QWebSocket *ws : streams)
        ws->close(QWebSocketProtocol::CloseCodeGoingAway, lit("server shutting down"));
    if (m_tcp)
        m_tcp->closeIdle();
    auto *timer = new QTimer(this);
    QElapsedTimer *elapsed = new QElapsedTimer;
    elapsed->start();
    connect(timer, &QTimer::timeout, this, [this, timer, elapsed, timeoutMs] {
        if (m_tcp)
            m_tcp->closeIdle(); // keep-alive connections that just finished a request
        const int open = m_tcp ? m_tcp->openConnections() : 0;
        if (open == 0 || elapsed->elapsed() >= timeoutMs) {
            if (open > 0)
                qCWarning(lcApi) << open << "connections still open after" << timeoutMs
                                 << "ms; stopping anyway";
            timer->stop();
            timer->deleteLater();
            delete elapsed;
            Q_EMIT drained();
        }
    });
    timer->start(20);
}

// ---- authentication -----------------------------------------------------------------------------

Result<ApiServer::Principal> ApiServer::authenticate(const QByteArray &authorization,
                                                     const QString &queryToken)
{
    QString token = queryToken;
    if (!authorization.isEmpty()) {
        const QByteArray value = authorization.trimmed();
        if (value.size() < 8 || value.left(7).toLower() != "bearer ")
            return makeError(ErrorCode::Unauthorized,
                             lit("The Authorization header must be 'Bearer <token>'"));
        token = QString::fromLatin1(value.mid(7).trimmed());
    }
    if (token.isEmpty())
        return makeError(ErrorCode::Unauthorized, lit("A bearer token is required"));
    if (!m_options.adminToken.isEmpty() &&
        TokenStore::constantTimeEquals(token.toUtf8(), m_options.adminToken.toUtf8())) {
        Principal p;
        p.admin = true;
        return p;
    }
    auto found = m_tokens->authenticate(token);
    if (!found)
        return found.error();
    auto person = m_store->person(found->personId);
    if (!person)
        return person.error();
    if (!person->isAgent)
        return makeError(ErrorCode::Unauthorized, lit("The token's person is no longer an agent"));
    Principal p;
    p.personId = found->personId;
    p.tokenId = found->id;
    return p;
}

// ---- dispatch -----------------------------------------------------------------------------------

void ApiServer::dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    QElapsedTimer timer;
    timer.start();
    QString routeLabel = lit("unmatched");
    Reply reply;
    if (m_draining) {
        reply = Reply::error(503, lit("unavailable"), lit("The server is shutting down"));
    } else {
        const QByteArray contentLength = request.value("Content-Length");
        bool ok = true;
        const qint64 declared = contentLength.isEmpty() ? 0 : contentLength.trimmed().toLongLong(&ok);
        if (!ok || declared < 0)
            reply = Reply::error(400, lit("bad_request"), lit("The Content-Length is not valid"));
        else if (declared > m_options.maxBodyBytes || request.body().size() > m_options.maxBodyBytes)
            reply = Reply::error(
                413, lit("too_large"),
                QStringLiteral("The request body is larger than %1 bytes").arg(m_options.maxBodyBytes));
        else
            reply = route(request, &routeLabel);
    }

    QByteArray method;
    switch (request.method()) {
    case QHttpServerRequest::Method::Get:
        method = "GET";
        break;
    case QHttpServerRequest::Method::Post:
        method = "POST";
        break;
    case QHttpServerRequest::Method::Patch:
        method = "PATCH";
        break;
    case QHttpServerRequest::Method::Delete:
        method = "DELETE";
        break;
    case QHttpServerRequest::Method::Put:
        method = "PUT";
        break;
    case QHttpServerRequest::Method::Head:
        method = "HEAD";
        break;
    default:
        method = "OTHER";
        break;
    }
    m_metrics.recordRequest(routeLabel, method, reply.status, double(timer.nsecsElapsed()) / 1e9);
    qCDebug(lcApi).noquote() << QString::fromLatin1(method) << routeLabel << reply.status;

    QTcpSocket *socket = responder.socket();
    if (!socket || !socket->isOpen())
        return;
    if (socket->findChild<QObject *>(QStringLiteral("threadline-file-stream"), Qt::FindDirectChildrenOnly)) {
        // A request pipelined behind a file answer (sent with Connection: close): its answer would
        // land inside the file's bytes, so it gets none; the connection closes after the file and
        // the client may send it again.
        return;
    }
    if (!reply.filePath.isEmpty()) {
        auto file = std::make_unique<QFile>(reply.filePath);
        if (file->open(QIODevice::ReadOnly)) {
            responder.writeStatusLine(QHttpServerResponder::StatusCode(reply.status));
            responder.writeHeader("Content-Type", reply.contentType);
            responder.writeHeader("Content-Length", QByteArray::number(file->size()));
            responder.writeHeader("X-Content-Type-Options", "nosniff");
            responder.writeHeader("Content-Disposition", reply.disposition);
            responder.writeHeader("Content-Security-Policy", "sandbox; default-src 'none'");
            responder.writeHeader("ETag", reply.etag);
            responder.writeHeader("Cache-Control", "private, no-cache");
            // One file per connection: nothing may be written into the file's bytes.
            responder.writeHeader("Connection", "close");
            responder.writeBody(QByteArray()); // ends the headers
            streamFile(socket, std::move(file));
            return;
        }
        reply = Reply::error(404, lit("not_found"), lit("The attachment's bytes are not stored"));
    }
    responder.writeStatusLine(QHttpServerResponder::StatusCode(reply.status));
    if (!reply.contentType.isEmpty())
        responder.writeHeader("Content-Type", reply.contentType);
    responder.writeHeader("Content-Length", QByteArray::number(reply.body.size()));
    responder.writeHeader("Cache-Control", "no-store");
    for (const auto &h : std::as_const(reply.headers))
        responder.writeHeader(h.first, h.second);
    if (m_draining)
        responder.writeHeader("Connection", "close");
    responder.writeBody(reply.body);
}

namespace {

//! Copies a file to a socket in 64 KiB chunks as the socket drains (at most 256 KiB queued), so a
//! file is never read whole into memory, then closes the connection (the answer said
//! Connection: close). Owned by the socket: a client that goes away mid-file ends the copy.
//! (QHttpServerResponder::write(QIODevice *) in Qt 6.4 writes to a socket that may be gone when the client
//! disconnects, so it is not used.)
class FileStreamer : public QObject
{
public:
    FileStreamer(QTcpSocket *socket, std::unique_ptr<QFile> file)
        : QObject(socket)
        , m_socket(socket)
        , m_file(std::move(file))
    {
        setObjectName(QStringLiteral("threadline-file-stream"));
        connect(socket, &QTcpSocket::bytesWritten, this, &FileStreamer::pump);
        connect(socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
        pump();
    }

private:
    void pump()
    {
        constexpr qint64 Chunk = 64 * 1024;
        constexpr qint64 MaxQueued = 256 * 1024;
        while (m_socket->isOpen() && m_socket->bytesToWrite() < MaxQueued) {
            if (m_file->atEnd()) {
                // Connection: close was sent; the socket closes once the bytes are out.
                disconnect(m_socket, nullptr, this, nullptr);
                m_socket->disconnectFromHost();
                deleteLater();
                return;
            }
            const QByteArray chunk = m_file->read(Chunk);
            if (chunk.isEmpty()) {
                // The file shrank or cannot be read: the answer cannot be completed, so the
                // connection is closed (the client sees fewer bytes than Content-Length).
                qCWarning(lcApi).noquote() << "attachment file read failed:" << m_file->errorString();
                disconnect(m_socket, nullptr, this, nullptr);
                m_socket->abort();
                deleteLater();
                return;
            }
            m_socket->write(chunk);
        }
    }

    QTcpSocket *m_socket;
    std::unique_ptr<QFile> m_file;
};

} // namespace

void ApiServer::streamFile(QTcpSocket *socket, std::unique_ptr<QFile> file)
{
    new FileStreamer(socket, std::move(file));
}

ApiServer::Reply ApiServer::route(const QHttpServerRequest &request, QString *routeLabel)
{
    using Method = QHttpServerRequest::Method;
    const Method method = request.method();
    const QString path = request.url().path();
    QStringList seg = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);

    // Unauthenticated operational routes.
    if (seg.size() == 1 && (seg[0] == QLatin1String("healthz") || seg[0] == QLatin1String("readyz") ||
                            seg[0] == QLatin1String("metrics"))) {
        *routeLabel = QLatin1Char('/') + seg[0];
        if (method != Method::Get)
            return Reply::methodNotAllowed("GET");
        if (seg[0] == QLatin1String("healthz"))
            return healthz();
        if (seg[0] == QLatin1String("readyz"))
            return readyz();
        return metricsReply();
    }

    if (seg.size() < 3 || seg[0] != QLatin1String("api") || seg[1] != QLatin1String("v1"))
        return Reply::error(404, lit("not_found"), lit("No such route"));

    // Route table: label the route first (for metrics), then authenticate, then run.
    const QString area = seg[2];
    const int n = int(seg.size());
    QString label;
    if (area == QLatin1String("requests")) {
        if (n == 3)
            label = lit("/api/v1/requests");
        else if (n == 4)
            label = lit("/api/v1/requests/{id}");
        else if (n == 5 && seg[4] == QLatin1String("updates"))
            label = lit("/api/v1/requests/{id}/updates");
        else if (n == 5 && seg[4] == QLatin1String("followers"))
            label = lit("/api/v1/requests/{id}/followers");
        else if (n == 6 && seg[4] == QLatin1String("followers"))
            label = lit("/api/v1/requests/{id}/followers/{user}");
        else if (n == 5 && seg[4] == QLatin1String("threads"))
            label = lit("/api/v1/requests/{id}/threads");
    } else if (area == QLatin1String("updates") && n == 4) {
        label = lit("/api/v1/updates/{id}");
    } else if (area == QLatin1String("updates") && n == 5 && seg[4] == QLatin1String("retry")) {
        label = lit("/api/v1/updates/{id}/retry");
    } else if (area == QLatin1String("conversations") && n == 5 && seg[4] == QLatin1String("retry")) {
        label = lit("/api/v1/conversations/{id}/retry");
    } else if (area == QLatin1String("attachments") && n == 5 && seg[4] == QLatin1String("content")) {
        label = lit("/api/v1/attachments/{id}/content");
    } else if (area == QLatin1String("queues") && n == 3) {
        label = lit("/api/v1/queues");
    } else if (area == QLatin1String("stream") && n == 3) {
        label = lit("/api/v1/stream");
    } else if (area == QLatin1String("people") && (n == 3 || n == 4)) {
        label = n == 3 ? lit("/api/v1/people") : lit("/api/v1/people/{user}");
    } else if (area == QLatin1String("tokens") && (n == 3 || n == 4)) {
        label = n == 3 ? lit("/api/v1/tokens") : lit("/api/v1/tokens/{id}");
    }
    if (label.isEmpty())
        return Reply::error(404, lit("not_found"), lit("No such route"));
    *routeLabel = label;

    auto who = authenticate(request.value("Authorization"), QString());
    if (!who) {
        if (who.error().code != ErrorCode::Unauthorized)
            return Reply::fromError(who.error());
        Reply r = Reply::error(401, lit("unauthorized"), who.error().message);
        r.headers.append(
            std::make_pair(QByteArray("WWW-Authenticate"), QByteArray("Bearer realm=\"threadline\"")));
        return r;
    }
    const Principal &p = who.value();

    const bool adminOnly =
        area == QLatin1String("tokens") || (area == QLatin1String("people") && method != Method::Get);
    if (adminOnly && !p.admin)
        return Reply::error(403, lit("forbidden"), lit("This route needs the admin token"));

    // Idempotency-Key (docs/api.md, "Idempotency keys"): checked on every route, used on writes.
    auto key = idempotencyKey(request);
    if (!key)
        return Reply::error(400, lit("bad_request"), key.error().message, lit("Idempotency-Key"));
    const bool write = method == Method::Post || method == Method::Patch || method == Method::Delete;
    if (key->isEmpty() || !write)
        return handle(request, label, seg, p);
    if (label == QLatin1String("/api/v1/tokens") && method == Method::Post)
        return Reply::error(400, lit("bad_request"),
                            lit("POST /api/v1/tokens does not take an Idempotency-Key: its answer holds the "
                                "new token, which is never stored; revoke a token whose answer was lost"),
                            lit("Idempotency-Key"));
    return idempotent(p, *key, fingerprint(request), [&] { return handle(request, label, seg, p); });
}

ApiServer::Reply ApiServer::handle(const QHttpServerRequest &request, const QString &label,
                                   const QStringList &seg, const Principal &p)
{
    using Method = QHttpServerRequest::Method;
    const Method method = request.method();
    const QString area = seg[2];
    const int n = int(seg.size());

    // Body: JSON object for POST and PATCH.
    QJsonObject body;
    // The parts of a multipart body refer to these bytes (no copy): kept for the whole handler.
    const QByteArray rawBody = request.body();
    QList<files::MultipartPart> uploads;
    // The retry routes take no body; every other POST and PATCH takes a JSON object.
    const bool bodyless = label.endsWith(QLatin1String("/retry")) && request.body().isEmpty();
    if ((method == Method::Post || method == Method::Patch) && !bodyless) {
        const QByteArray contentType = request.value("Content-Type").toLower();
        if (contentType.startsWith("multipart/")) {
            // Files travel only with a new update (docs/api.md, "Attachments").
            if (label != QLatin1String("/api/v1/requests/{id}/updates") || method != Method::Post ||
                !m_options.storeFile)
                return Reply::error(
                    415, lit("unsupported_media_type"),
                    lit("Multipart bodies are accepted only by POST /api/v1/requests/{id}/updates"));
            auto parts = files::parseMultipart(request.value("Content-Type"), rawBody);
            if (!parts)
                return Reply::error(400, lit("bad_multipart"), parts.error().message);
            for (const files::MultipartPart &part : parts.value()) {
                if (part.isFile)
                    uploads << part;
                else
                    body.insert(part.name, QString::fromUtf8(part.data));
            }
        } else {
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &parseError);
            if (parseError.error != QJsonParseError::NoError)
                return Reply::error(400, lit("bad_json"),
                                    QStringLiteral("The body is not valid JSON: %1 at offset %2")
                                        .arg(parseError.errorString())
                                        .arg(parseError.offset));
            if (!doc.isObject())
                return Reply::error(400, lit("bad_json"), lit("The body must be a JSON object"));
            body = doc.object();
        }
    }

    const qint64 id = n >= 4 ? idSegment(seg[3]) : 0;
    if (n >= 4 && area != QLatin1String("people") && id == 0)
        return Reply::error(404, lit("not_found"), QStringLiteral("No such id: %1").arg(seg[3].left(40)));

    if (label == QLatin1String("/api/v1/requests")) {
        if (method == Method::Post)
            return createRequest(p, body);
        if (method == Method::Get)
            return listRequests(request);
        return Reply::methodNotAllowed("GET, POST");
    }
    if (label == QLatin1String("/api/v1/requests/{id}")) {
        if (method == Method::Get)
            return getRequest(id);
        if (method == Method::Patch)
            return patchRequest(p, id, body, request.value("If-Match"));
        return Reply::methodNotAllowed("GET, PATCH");
    }
    if (label == QLatin1String("/api/v1/requests/{id}/updates")) {
        if (method == Method::Post)
            return postUpdate(p, id, body, uploads);
        return Reply::methodNotAllowed("POST");
    }
    if (label == QLatin1String("/api/v1/requests/{id}/followers")) {
        if (method == Method::Post)
            return addFollower(p, id, body);
        return Reply::methodNotAllowed("POST");
    }
    if (label == QLatin1String("/api/v1/requests/{id}/followers/{user}")) {
        if (method == Method::Delete)
            return removeFollower(p, id, QUrl::fromPercentEncoding(seg[5].toUtf8()));
        return Reply::methodNotAllowed("DELETE");
    }
    if (label == QLatin1String("/api/v1/requests/{id}/threads")) {
        if (method == Method::Get)
            return threads(id);
        return Reply::methodNotAllowed("GET");
    }
    if (label == QLatin1String("/api/v1/updates/{id}")) {
        if (method == Method::Patch)
            return patchUpdate(p, id, body);
        if (method == Method::Delete)
            return deleteUpdate(p, id);
        return Reply::methodNotAllowed("PATCH, DELETE");
    }
    if (label == QLatin1String("/api/v1/attachments/{id}/content")) {
        if (method == Method::Get)
            return attachmentContent(id);
        return Reply::methodNotAllowed("GET");
    }
    if (label == QLatin1String("/api/v1/queues")) {
        if (method == Method::Get)
            return queues();
        return Reply::methodNotAllowed("GET");
    }
    if (label == QLatin1String("/api/v1/updates/{id}/retry")) {
        if (method == Method::Post)
            return retry(id, 0);
        return Reply::methodNotAllowed("POST");
    }
    if (label == QLatin1String("/api/v1/conversations/{id}/retry")) {
        if (method == Method::Post)
            return retry(0, id);
        return Reply::methodNotAllowed("POST");
    }
    if (label == QLatin1String("/api/v1/stream"))
        return Reply::error(400, lit("websocket_required"),
                            lit("GET /api/v1/stream is a WebSocket endpoint; send an Upgrade request"));
    if (label == QLatin1String("/api/v1/people")) {
        if (method == Method::Post)
            return upsertPerson(body);
        if (method == Method::Get)
            return listPeople(request);
        return Reply::methodNotAllowed("GET, POST");
    }
    if (label == QLatin1String("/api/v1/people/{user}")) {
        if (method == Method::Get)
            return getPerson(QUrl::fromPercentEncoding(seg[3].toUtf8()));
        return Reply::methodNotAllowed("GET");
    }
    if (label == QLatin1String("/api/v1/tokens")) {
        if (method == Method::Post)
            return createToken(body);
        if (method == Method::Get)
            return listTokens();
        return Reply::methodNotAllowed("GET, POST");
    }
    if (label == QLatin1String("/api/v1/tokens/{id}")) {
        if (method == Method::Delete)
            return revokeToken(id);
        return Reply::methodNotAllowed("DELETE");
    }
    return Reply::error(404, lit("not_found"), lit("No such route"));
}

// ---- idempotency keys ---------------------------------------------------------------------------

Result<QString> ApiServer::idempotencyKey(const QHttpServerRequest &request)
{
    QList<QByteArray> values;
    const auto headers = request.headers();
    for (const auto &h : headers)
        if (h.first.compare("Idempotency-Key", Qt::CaseInsensitive) == 0)
            values << h.second;
    if (values.isEmpty())
        return QString();
    if (values.size() > 1)
        return makeError(ErrorCode::Invalid, lit("Send one Idempotency-Key header, not several"));
    const QByteArray value = values.first();
    if (value.isEmpty())
        return makeError(ErrorCode::Invalid, lit("The Idempotency-Key header is empty"));
    if (value.size() > Store::MaxIdempotencyKeyLength)
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("The Idempotency-Key is longer than %1 characters")
                             .arg(Store::MaxIdempotencyKeyLength));
    for (char c : value)
        if (uchar(c) < 0x21 || uchar(c) > 0x7e)
            return makeError(ErrorCode::Invalid,
                             lit("The Idempotency-Key must be printable ASCII without spaces (a UUID, say)"));
    return QString::fromLatin1(value);
}

QString ApiServer::fingerprint(const QHttpServerRequest &request)
{
    // What makes two requests the same request: method, path and query, If-Match, body type and bytes.
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const QUrl url = request.url();
    const QByteArray head = QByteArray::number(int(request.method())) + '\n' +
                            url.path(QUrl::FullyEncoded).toUtf8() + '?' +
                            url.query(QUrl::FullyEncoded).toUtf8() + '\n' + request.value("If-Match") + '\n' +
                            request.value("Content-Type") + '\n';
    hash.addData(head);
    hash.addData(request.body());
    return QString::fromLatin1(hash.result().toHex());
}

ApiServer::Reply ApiServer::idempotent(const Principal &who, const QString &key, const QString &print,
                                       const std::function<Reply()> &run)
{
    const qint64 principal = who.admin ? 0 : who.personId;
    std::optional<Reply> refused; // an answer that is not stored: its transaction rolls back
    auto done = m_store->transaction([&]() -> Result<Reply> {
        auto claimed = m_store->claimIdempotencyKey(principal, key, print);
        if (!claimed)
            return claimed.error();
        if (claimed->has_value()) {
            const IdempotentAnswer &a = **claimed;
            if (a.fingerprint != print) {
                refused = Reply::error(
                    422, lit("idempotency_key_reused"),
                    lit("This Idempotency-Key was used for a different request (another method, path or "
                        "body) within the last 24 hours; send a new key with a new request"),
                    lit("Idempotency-Key"));
                return makeError(ErrorCode::Invalid, lit("key reused"));
            }
            Reply r;
            r.status = a.status;
            r.contentType = a.contentType;
            r.headers = a.headers;
            r.body = a.body;
            r.headers.append(std::make_pair(QByteArray("Idempotent-Replayed"), QByteArray("true")));
            qCDebug(lcApi) << "idempotent replay of a" << a.status << "answer";
            return r;
        }
        Reply reply = run();
        if (reply.status < 200 || reply.status >= 300) {
            // Refused or failed: nothing is kept, not even the key (a retry runs again).
            refused = reply;
            return makeError(ErrorCode::Invalid, lit("not stored"));
        }
        IdempotentAnswer answer;
        answer.fingerprint = print;
        answer.status = reply.status;
        answer.contentType = reply.contentType;
        answer.headers = reply.headers;
        answer.body = reply.body;
        if (auto saved = m_store->saveIdempotentAnswer(principal, key, answer); !saved)
            return saved.error();
        return reply;
    });
    if (refused)
        return *refused;
    if (!done)
        return Reply::fromError(done.error());
    return done.value();
}

// ---- JSON of store values -----------------------------------------------------------------------

QString ApiServer::personKey(qint64 personId)
{
    if (personId <= 0)
        return {};
    const auto it = m_personKeys.constFind(personId);
    if (it != m_personKeys.constEnd())
        return *it;
    auto p = m_store->person(personId);
    if (!p)
        return {};
    const QString key = p->slackId.isEmpty() ? p->email : p->slackId;
    m_personKeys.insert(personId, key);
    return key;
}

QJsonObject ApiServer::personJson(const Person &p)
{
    return {{lit("user"), p.slackId.isEmpty() ? p.email : p.slackId},
            {lit("slack_id"), p.slackId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(p.slackId)},
            {lit("name"), p.name},
            {lit("email"), p.email.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(p.email)},
            {lit("is_agent"), p.isAgent}};
}

QJsonObject ApiServer::requestJson(const Request &r)
{
    QJsonValue team = QJsonValue::Null;
    if (r.teamId > 0) {
        if (auto t = m_store->team(r.teamId))
            team = t->name;
    }
    const QString assignee = personKey(r.assigneeId);
    return {{lit("id"), r.id},
            {lit("title"), r.title},
            {lit("body"), r.body},
            {lit("status"), requestStatusName(r.status)},
            {lit("requester"), personKey(r.requesterId)},
            {lit("assignee"), assignee.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(assignee)},
            {lit("team"), team},
            {lit("created_at"), timeJson(r.createdAt)},
            {lit("updated_at"), timeJson(r.updatedAt)},
            {lit("version"), r.version}};
}

QJsonObject ApiServer::updateJson(const Update &u)
{
    QJsonArray attachments;
    for (const Attachment &a : u.attachments)
        attachments.append(QJsonObject{{lit("id"), a.id},
                                       {lit("name"), a.name},
                                       {lit("mime_type"), a.mimeType},
                                       {lit("size"), a.size},
                                       {lit("sha256"), a.sha256},
                                       {lit("state"), a.state},
                                       {lit("last_error"), a.lastError}});
    return {{lit("id"), u.id},
            {lit("request_id"), u.requestId},
            {lit("author"), personKey(u.authorId)},
            {lit("text"), u.text},
            {lit("source"), updateSourceName(u.source)},
            {lit("created_at"), timeJson(u.createdAt)},
            {lit("edited_at"), timeJson(u.editedAt)},
            {lit("deleted"), u.isDeleted()},
            {lit("deleted_at"), timeJson(u.deletedAt)},
            {lit("attachments"), attachments}};
}

Result<Person> ApiServer::resolvePerson(const QString &text, const QString &field, bool bodyField)
{
    const QString key = text.trimmed();
    if (key.isEmpty())
        return invalidField(field,
                            QStringLiteral("%1 must name a person (Slack user id or email)").arg(field));
    if (key.size() > Store::MaxEmailLength)
        return invalidField(field, QStringLiteral("%1 is too long").arg(field));
    auto p = key.contains(QLatin1Char('@')) ? m_store->personByEmail(key) : m_store->personBySlackId(key);
    if (!p) {
        Error e = p.error();
        e.field = field;
        if (e.code == ErrorCode::NotFound) {
            // A person named in a body is a validation error; one named in the path is a 404.
            e.code = bodyField ? ErrorCode::Invalid : ErrorCode::NotFound;
            e.message = QStringLiteral("%1: no person is known as %2").arg(field, key.left(80));
        } else if (e.code == ErrorCode::Invalid) {
            e.message = QStringLiteral("%1 is not a Slack user id or an email address").arg(field);
        }
        return e;
    }
    return p;
}

// ---- operational routes -------------------------------------------------------------------------

ApiServer::Reply ApiServer::healthz()
{
    return Reply::json(200, {{lit("status"), lit("alive")}});
}

ApiServer::Reply ApiServer::readyz()
{
    QList<ReadinessCheck> checks;
    ReadinessCheck db{lit("database"), false, {}};
    auto probe = m_store->scalar(lit("SELECT 1"));
    if (probe && probe.value())
        db.ok = true;
    else
        db.reason = probe ? lit("the database returned nothing") : probe.error().message;
    checks << db;
    if (m_readiness) {
        checks << m_readiness();
    } else {
        checks << ReadinessCheck{lit("slack"), false, lit("the sync engine is not running in this server")}
               << ReadinessCheck{lit("inbound"), false, lit("the sync engine is not running in this server")};
    }
    bool ready = true;
    QJsonObject out;
    QStringList reasons;
    for (const ReadinessCheck &c : std::as_const(checks)) {
        QJsonObject o{{lit("ok"), c.ok}};
        if (!c.ok) {
            o.insert(lit("reason"), c.reason);
            reasons << c.name + lit(": ") + c.reason;
            ready = false;
        }
        out.insert(c.name, o);
    }
    if (ready)
        return Reply::json(200, {{lit("status"), lit("ready")}, {lit("checks"), out}});
    return Reply::json(
        503,
        {{lit("error"), lit("not_ready")}, {lit("message"), reasons.join(lit("; "))}, {lit("checks"), out}});
}

ApiServer::Reply ApiServer::metricsReply()
{
    m_metrics.setStreamClients(int(m_streams.size()));
    Reply r;
    r.body = m_metrics.render();
    r.contentType = "text/plain; version=0.0.4; charset=utf-8";
    return r;
}

ApiServer::Reply ApiServer::threads(qint64 requestId)
{
    if (auto r = m_store->request(requestId); !r)
        return Reply::fromError(r.error(), lit("id"));
    if (!m_threads)
        return Reply::error(
            503, lit("sync_not_running"),
            lit("The sync engine is not running in this server, so there are no Slack threads "
                "to report"));
    auto t = m_threads(requestId);
    if (!t)
        return Reply::fromError(t.error());
    return Reply::json(200, t.value());
}

ApiServer::Reply ApiServer::queues()
{
    if (!m_queues)
        return Reply::error(503, lit("sync_not_running"),
                            lit("The sync engine is not running in this server, so there are no queues"));
    auto q = m_queues();
    if (!q)
        return Reply::fromError(q.error());
    return Reply::json(200, q.value());
}

ApiServer::Reply ApiServer::retry(qint64 updateId, qint64 conversationId)
{
    if (updateId > 0) {
        if (auto u = m_store->update(updateId); !u)
            return Reply::fromError(u.error(), lit("id"));
    }
    if (!m_retry)
        return Reply::error(
            503, lit("sync_not_running"),
            lit("The sync engine is not running in this server, so there is nothing to retry"));
    auto queued = m_retry(updateId, conversationId);
    if (!queued)
        return Reply::fromError(queued.error(), lit("id"));
    return Reply::json(200, QJsonObject{{lit("retried"), queued.value()}});
}

// ---- attachments --------------------------------------------------------------------------------

namespace {

//! The stored MIME type when it is a plain `type/subtype` token, else application/octet-stream.
//! Types a browser would render as a page are never answered as such.
QByteArray safeContentType(const QString &mimeType)
{
    static const QRegularExpression token(
        QStringLiteral("^[A-Za-z0-9!#$&^_.+-]{1,64}/[A-Za-z0-9!#$&^_.+-]{1,127}$"));
    const QString type = mimeType.trimmed().toLower();
    if (!token.match(type).hasMatch() || type.contains(QLatin1String("html")) ||
        type.contains(QLatin1String("xml")) || type.contains(QLatin1String("javascript")))
        return "application/octet-stream";
    return type.toLatin1();
}

//! `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 / RFC 8187): an ASCII fallback with
//! anything unsafe replaced by `_`, and the exact name percent-encoded.
QByteArray contentDisposition(const QString &name)
{
    QByteArray ascii;
    for (QChar c : name) {
        const char16_t u = c.unicode();
        ascii += (u >= 0x20 && u < 0x7f && u != '"' && u != '\\' && u != '%') ? char(u) : '_';
    }
    if (ascii.isEmpty())
        ascii = "file";
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" +
           name.toUtf8().toPercentEncoding("!#$&+^`|");
}

} // namespace

ApiServer::Reply ApiServer::attachmentContent(qint64 attachmentId)
{
    auto att = m_store->attachment(attachmentId);
    if (!att)
        return Reply::fromError(att.error(), lit("id"));
    if (att->state != QLatin1String("stored") || att->storageKey.isEmpty())
        return Reply::error(
            404, lit("not_found"),
            QStringLiteral("Attachment %1 has no stored bytes (it is %2)").arg(attachmentId).arg(att->state));
    auto update = m_store->update(att->updateId);
    if (!update)
        return Reply::fromError(update.error(), lit("id"));
    if (update->isDeleted())
        return Reply::error(404, lit("not_found"),
                            QStringLiteral("Attachment %1 belongs to a deleted update").arg(attachmentId));
    if (m_filesDirectory.isEmpty())
        return Reply::error(503, lit("files_not_available"),
                            lit("This server has no files store, so it cannot serve attachments"));
    const files::FileStore store(m_filesDirectory);
    const QString path = store.pathFor(att->storageKey);
    if (path.isEmpty() || !QFileInfo(path).isFile()) {
        qCWarning(lcApi).noquote() << "attachment" << attachmentId << "is stored but its file is missing";
        return Reply::error(
            404, lit("not_found"),
            QStringLiteral("The bytes of attachment %1 are not in the files store").arg(attachmentId));
    }
    Reply r;
    r.status = 200;
    r.filePath = path;
    r.contentType = safeContentType(att->mimeType);
    r.disposition = contentDisposition(att->name);
    r.etag = '"' + att->sha256.toLatin1() + '"';
    return r;
}

// ---- requests -----------------------------------------------------------------------------------

ApiServer::Reply ApiServer::createRequest(const Principal &who, const QJsonObject &body)
{
    auto title = stringField(body, lit("title"), true);
    if (!title)
        return Reply::fromError(title.error());
    auto text = stringField(body, lit("body"), false);
    if (!text)
        return Reply::fromError(text.error());
    auto requesterName = stringField(body, lit("requester"), true);
    if (!requesterName)
        return Reply::fromError(requesterName.error());
    auto assigneeName = stringField(body, lit("assignee"), false);
    if (!assigneeName)
        return Reply::fromError(assigneeName.error());
    auto teamName = stringField(body, lit("team"), false);
    if (!teamName)
        return Reply::fromError(teamName.error());

    NewRequest input;
    input.title = **title;
    input.body = text->value_or(QString());
    input.actorId = who.personId;
    auto requester = resolvePerson(**requesterName, lit("requester"), true);
    if (!requester)
        return Reply::fromError(requester.error());
    input.requesterId = requester->id;
    if (assigneeName->has_value()) {
        auto assignee = resolvePerson(**assigneeName, lit("assignee"), true);
        if (!assignee)
            return Reply::fromError(assignee.error());
        input.assigneeId = assignee->id;
    }
    if (teamName->has_value()) {
        auto team = m_store->teamByName(**teamName);
        if (!team)
            return Reply::fromError(asFieldError(team.error()), lit("team"));
        input.teamId = team->id;
    }
    const QJsonValue followers = body.value(lit("followers"));
    if (!followers.isUndefined() && !followers.isNull()) {
        if (!followers.isArray())
            return Reply::error(422, lit("invalid"), lit("followers must be an array of people"),
                                lit("followers"));
        const QJsonArray list = followers.toArray();
        if (list.size() > 1000)
            return Reply::error(422, lit("invalid"), lit("At most 1000 followers may be named"),
                                lit("followers"));
        for (const QJsonValue &v : list) {
            if (!v.isString())
                return Reply::error(422, lit("invalid"), lit("followers must be an array of strings"),
                                    lit("followers"));
            auto follower = resolvePerson(v.toString(), lit("followers"), true);
            if (!follower)
                return Reply::fromError(follower.error());
            input.followerIds << follower->id;
        }
    }
    auto created = m_store->createRequest(input);
    if (!created)
        return Reply::fromError(created.error());
    auto timeline = m_store->timeline(created->id);
    QJsonObject out = requestJson(created.value());
    if (timeline) {
        QJsonArray followersJson;
        for (const Follower &f : timeline->followers)
            followersJson.append(QJsonObject{{lit("user"), personKey(f.personId)},
                                             {lit("reason"), followReasonName(f.reason)}});
        out.insert(lit("followers"), followersJson);
    }
    Reply r = Reply::json(201, out);
    r.headers.append(std::make_pair(QByteArray("Location"),
                                    QByteArray("/api/v1/requests/" + QByteArray::number(created->id))));
    r.headers.append(
        std::make_pair(QByteArray("ETag"), QByteArray('"' + QByteArray::number(created->version) + '"')));
    return r;
}

ApiServer::Reply ApiServer::listRequests(const QHttpServerRequest &request)
{
    const QUrlQuery query(request.url());
    RequestQuery q;
    const auto value = [&](const char *name) { return query.queryItemValue(lit(name), QUrl::FullyDecoded); };
    if (query.hasQueryItem(lit("status"))) {
        const QStringList names = value("status").split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (const QString &name : names) {
            const auto s = requestStatusFromName(name.trimmed());
            if (!s)
                return Reply::error(
                    422, lit("invalid"),
                    lit("status must be a comma-separated list of new, open, waiting, resolved, closed"),
                    lit("status"));
            q.statuses << *s;
        }
    }
    if (query.hasQueryItem(lit("assignee"))) {
        const QString a = value("assignee");
        if (a == QLatin1String("none")) {
            q.assigneeId = 0;
        } else {
            auto p = resolvePerson(a, lit("assignee"), true);
            if (!p)
                return Reply::fromError(p.error());
            q.assigneeId = p->id;
        }
    }
    if (query.hasQueryItem(lit("team"))) {
        const QString t = value("team");
        if (t == QLatin1String("none")) {
            q.teamId = 0;
        } else {
            auto team = m_store->teamByName(t);
            if (!team)
                return Reply::fromError(asFieldError(team.error()), lit("team"));
            q.teamId = team->id;
        }
    }
    q.text = value("q");
    q.cursor = value("cursor");
    if (query.hasQueryItem(lit("limit"))) {
        bool ok = false;
        const int limit = value("limit").toInt(&ok);
        if (!ok || limit < 1 || limit > Store::MaxPageSize)
            return Reply::error(
                422, lit("invalid"),
                QStringLiteral("limit must be an integer from 1 to %1").arg(Store::MaxPageSize),
                lit("limit"));
        q.limit = limit;
    }
    auto page = m_store->listRequests(q);
    if (!page) {
        QString field = page.error().field;
        if (field == QLatin1String("text"))
            field = lit("q");
        return Reply::fromError(page.error(), apiField(field));
    }
    QJsonArray items;
    for (const Request &r : page->requests)
        items.append(requestJson(r));
    return Reply::json(200,
                       {{lit("requests"), items},
                        {lit("next_cursor"), page->nextCursor.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                                        : QJsonValue(page->nextCursor)}});
}

ApiServer::Reply ApiServer::getRequest(qint64 id)
{
    auto t = m_store->timeline(id);
    if (!t)
        return Reply::fromError(t.error(), lit("id"));
    QJsonObject out = requestJson(t->request);
    QJsonArray followers;
    for (const Follower &f : t->followers)
        followers.append(QJsonObject{{lit("user"), personKey(f.personId)},
                                     {lit("reason"), followReasonName(f.reason)},
                                     {lit("since"), timeJson(f.createdAt)}});
    QJsonArray updates;
    for (const Update &u : t->updates)
        updates.append(updateJson(u));
    out.insert(lit("followers"), followers);
    out.insert(lit("updates"), updates);
    Reply r = Reply::json(200, out);
    r.headers.append(
        std::make_pair(QByteArray("ETag"), QByteArray('"' + QByteArray::number(t->request.version) + '"')));
    return r;
}

ApiServer::Reply ApiServer::patchRequest(const Principal &who, qint64 id, const QJsonObject &body,
                                         const QByteArray &ifMatch)
{
    std::optional<qint64> expected;
    if (!ifMatch.isEmpty()) {
        QByteArray tag = ifMatch.trimmed();
        if (tag.startsWith("W/"))
            tag = tag.mid(2);
        if (tag.size() >= 2 && tag.startsWith('"') && tag.endsWith('"'))
            tag = tag.mid(1, tag.size() - 2);
        bool ok = false;
        const qint64 v = tag.toLongLong(&ok);
        if (!ok || v < 0)
            return Reply::error(422, lit("invalid"), lit("If-Match must be the request's ETag, e.g. \"3\""),
                                lit("version"));
        expected = v;
    }
    auto version = integerField(body, lit("version"));
    if (!version)
        return Reply::fromError(version.error());
    if (version->has_value()) {
        if (expected && *expected != **version)
            return Reply::error(422, lit("invalid"), lit("If-Match and version disagree"), lit("version"));
        expected = **version;
    }
    if (!expected)
        return Reply::error(422, lit("invalid"),
                            lit("A version (the request's ETag or version field) is required for a change"),
                            lit("version"));

    auto status = stringField(body, lit("status"), false);
    if (!status)
        return Reply::fromError(status.error());
    auto title = stringField(body, lit("title"), false);
    if (!title)
        return Reply::fromError(title.error());
    const bool hasAssignee = body.contains(lit("assignee"));
    const QJsonValue assigneeValue = body.value(lit("assignee"));
    if (hasAssignee && !assigneeValue.isNull() && !assigneeValue.isString())
        return Reply::error(422, lit("invalid"), lit("assignee must be a person or null"), lit("assignee"));
    if (!status->has_value() && !title->has_value() && !hasAssignee)
        return Reply::error(422, lit("invalid"), lit("Nothing to change: give status, assignee or title"),
                            lit("status"));

    std::optional<RequestStatus> newStatus;
    if (status->has_value()) {
        newStatus = requestStatusFromName(**status);
        if (!newStatus)
            return Reply::error(422, lit("invalid"),
                                lit("status must be one of new, open, waiting, resolved, closed"),
                                lit("status"));
    }
    qint64 assigneeId = 0;
    if (hasAssignee && assigneeValue.isString()) {
        auto p = resolvePerson(assigneeValue.toString(), lit("assignee"), true);
        if (!p)
            return Reply::fromError(p.error());
        assigneeId = p->id;
    }

    const qint64 actor = who.personId;
    auto changed = m_store->transaction([&]() -> Result<Request> {
        auto current = m_store->request(id);
        if (!current)
            return current;
        if (current->version != *expected)
            return makeError(ErrorCode::Conflict,
                             QStringLiteral("The request was changed by someone else (version %1, not %2)")
                                 .arg(current->version)
                                 .arg(*expected),
                             lit("version"));
        Result<Request> r = current;
        if (title->has_value()) {
            r = m_store->setTitle(id, **title, r->version, actor);
            if (!r)
                return r;
        }
        if (newStatus) {
            r = m_store->setStatus(id, *newStatus, r->version, actor);
            if (!r)
                return r;
        }
        if (hasAssignee) {
            r = m_store->setAssignee(id, assigneeId, r->version, actor);
            if (!r)
                return r;
        }
        return r;
    });
    if (!changed) {
        QString field = changed.error().field;
        if (field == QLatin1String("requestId") && changed.error().code == ErrorCode::NotFound)
            return Reply::fromError(changed.error(), lit("id"));
        return Reply::fromError(changed.error());
    }
    Reply r = Reply::json(200, requestJson(changed.value()));
    r.headers.append(
        std::make_pair(QByteArray("ETag"), QByteArray('"' + QByteArray::number(changed->version) + '"')));
    return r;
}

// ---- updates ------------------------------------------------------------------------------------

ApiServer::Reply ApiServer::postUpdate(const Principal &who, qint64 requestId, const QJsonObject &body,
                                       const QList<files::MultipartPart> &uploads)
{
    auto text = stringField(body, lit("text"), true);
    if (!text)
        return Reply::fromError(text.error());
    auto authorName = stringField(body, lit("author"), who.admin);
    if (!authorName)
        return Reply::fromError(authorName.error());
    qint64 authorId = who.personId;
    if (authorName->has_value()) {
        auto author = resolvePerson(**authorName, lit("author"), true);
        if (!author)
            return Reply::fromError(author.error());
        if (!who.admin && author->id != who.personId)
            return Reply::error(403, lit("forbidden"),
                                lit("An agent posts as themself; only the admin names an author"),
                                lit("author"));
        authorId = author->id;
    }
    if (auto r = m_store->request(requestId); !r)
        return Reply::fromError(r.error(), lit("id"));
    NewUpdate input;
    input.requestId = requestId;
    input.authorId = authorId;
    input.text = **text;
    for (const files::MultipartPart &part : uploads) {
        QBuffer source;
        source.setData(part.data);
        source.open(QIODevice::ReadOnly);
        auto stored = m_options.storeFile(source, part.fileName, QString::fromLatin1(part.contentType));
        if (!stored) {
            const Error &e = stored.error();
            if (e.detail == QLatin1String("file_too_large"))
                return Reply::error(413, lit("too_large"), e.message, lit("files"));
            if (e.detail == QLatin1String("type_not_allowed"))
                return Reply::error(415, lit("unsupported_media_type"), e.message, lit("files"));
            if (e.code == ErrorCode::Invalid)
                return Reply::error(422, errorCodeName(ErrorCode::Invalid), e.message, lit("files"));
            return Reply::fromError(e);
        }
        input.attachments << stored.value();
    }
    auto posted = m_store->postUpdate(input);
    if (!posted)
        return Reply::fromError(posted.error());
    Reply r = Reply::json(201, updateJson(posted.value()));
    r.headers.append(std::make_pair(QByteArray("Location"),
                                    QByteArray("/api/v1/updates/" + QByteArray::number(posted->id))));
    return r;
}

ApiServer::Reply ApiServer::patchUpdate(const Principal &who, qint64 id, const QJsonObject &body)
{
    auto text = stringField(body, lit("text"), true);
    if (!text)
        return Reply::fromError(text.error());
    auto existing = m_store->update(id);
    if (!existing)
        return Reply::fromError(existing.error(), lit("id"));
    if (!who.admin && existing->authorId != who.personId)
        return Reply::error(403, lit("forbidden"), lit("An agent edits only their own updates"));
    auto edited = m_store->editUpdate(id, **text, who.personId);
    if (!edited)
        return Reply::fromError(edited.error());
    return Reply::json(200, updateJson(edited.value()));
}

ApiServer::Reply ApiServer::deleteUpdate(const Principal &who, qint64 id)
{
    auto deleted = m_store->deleteUpdate(id, who.personId);
    if (!deleted)
        return Reply::fromError(deleted.error(), lit("id"));
    return Reply::noContent();
}

// ---- followers ----------------------------------------------------------------------------------

ApiServer::Reply ApiServer::addFollower(const Principal &who, qint64 requestId, const QJsonObject &body)
{
    auto user = stringField(body, lit("user"), true);
    if (!user)
        return Reply::fromError(user.error());
    auto person = resolvePerson(**user, lit("user"), true);
    if (!person)
        return Reply::fromError(person.error());
    auto before = m_store->followers(requestId);
    if (!before)
        return Reply::fromError(before.error(), lit("id"));
    bool already = false;
    for (const Follower &f : before.value())
        already = already || f.personId == person->id;
    auto added = m_store->addFollower(requestId, person->id, who.personId);
    if (!added)
        return Reply::fromError(added.error());
    return Reply::json(already ? 200 : 201, {{lit("request_id"), requestId},
                                             {lit("user"), personKey(person->id)},
                                             {lit("reason"), followReasonName(added->reason)},
                                             {lit("since"), timeJson(added->createdAt)}});
}

ApiServer::Reply ApiServer::removeFollower(const Principal &who, qint64 requestId, const QString &user)
{
    auto person = resolvePerson(user, lit("user"), false);
    if (!person)
        return Reply::fromError(person.error());
    auto removed = m_store->removeFollower(requestId, person->id, who.personId);
    if (!removed) {
        const Error &e = removed.error();
        return Reply::fromError(e, e.field == QLatin1String("requestId") ? lit("id") : lit("user"));
    }
    return Reply::noContent();
}

// ---- people and tokens --------------------------------------------------------------------------

ApiServer::Reply ApiServer::upsertPerson(const QJsonObject &body)
{
    auto slackId = stringField(body, lit("slack_id"), false);
    if (!slackId)
        return Reply::fromError(slackId.error());
    auto email = stringField(body, lit("email"), false);
    if (!email)
        return Reply::fromError(email.error());
    auto name = stringField(body, lit("name"), true);
    if (!name)
        return Reply::fromError(name.error());
    const QJsonValue agent = body.value(lit("is_agent"));
    if (!agent.isUndefined() && !agent.isBool())
        return Reply::error(422, lit("invalid"), lit("is_agent must be true or false"), lit("is_agent"));
    PersonInput input{slackId->value_or(QString()), **name, email->value_or(QString()), agent.toBool(false)};
    auto person = m_store->upsertPerson(input);
    if (!person)
        return Reply::fromError(person.error());
    m_personKeys.remove(person->id);
    return Reply::json(200, personJson(person.value()));
}

ApiServer::Reply ApiServer::listPeople(const QHttpServerRequest &request)
{
    const QUrlQuery query(request.url());
    int limit = 200;
    if (query.hasQueryItem(lit("limit"))) {
        bool ok = false;
        limit = query.queryItemValue(lit("limit"), QUrl::FullyDecoded).toInt(&ok);
        if (!ok || limit < 1 || limit > 1000)
            return Reply::error(422, lit("invalid"), lit("limit must be a whole number from 1 to 1000"),
                                lit("limit"));
    }
    qint64 after = 0;
    const QString cursor = query.queryItemValue(lit("cursor"), QUrl::FullyDecoded);
    if (query.hasQueryItem(lit("cursor"))) {
        bool ok = false;
        after = cursor.toLongLong(&ok);
        if (!ok || after < 0)
            return Reply::error(422, lit("invalid"), lit("cursor must be a next_cursor this route answered"),
                                lit("cursor"));
    }
    auto q = m_store->exec(lit("SELECT id, slack_id, name, email, is_agent FROM people WHERE id > ? "
                               "ORDER BY id LIMIT ?"),
                           {after, limit + 1});
    if (!q)
        return Reply::fromError(q.error());
    QJsonArray people;
    qint64 last = 0;
    bool more = false;
    while (q.value()->next()) {
        if (people.size() == limit) {
            more = true;
            break;
        }
        Person p;
        p.id = q.value()->value(0).toLongLong();
        p.slackId = q.value()->value(1).toString();
        p.name = q.value()->value(2).toString();
        p.email = q.value()->value(3).toString();
        p.isAgent = q.value()->value(4).toBool();
        people.append(personJson(p));
        last = p.id;
    }
    return Reply::json(200, QJsonObject{{lit("people"), people},
                                        {lit("next_cursor"), more ? QJsonValue(QString::number(last))
                                                                  : QJsonValue(QJsonValue::Null)}});
}

ApiServer::Reply ApiServer::getPerson(const QString &user)
{
    auto person = resolvePerson(user, lit("user"), false);
    if (!person)
        return Reply::fromError(person.error());
    return Reply::json(200, personJson(person.value()));
}

ApiServer::Reply ApiServer::createToken(const QJsonObject &body)
{
    auto user = stringField(body, lit("user"), true);
    if (!user)
        return Reply::fromError(user.error());
    auto name = stringField(body, lit("name"), false);
    if (!name)
        return Reply::fromError(name.error());
    // An absent name is stored as an empty one (the column is NOT NULL).
    const QString tokenName = name->value_or(QStringLiteral("")).trimmed();
    if (tokenName.size() > Store::MaxNameLength)
        return Reply::error(422, lit("invalid"), lit("name is too long"), lit("name"));
    for (QChar c : tokenName)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return Reply::error(422, lit("invalid"), lit("name must be a single line of text"), lit("name"));
    auto person = resolvePerson(**user, lit("user"), true);
    if (!person)
        return Reply::fromError(person.error());
    auto created = m_tokens->create(person->id, tokenName);
    if (!created)
        return Reply::fromError(created.error(), lit("user"));
    qCInfo(lcApi) << "token" << created->first.id << "issued";
    return Reply::json(201, {{lit("id"), created->first.id},
                             {lit("user"), personKey(person->id)},
                             {lit("name"), tokenName},
                             {lit("token"), created->second},
                             {lit("created_at"), timeJson(created->first.createdAt)}});
}

ApiServer::Reply ApiServer::listTokens()
{
    auto tokens = m_tokens->list();
    if (!tokens)
        return Reply::fromError(tokens.error());
    QJsonArray out;
    for (const ApiToken &t : tokens.value())
        out.append(QJsonObject{{lit("id"), t.id},
                               {lit("user"), personKey(t.personId)},
                               {lit("name"), t.name},
                               {lit("created_at"), timeJson(t.createdAt)},
                               {lit("last_used_at"), timeJson(t.lastUsedAt)},
                               {lit("revoked"), t.isRevoked()},
                               {lit("revoked_at"), timeJson(t.revokedAt)}});
    return Reply::json(200, {{lit("tokens"), out}});
}

ApiServer::Reply ApiServer::revokeToken(qint64 id)
{
    auto revoked = m_tokens->revoke(id);
    if (!revoked)
        return Reply::fromError(revoked.error(), lit("id"));
    qCInfo(lcApi) << "token" << id << "revoked";
    // A revoked token's stream clients are closed.
    const QList<QWebSocket *> streams = m_streams;
    for (QWebSocket *ws : streams) {
        if (ws->property("threadline_token_id").toLongLong() == id)
            ws->close(QWebSocketProtocol::CloseCodePolicyViolated, lit("token revoked"));
    }
    return Reply::noContent();
}

// ---- stream -------------------------------------------------------------------------------------

void ApiServer::onNewWebSocket()
{
    while (m_http->hasPendingWebSocketConnections()) {
        std::unique_ptr<QWebSocket> owned = m_http->nextPendingWebSocketConnection();
        if (!owned)
            continue;
        QWebSocket *ws = owned.release();
        ws->setParent(this);
        if (ws->state() != QAbstractSocket::ConnectedState) {
            ws->deleteLater();
            continue;
        }
        const QByteArray header = ws->request().rawHeader("Authorization");
        const QString queryToken =
            QUrlQuery(ws->requestUrl()).queryItemValue(lit("access_token"), QUrl::FullyDecoded);
        auto who = m_draining ? Result<Principal>(makeError(ErrorCode::Unavailable, lit("shutting down")))
                              : authenticate(header, queryToken);
        m_metrics.recordRequest(lit("/api/v1/stream"), "GET",
                                who ? 101 : (who.error().code == ErrorCode::Unauthorized ? 401 : 503), 0);
        if (!who) {
            // QHttpServer 6.4 has no upgrade verifier: accept, then close with a close code.
            const auto code = who.error().code == ErrorCode::Unauthorized
                                  ? QWebSocketProtocol::CloseCode(4401)
                                  : QWebSocketProtocol::CloseCode(1013);
            qCInfo(lcApi) << "stream client refused:" << errorCodeName(who.error().code);
            connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
            ws->close(code, who.error().message);
            QTimer::singleShot(2000, ws, [ws] { ws->abort(); });
            continue;
        }
        ws->setProperty("threadline_token_id", who->tokenId);
        // Clients only listen: anything large they send is refused by QWebSocket itself.
        ws->setMaxAllowedIncomingFrameSize(64 * 1024);
        ws->setMaxAllowedIncomingMessageSize(64 * 1024);
        m_streams.append(ws);
        connect(ws, &QWebSocket::disconnected, this, [this, ws] {
            m_streams.removeAll(ws);
            ws->deleteLater();
            Q_EMIT streamClientsChanged(int(m_streams.size()));
        });
        // Clients only listen; a text frame from them is answered with nothing.
        connect(ws, &QWebSocket::textMessageReceived, ws, [](const QString &) {});
        const QJsonObject hello{{lit("type"), lit("hello")},
                                {lit("user"), who->admin ? lit("admin") : personKey(who->personId)},
                                {lit("seq"), qint64(m_eventSeq)}};
        ws->sendTextMessage(QString::fromUtf8(QJsonDocument(hello).toJson(QJsonDocument::Compact)));
        qCInfo(lcApi) << "stream client connected;" << m_streams.size() << "connected";
        Q_EMIT streamClientsChanged(int(m_streams.size()));
    }
}

void ApiServer::publish(const QJsonObject &event)
{
    QJsonObject e = event;
    e.insert(lit("seq"), qint64(++m_eventSeq));
    const QString text = QString::fromUtf8(QJsonDocument(e).toJson(QJsonDocument::Compact));
    const QList<QWebSocket *> streams = m_streams;
    int delivered = 0;
    for (QWebSocket *ws : streams) {
        if (ws->bytesToWrite() > m_options.maxStreamBacklogBytes) {
            // A client that does not read would make the server buffer without bound.
            qCWarning(lcApi) << "stream client too slow; closing it";
            m_streams.removeAll(ws);
            ws->close(QWebSocketProtocol::CloseCode(4429), lit("too slow: reconnect and re-read"));
            QTimer::singleShot(1000, ws, [ws] { ws->abort(); });
            Q_EMIT streamClientsChanged(int(m_streams.size()));
            continue;
        }
        ws->sendTextMessage(text);
        ++delivered;
    }
    m_metrics.recordStreamEvent(delivered);
}

void ApiServer::onStoreChanged(const StoreChange &change)
{
    using Kind = StoreChange::Kind;
    if (change.kind == Kind::PersonUpserted)
        m_personKeys.remove(change.personId);
    QString type;
    QJsonObject e;
    switch (change.kind) {
    case Kind::RequestCreated:
        type = lit("request.created");
        break;
    case Kind::StatusChanged:
        type = lit("request.changed");
        e.insert(lit("field"), lit("status"));
        break;
    case Kind::AssigneeChanged:
        type = lit("request.changed");
        e.insert(lit("field"), lit("assignee"));
        break;
    case Kind::TitleChanged:
        type = lit("request.changed");
        e.insert(lit("field"), lit("title"));
        break;
    case Kind::FollowerAdded:
        type = lit("follower.added");
        break;
    case Kind::FollowerRemoved:
        type = lit("follower.removed");
        break;
    case Kind::UpdatePosted:
        type = lit("update.posted");
        break;
    case Kind::UpdateEdited:
        type = lit("update.edited");
        break;
    case Kind::UpdateDeleted:
        type = lit("update.deleted");
        break;
    case Kind::AttachmentAdded:
        type = lit("attachment.added");
        break;
    case Kind::PersonUpserted:
        type = lit("person.changed");
        break;
    case Kind::TeamUpserted:
    case Kind::TeamMembershipChanged:
        type = lit("team.changed");
        break;
    }
    e.insert(lit("type"), type);
    if (change.requestId > 0)
        e.insert(lit("request_id"), change.requestId);
    if (change.updateId > 0) {
        e.insert(lit("update_id"), change.updateId);
        e.insert(lit("source"), updateSourceName(change.source));
    }
    if (change.personId > 0)
        e.insert(lit("user"), personKey(change.personId));
    if (change.teamId > 0)
        e.insert(lit("team_id"), change.teamId);
    if (change.actorId > 0)
        e.insert(lit("actor"), personKey(change.actorId));
    if (change.version > 0)
        e.insert(lit("version"), change.version);
    publish(e);
}

} // namespace threadline
