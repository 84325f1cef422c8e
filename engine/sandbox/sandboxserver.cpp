#include "sandbox/sandboxserver.h"

#include "core/configuration.h"
#include "core/logging.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

#include <cmath>

namespace threadline::sandbox {

namespace {

QString lit(const char *s)
{
    return QString::fromUtf8(s);
}

using Headers = QList<std::pair<QByteArray, QByteArray>>;

void writeResponse(QHttpServerResponder &r, int status, const QByteArray &contentType, const QByteArray &body,
                   const Headers &extra = {})
{
    QTcpSocket *socket = r.socket();
    if (!socket || !socket->isOpen())
        return;
    r.writeStatusLine(QHttpServerResponder::StatusCode(status));
    r.writeHeader("Content-Type", contentType);
    r.writeHeader("Content-Length", QByteArray::number(body.size()));
    for (const auto &h : extra)
        r.writeHeader(h.first, h.second);
    r.writeBody(body);
}

void writeJson(QHttpServerResponder &r, int status, const QJsonObject &o, const Headers &extra = {})
{
    writeResponse(r, status, "application/json; charset=utf-8",
                  QJsonDocument(o).toJson(QJsonDocument::Compact), extra);
}

QJsonObject controlError(const QString &code, const QString &message = {})
{
    QJsonObject o{{lit("ok"), false}, {lit("error"), code}};
    if (!message.isEmpty())
        o.insert(lit("message"), message);
    return o;
}

const QByteArray signInPage = "<!DOCTYPE html><html><head><title>Sign in | Slack</title></head>"
                              "<body><h1>Sign in to Threadline Sandbox</h1>"
                              "<p>You need to sign in to see this page.</p></body></html>";

} // namespace

SandboxServer::SandboxServer(SandboxOptions options, QObject *parent)
    : QObject(parent)
    , m_workspace(std::make_unique<Workspace>(std::move(options)))
{
    m_webApi = std::make_unique<WebApi>(*m_workspace);
    m_socketMode = new SocketModeHub(*m_workspace, this);
    m_httpEvents = new HttpEventSender(*m_workspace, this);
    m_webApi->setConnectionUrlProvider([this] { return m_socketMode->issueUrl(baseUrl()); });
    m_webApi->setUploadUrlProvider([this](const QString &fileId) -> QString {
        return baseUrl().toString() + lit("upload/v1/") + m_workspace->uploadTicketFor(fileId);
    });
    connect(m_workspace.get(), &Workspace::eventRaised, this, &SandboxServer::routeEvent);

    const QString stateFile = m_workspace->options().stateFile;
    if (!stateFile.isEmpty()) {
        if (!m_workspace->loadState(stateFile))
            qCWarning(lcSandbox) << "could not load the state file; starting empty";
        m_saveTimer = new QTimer(this);
        m_saveTimer->setSingleShot(true);
        m_saveTimer->setInterval(500);
        connect(m_saveTimer, &QTimer::timeout, this,
                [this] { m_workspace->saveState(m_workspace->options().stateFile); });
        connect(m_workspace.get(), &Workspace::changed, m_saveTimer, qOverload<>(&QTimer::start));
    }

    m_http = new QHttpServer(this);
    m_http->route(lit("/link/"), [](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        // A WebSocket upgrade is handed over by QHttpServer after this returns; write nothing.
        if (request.value("Upgrade").toLower() != "websocket")
            writeJson(responder, 400, controlError(lit("websocket_required")));
    });
    m_http->setMissingHandler([this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        dispatch(request, std::move(responder));
    });
    connect(m_http, &QAbstractHttpServer::newWebSocketConnection, this, [this] {
        while (m_http->hasPendingWebSocketConnections()) {
            std::unique_ptr<QWebSocket> ws = m_http->nextPendingWebSocketConnection();
            if (ws)
                m_socketMode->accept(ws.release());
        }
    });
}

SandboxServer::~SandboxServer()
{
    if (!m_workspace->options().stateFile.isEmpty())
        m_workspace->saveState(m_workspace->options().stateFile);
}

bool SandboxServer::listen(const QHostAddress &address, quint16 port)
{
    m_port = m_http->listen(address, port);
    if (m_port == 0) {
        qCWarning(lcSandbox) << "cannot listen on" << address << port;
        return false;
    }
    m_address = address;
    m_workspace->setBaseUrl(baseUrl());
    qCInfo(lcSandbox) << "sandbox workspace listening on" << baseUrl().toString();
    if (m_workspace->options().eventsUrl.isValid())
        QTimer::singleShot(0, m_httpEvents, &HttpEventSender::verifyUrl);
    return true;
}

QUrl SandboxServer::baseUrl() const
{
    return ListenAddress{m_address, m_port}.localUrl();
}

QUrl SandboxServer::apiUrl() const
{
    return baseUrl().resolved(QUrl(lit("api/")));
}

QUrl SandboxServer::controlUrl() const
{
    return baseUrl().resolved(QUrl(lit("control/")));
}

void SandboxServer::addDemoColleagues()
{
    m_workspace->addUser(lit("alice"), lit("alice@example.com"), lit("Alice Martin"), {}, lit("colleague"));
    m_workspace->addUser(lit("bruno"), lit("bruno@example.com"), lit("Bruno Keller"), {}, lit("colleague"));
    m_workspace->addUser(lit("chloe"), lit("chloe@example.com"), lit("Chloé Dubois"), {}, lit("colleague"));
}

void SandboxServer::routeEvent(const QJsonObject &payload)
{
    if (m_workspace->options().eventsUrl.isValid())
        m_httpEvents->deliver(payload);
    else
        m_socketMode->deliver(payload);
}

void SandboxServer::dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    const QString path = request.url().path();
    const bool upload = path.startsWith(QLatin1String("/upload/"));
    const qint64 limit = upload ? m_workspace->options().maxUploadBytes : m_workspace->options().maxBodyBytes;
    const qint64 declared = request.value("Content-Length").toLongLong();
    if (declared > limit || request.body().size() > limit) {
        writeJson(responder, 413, controlError(lit("request_too_large")), {{"Connection", "close"}});
        if (QTcpSocket *s = responder.socket())
            s->disconnectFromHost();
        return;
    }
    if (path.startsWith(QLatin1String("/api/")))
        return handleApi(path.mid(5), request, std::move(responder));
    if (upload && path.startsWith(QLatin1String("/upload/v1/")))
        return handleUpload(path.mid(11), request, std::move(responder));
    if (path.startsWith(QLatin1String("/files-pri/")))
        return handleDownload(path.mid(11), request, std::move(responder));
    if (path.startsWith(QLatin1String("/control/")) || path == QLatin1String("/control"))
        return handleControl(path.mid(9), request, std::move(responder));
    writeResponse(responder, 404, "text/plain", "Not Found\n");
}

