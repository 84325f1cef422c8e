#include "fakeslackserver.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QWebSocket>
#include <QWebSocketServer>

namespace threadline::test {

FakeSlackServer::FakeSlackServer(QObject *parent)
    : QObject(parent)
    , m_http(new QHttpServer(this))
    , m_ws(new QWebSocketServer(QStringLiteral("fake-slack"), QWebSocketServer::NonSecureMode, this))
{
    m_http->setMissingHandler([this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        handle(request, std::move(responder));
    });
    connect(m_ws, &QWebSocketServer::newConnection, this, &FakeSlackServer::onNewSocket);
}

FakeSlackServer::~FakeSlackServer()
{
    m_hanging.clear();
    for (QWebSocket *socket : std::as_const(m_sockets)) {
        if (socket)
            socket->abort();
    }
}

bool FakeSlackServer::listen()
{
    m_port = m_http->listen(QHostAddress::LocalHost, 0);
    return m_port != 0 && m_ws->listen(QHostAddress::LocalHost, 0);
}

QUrl FakeSlackServer::baseUrl() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(m_port));
}

quint16 FakeSlackServer::webSocketPort() const
{
    return m_ws->serverPort();
}

QUrl FakeSlackServer::apiUrl() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/api/").arg(m_port));
}

FakeSlackServer::Response FakeSlackServer::ok(const QJsonObject &fields)
{
    QJsonObject object = fields;
    object.insert(QStringLiteral("ok"), true);
    return Response{200, QJsonDocument(object).toJson(QJsonDocument::Compact), {}, false};
}

FakeSlackServer::Response FakeSlackServer::slackError(const QString &code)
{
    const QJsonObject object{{QStringLiteral("ok"), false}, {QStringLiteral("error"), code}};
    return Response{200, QJsonDocument(object).toJson(QJsonDocument::Compact), {}, false};
}

void FakeSlackServer::setResponse(const QString &method, const Response &response)
{
    m_responses.insert(method, response);
}

void FakeSlackServer::queueResponse(const QString &method, const Response &response)
{
    m_queued[method].append(response);
}

int FakeSlackServer::count(const QString &method) const
{
    return int(std::count_if(m_requests.begin(), m_requests.end(),
                             [&](const Request &r) { return r.method == method; }));
}

FakeSlackServer::Request FakeSlackServer::last(const QString &method) const
{
    for (auto it = m_requests.crbegin(); it != m_requests.crend(); ++it) {
        if (it->method == method)
            return *it;
    }
    return {};
}

void FakeSlackServer::setDownload(const QString &name, const QByteArray &bytes, const QByteArray &contentType,
                                  const QByteArray &requiredToken)
{
    m_downloads.insert(name, Download{bytes, contentType, requiredToken});
}

void FakeSlackServer::handle(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    const QString path = request.url().path();
    Request recorded;
    recorded.path = path;
    recorded.authorization = request.value("Authorization");
    recorded.contentType = request.value("Content-Type");
    recorded.body = request.body();
    recorded.form = QUrlQuery(QString::fromUtf8(recorded.body));

    if (path.startsWith(QLatin1String("/upload/"))) {
        recorded.method = QStringLiteral("upload");
        m_requests.append(recorded);
        m_uploaded = recorded.body;
        Response response = m_queued[recorded.method].isEmpty() ? Response{200, "OK", {}, false}
                                                                : m_queued[recorded.method].takeFirst();
        responder.write(response.body, "text/plain",
                        static_cast<QHttpServerResponder::StatusCode>(response.status));
        return;
    }
    if (path.startsWith(QLatin1String("/files/"))) {
        recorded.method = QStringLiteral("download");
        m_requests.append(recorded);
        const auto it = m_downloads.constFind(path.mid(7));
        if (it == m_downloads.constEnd()) {
            responder.write(QHttpServerResponder::StatusCode::NotFound);
            return;
        }
        if (recorded.authorization != QByteArray("Bearer ") + it->token) {
            responder.write(QByteArray("<html>Sign in to Slack</html>"), "text/html",
                            QHttpServerResponder::StatusCode::Ok);
            return;
        }
        responder.write(it->bytes, it->contentType, QHttpServerResponder::StatusCode::Ok);
        return;
    }
    if (!path.startsWith(QLatin1String("/api/"))) {
        responder.write(QHttpServerResponder::StatusCode::NotFound);
        return;
    }
    recorded.method = path.mid(5);
    m_requests.append(recorded);
    Q_EMIT requestReceived(recorded.method);

    Response response;
    if (!m_queued[recorded.method].isEmpty())
        response = m_queued[recorded.method].takeFirst();
    else if (m_responses.contains(recorded.method))
        response = m_responses.value(recorded.method);
    else if (recorded.method == QLatin1String("apps.connections.open"))
        response = ok({{QStringLiteral("url"), QStringLiteral("ws://127.0.0.1:%1/link/?ticket=t%2")
                                                   .arg(m_ws->serverPort())
                                                   .arg(++m_tickets)}});
    else
        response = slackError(QStringLiteral("unknown_method"));

    if (response.hang) {
        m_hanging.push_back(std::make_unique<QHttpServerResponder>(std::move(responder)));
        return;
    }
    const auto status = static_cast<QHttpServerResponder::StatusCode>(response.status);
    if (!response.retryAfter.isEmpty())
        responder.write(response.body,
                        {{"Content-Type", "application/json"}, {"Retry-After", response.retryAfter}}, status);
    else
        responder.write(response.body, {{"Content-Type", "application/json"}}, status);
}

void FakeSlackServer::onNewSocket()
{
    while (QWebSocket *socket = m_ws->nextPendingConnection()) {
        socket->setParent(this);
        const int index = int(m_sockets.size());
        m_sockets.append(socket);
        socketTickets.append(QUrlQuery(socket->requestUrl()).queryItemValue(QStringLiteral("ticket")));
        connect(socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            received.append(text);
            Q_EMIT socketTextReceived(text);
        });
        connect(socket, &QWebSocket::disconnected, this, [this, index] { m_sockets[index] = nullptr; });
        if (sendHello)
            socket->sendTextMessage(QStringLiteral(
                R"({"type":"hello","num_connections":1,"debug_info":{"approximate_connection_time":18060},"connection_info":{"app_id":"A1"}})"));
        Q_EMIT socketConnected(index);
    }
}

int FakeSlackServer::socketCount() const
{
    return int(std::count_if(m_sockets.begin(), m_sockets.end(), [](QWebSocket *s) { return s != nullptr; }));
}

QWebSocket *FakeSlackServer::socket(int index) const
{
    return index >= 0 && index < m_sockets.size() ? m_sockets.at(index) : nullptr;
}

void FakeSlackServer::sendToSocket(int index, const QJsonObject &frame)
{
    if (QWebSocket *s = socket(index))
        s->sendTextMessage(QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

void FakeSlackServer::sendDisconnect(int index, const QString &reason)
{
    sendToSocket(index, {{QStringLiteral("type"), QStringLiteral("disconnect")},
                         {QStringLiteral("reason"), reason},
                         {QStringLiteral("debug_info"),
                          QJsonObject{{QStringLiteral("host"), QStringLiteral("fake")}}}});
}

} // namespace threadline::test