void SandboxServer::handleApi(const QString &method, const QHttpServerRequest &request,
                              QHttpServerResponder &&responder)
{
    Workspace &ws = *m_workspace;
    const SandboxFaults &faults = ws.faults();
    if (ws.roll(faults.resetRate)) {
        ws.recordCall(method, 0, lit("connection_reset"));
        if (QTcpSocket *s = responder.socket())
            s->abort();
        return;
    }
    int status = 200;
    QJsonObject body;
    Headers extra;
    if (ws.roll(faults.serverErrorRate)) {
        status = 503;
        body = QJsonObject{{lit("ok"), false}, {lit("error"), lit("service_unavailable")}};
    } else {
        const ApiArguments args = ApiArguments::fromRequest(request);
        const WebApi::Reply reply = m_webApi->call(method, args);
        status = reply.status;
        body = reply.body;
        if (status == 429) {
            const qint64 seconds = std::max<qint64>(1, (reply.retryAfterMs + 999) / 1000);
            extra.append({"Retry-After", QByteArray::number(seconds)});
            extra.append({"X-Sandbox-Retry-After-Ms", QByteArray::number(reply.retryAfterMs)});
        }
    }
    ws.recordCall(method, status,
                  body.value(QLatin1String("ok")).toBool() ? QString()
                                                           : body.value(QLatin1String("error")).toString());
    if (faults.latencyMs <= 0) {
        writeJson(responder, status, body, extra);
        return;
    }
    auto held = std::make_shared<QHttpServerResponder>(std::move(responder));
    QPointer<QTcpSocket> socket = held->socket();
    QTimer::singleShot(faults.latencyMs, this, [held, socket, status, body, extra] {
        if (socket && socket->isOpen())
            writeJson(*held, status, body, extra);
    });
}

void SandboxServer::handleUpload(const QString &ticket, const QHttpServerRequest &request,
                                 QHttpServerResponder &&responder)
{
    SandboxFile *f = m_workspace->fileByUploadTicket(ticket);
    if (!f || request.method() != QHttpServerRequest::Method::Post) {
        writeResponse(responder, 404, "text/plain", "Not Found\n");
        return;
    }
    QByteArray data = request.body();
    const QByteArray contentType = request.value("Content-Type");
    if (contentType.toLower().startsWith("multipart/form-data")) {
        QList<MultipartPart> parts;
        if (!parseMultipart(contentType, data, &parts) || parts.isEmpty()) {
            writeResponse(responder, 400, "text/plain", "Bad Request\n");
            return;
        }
        const MultipartPart *chosen = &parts.first();
        for (const MultipartPart &p : parts)
            if (!p.filename.isEmpty() || p.name == QLatin1String("file") || p.name == QLatin1String("body")) {
                chosen = &p;
                break;
            }
        data = chosen->data;
    }
    f->data = data;
    f->uploaded = true;
    m_workspace->recordCall(lit("upload_url"), 200, {});
    Q_EMIT m_workspace->changed();
    writeResponse(responder, 200, "text/plain; charset=utf-8", "OK - " + QByteArray::number(data.size()));
}

void SandboxServer::handleDownload(const QString &path, const QHttpServerRequest &request,
                                   QHttpServerResponder &&responder)
{
    // <TEAM>-<FILE>/<name> or <TEAM>-<FILE>/download/<name>
    const QString key = path.section(QLatin1Char('/'), 0, 0);
    const bool download = path.section(QLatin1Char('/'), 1, 1) == QLatin1String("download");
    const SandboxFile *f = m_workspace->file(key.section(QLatin1Char('-'), 1));
    const QByteArray auth = request.value("Authorization");
    const bool authed = auth.toLower().startsWith("bearer ") &&
                        QString::fromUtf8(auth.mid(7).trimmed()) == m_workspace->options().botToken;
    if (!authed) {
        m_workspace->recordCall(lit("url_private"), 200, lit("not_authed"));
        writeResponse(responder, 200, "text/html; charset=utf-8", signInPage);
        return;
    }
    if (!f || !f->uploaded || f->deleted) {
        m_workspace->recordCall(lit("url_private"), 404, lit("file_not_found"));
        writeResponse(responder, 404, "text/html; charset=utf-8", "<html><body>Not Found</body></html>");
        return;
    }
    m_workspace->recordCall(lit("url_private"), 200, {});
    Headers extra;
    if (download)
        extra.append({"Content-Disposition", "attachment; filename=\"" + f->name.toUtf8() + '"'});
    writeResponse(responder, 200, f->mimetype.toUtf8(), f->data, extra);
}

void SandboxServer::handleControl(const QString &path, const QHttpServerRequest &request,
                                  QHttpServerResponder &&responder)
{
    Workspace &ws = *m_workspace;
    const bool post = request.method() == QHttpServerRequest::Method::Post;
    QJsonObject in;
    if (post && !request.body().trimmed().isEmpty()) {
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject()) {
            writeJson(responder, 400, controlError(lit("invalid_json"), err.errorString()));
            return;
        }
        in = doc.object();
    }
    const QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const QUrlQuery query(request.url());
    auto reply = [&](const QJsonObject &o) {
        QJsonObject out = o;
        out.insert(lit("ok"), true);
        writeJson(responder, 200, out);
    };
    auto fail = [&](int status, const QString &code) { writeJson(responder, status, controlError(code)); };
    auto act = [&](const Workspace::ActResult &r) {
        if (!r.ok)
            return fail(r.error == QLatin1String("user_not_found") ||
                                r.error == QLatin1String("message_not_found") ||
                                r.error == QLatin1String("thread_not_found")
                            ? 404
                            : 400,
                        r.error);
        reply(QJsonObject{{lit("channel"), r.channel}, {lit("ts"), r.ts}});
    };
    const QString head = parts.value(0);

    if (head == QLatin1String("state") && !post)
        return reply(QJsonObject{{lit("state"), ws.stateJson(false)}});
    if (head == QLatin1String("calls") && !post)
        return reply(QJsonObject{{lit("calls"), ws.callLogJson()}});
    if (head == QLatin1String("reset") && post) {
        ws.reset();
        return reply({});
    }
    if (head == QLatin1String("save") && post) {
        const QString file = in.value(lit("path")).toString(ws.options().stateFile);
        if (file.isEmpty())
            return fail(400, lit("no_state_file"));
        return ws.saveState(file) ? reply({}) : fail(500, lit("save_failed"));
    }
    if (head == QLatin1String("users")) {
        if (parts.size() == 1 && !post) {
            QJsonArray users;
            for (const SandboxUser &u : ws.users())
                users.append(QJsonObject{{lit("id"), u.id},
                                         {lit("name"), u.name},
                                         {lit("display_name"), u.displayName.value_or(u.name)},
                                         {lit("real_name"), u.realName},
                                         {lit("email"), u.email},
                                         {lit("persona"), u.persona},
                                         {lit("is_bot"), u.isBot},
                                         {lit("dm"), ws.dmOf(u.id)}});
            return reply(QJsonObject{{lit("users"), users}});
        }
        if (parts.size() == 1 && post) {
            const QString name = in.value(lit("name")).toString();
            if (name.isEmpty() && in.value(lit("id")).toString().isEmpty())
                return fail(400, lit("name_required"));
            const SandboxUser u =
                ws.addUser(name, in.value(lit("email")).toString(), in.value(lit("real_name")).toString(),
                           in.value(lit("id")).toString(), in.value(lit("persona")).toString());
            QString dm;
            if (in.value(lit("open_dm")).toBool(true))
                dm = ws.openDm(u.id);
            return reply(QJsonObject{{lit("user"), ws.userJson(u)}, {lit("dm"), dm}});
        }
        const QString userId = parts.value(1);
        const QString action = parts.value(2);
        if (!ws.user(userId))
            return fail(404, lit("user_not_found"));
        if (action.isEmpty() && !post)
            return reply(
                QJsonObject{{lit("user"), ws.userJson(*ws.user(userId))}, {lit("dm"), ws.dmOf(userId)}});
        if (post && action == QLatin1String("messages"))
            return act(ws.postAsUser(userId, in.value(lit("text")).toString(),
                                     in.value(lit("thread_ts")).toString(),
                                     in.value(lit("broadcast")).toBool()));
        if (post && action == QLatin1String("edit"))
            return act(
                ws.editAsUser(userId, in.value(lit("ts")).toString(), in.value(lit("text")).toString()));
        if (post && action == QLatin1String("delete"))
            return act(ws.deleteAsUser(userId, in.value(lit("ts")).toString()));
        if (post && action == QLatin1String("profile")) {
            // {"display_name"?, "real_name"?, "email"?, "deleted"?}: what users.profile.set (and an
            // admin's deactivation) changes; raises user_change to the app.
            Workspace::ProfileChange change;
            for (const auto &[key, target] :
                 {std::pair{lit("display_name"), &change.displayName},
                  std::pair{lit("real_name"), &change.realName}, std::pair{lit("email"), &change.email}}) {
                if (!in.contains(key))
                    continue;
                if (!in.value(key).isString())
                    return fail(400, lit("invalid_arguments"));
                *target = in.value(key).toString();
            }
            if (in.contains(lit("deleted"))) {
                if (!in.value(lit("deleted")).isBool())
                    return fail(400, lit("invalid_arguments"));
                change.deleted = in.value(lit("deleted")).toBool();
            }
            const QString error = ws.changeProfile(userId, change);
            if (!error.isEmpty())
                return fail(400, error);
            return reply(QJsonObject{{lit("user"), ws.userJson(*ws.user(userId))}});
        }
        if (post && action == QLatin1String("files")) {
            QByteArray data =
                in.contains(lit("content_base64"))
                    ? QByteArray::fromBase64(in.value(lit("content_base64")).toString().toLatin1())
                    : in.value(lit("content")).toString().toUtf8();
            // {"generate_bytes": N}: N pseudo-random bytes (seeded), for large files without a large body.
            const qint64 generate = in.value(lit("generate_bytes")).toInteger(-1);
            if (generate > ws.options().maxUploadBytes)
                return fail(400, lit("file_too_large"));
            if (generate >= 0) {
                data = QByteArray(generate, Qt::Uninitialized);
                quint32 x = 2463534242u;
                for (qint64 i = 0; i < generate; ++i) {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    data[i] = char(x);
                }
            }
            const QString name = in.value(lit("name")).toString(lit("file.txt"));
            return act(ws.uploadAsUser(userId, name, data, in.value(lit("mimetype")).toString(),
                                       in.value(lit("thread_ts")).toString(),
                                       in.value(lit("comment")).toString()));
        }
        return fail(404, lit("unknown_route"));
    }
    if (head == QLatin1String("channels") && !post) {
        if (parts.size() == 1) {
            QJsonArray channels;
            for (const QString &id : ws.channelIds())
                channels.append(QJsonObject{{lit("id"), id}, {lit("user"), ws.channel(id)->user}});
            return reply(QJsonObject{{lit("channels"), channels}});
        }
        const QString id = parts.value(1);
        if (!ws.channel(id))
            return fail(404, lit("channel_not_found"));
        return reply(QJsonObject{
            {lit("channel"), id},
            {lit("messages"), ws.channelMessagesJson(id, query.queryItemValue(lit("thread_ts")))}});
    }
    if (head == QLatin1String("limits")) {
        if (post) {
            ws.rateLimiter().apply(in);
            if (in.contains(lit("enabled")))
                ws.setRateLimitsEnabled(in.value(lit("enabled")).toBool());
            if (in.contains(lit("time_scale")))
                ws.setTimeScale(in.value(lit("time_scale")).toDouble());
        }
        return reply(QJsonObject{{lit("limits"), ws.rateLimiter().toJson()}});
    }
    if (head == QLatin1String("faults")) {
        if (post)
            ws.faults().apply(in);
        return reply(QJsonObject{{lit("faults"), ws.faults().toJson()}});
    }
    if (head == QLatin1String("timers")) {
        SandboxOptions &o = ws.mutableOptions();
        if (post) {
            o.ackTimeoutMs = in.value(lit("ack_timeout_ms")).toInt(o.ackTimeoutMs);
            o.personaDelayMs = in.value(lit("persona_delay_ms")).toInt(o.personaDelayMs);
            o.httpTimeoutMs = in.value(lit("http_timeout_ms")).toInt(o.httpTimeoutMs);
            o.warningGraceMs = in.value(lit("warning_grace_ms")).toInt(o.warningGraceMs);
            if (in.value(lit("retry_delays_ms")).isArray()) {
                o.retryDelaysMs.clear();
                for (const QJsonValue &v : in.value(lit("retry_delays_ms")).toArray())
                    o.retryDelaysMs.append(v.toInt());
            }
        }
        QJsonArray delays;
        for (int d : o.retryDelaysMs)
            delays.append(d);
        return reply(QJsonObject{{lit("timers"), QJsonObject{{lit("ack_timeout_ms"), o.ackTimeoutMs},
                                                             {lit("persona_delay_ms"), o.personaDelayMs},
                                                             {lit("http_timeout_ms"), o.httpTimeoutMs},
                                                             {lit("warning_grace_ms"), o.warningGraceMs},
                                                             {lit("retry_delays_ms"), delays}}}});
    }
    if (head == QLatin1String("socket")) {
        const QString action = parts.value(1);
        if (post && action == QLatin1String("disconnect")) {
            const QString reason = in.value(lit("reason")).toString(lit("refresh_requested"));
            static const QStringList reasons{lit("warning"), lit("refresh_requested"), lit("link_disabled"),
                                             lit("too_many_websockets")};
            if (!reasons.contains(reason))
                return fail(400, lit("unknown_reason"));
            m_socketMode->disconnectAll(reason);
            return reply({});
        }
        if (post && action == QLatin1String("drop")) {
            m_socketMode->dropAll();
            return reply({});
        }
        return reply(QJsonObject{{lit("socket_mode"), m_socketMode->statusJson()}});
    }
    if (head == QLatin1String("events") && post && parts.value(1) == QLatin1String("verify-url")) {
        if (!ws.options().eventsUrl.isValid())
            return fail(400, lit("no_events_url"));
        m_httpEvents->verifyUrl();
        return reply({});
    }
    fail(404, lit("unknown_route"));
}

} // namespace threadline::sandbox
