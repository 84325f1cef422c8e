#include "slack/slackeventsreceiver.h"

#include "core/logging.h"
#include "slack/slacksignature.h"

#include <QDateTime>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>

namespace threadline::slack {

namespace {

/*!
 * QHttpServer 6.4 buffers any body, however large, before a handler runs. This server watches each
 * connection's bytes before QHttpServer reads them (its readyRead slot is connected first) and
 * refuses a request whose Content-Length exceeds the limit, or whose headers are too large, or that
 * is chunked, with 413/431/411 and a closed connection, without buffering the body.
 */
class GuardedTcpServer : public QTcpServer
{
public:
    explicit GuardedTcpServer(const qint64 *maxBodyBytes, QObject *parent)
        : QTcpServer(parent)
        , m_maxBodyBytes(maxBodyBytes)
    {}

    QTcpSocket *nextPendingConnection() override
    {
        QTcpSocket *socket = QTcpServer::nextPendingConnection();
        if (socket)
            guard(socket);
        return socket;
    }

private:
    struct Framing
    {
        QByteArray head;     //!< header bytes of the request being received
        qint64 bodyLeft = 0; //!< body bytes still expected for the current request
        bool refused = false;
    };
    static constexpr qsizetype MaxHeaderBytes = 16 * 1024;

    void guard(QTcpSocket *socket)
    {
        auto framing = std::make_shared<Framing>();
        const qint64 *limit = m_maxBodyBytes;
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket, framing, limit] {
            if (framing->refused) {
                socket->readAll(); // keep QHttpServer from seeing anything more
                return;
            }
            // QHttpServer reads everything available after this slot: see only the new bytes.
            const QByteArray data = socket->peek(socket->bytesAvailable());
            qsizetype pos = 0;
            while (pos < data.size()) {
                if (framing->bodyLeft > 0) {
                    const qint64 take = std::min<qint64>(framing->bodyLeft, data.size() - pos);
                    framing->bodyLeft -= take;
                    pos += take;
                    continue;
                }
                const qsizetype before = framing->head.size();
                framing->head += data.mid(pos);
                const qsizetype end = framing->head.indexOf("\r\n\r\n");
                if (end < 0) {
                    if (framing->head.size() > MaxHeaderBytes)
                        return refuse(socket, *framing, "431 Request Header Fields Too Large");
                    return;
                }
                const QByteArray head = framing->head.left(end).toLower();
                pos += end + 4 - before;
                framing->head.clear();
                if (head.contains("\r\ntransfer-encoding:"))
                    return refuse(socket, *framing, "411 Length Required");
                qint64 length = 0;
                const qsizetype cl = head.indexOf("\r\ncontent-length:");
                if (cl >= 0) {
                    const qsizetype lineEnd = head.indexOf("\r\n", cl + 2);
                    bool ok = false;
                    length =
                        head.mid(cl + 17, lineEnd < 0 ? -1 : lineEnd - cl - 17).trimmed().toLongLong(&ok);
                    if (!ok || length < 0)
                        return refuse(socket, *framing, "400 Bad Request");
                }
                if (length > *limit)
                    return refuse(socket, *framing, "413 Payload Too Large");
                framing->bodyLeft = length;
            }
        });
    }

    static void refuse(QTcpSocket *socket, Framing &framing, const char *status)
    {
        qCInfo(lcSlack) << "Slack Events request refused before reading its body:" << status;
        framing.refused = true;
        socket->readAll();
        socket->write(QByteArray("HTTP/1.1 ") + status +
                      "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        socket->flush();
        socket->disconnectFromHost();
    }

    const qint64 *m_maxBodyBytes;
};

QHttpServerResponse textResponse(const QByteArray &text, QHttpServerResponse::StatusCode status)
{
    return QHttpServerResponse(QByteArray("text/plain; charset=utf-8"), text, status);
}

} // namespace

SlackEventsReceiver::SlackEventsReceiver(const QString &signingSecret, Consumer consumer, QObject *parent)
    : QObject(parent)
    , m_secret(signingSecret)
    , m_consumer(std::move(consumer))
    , m_clock([] { return QDateTime::currentSecsSinceEpoch(); })
{}

SlackEventsReceiver::~SlackEventsReceiver() = default;

quint16 SlackEventsReceiver::listen(const QHostAddress &address, quint16 port)
{
    m_server = std::make_unique<QHttpServer>();
    m_server->route(m_path, QHttpServerRequest::Method::Post,
                    [this](const QHttpServerRequest &request) { return handle(request); });
    auto *tcp = new GuardedTcpServer(&m_maxBodyBytes, m_server.get());
    if (tcp->listen(address, port)) {
        m_server->bind(tcp);
        m_port = tcp->serverPort();
    } else {
        m_port = 0;
    }
    if (m_port == 0)
        qCWarning(lcSlack) << "The Slack Events receiver could not listen on" << address << port;
    return m_port;
}

SlackEventsVerdict SlackEventsReceiver::evaluate(const QString &signingSecret,
                                                 const SlackEventsRequest &request, qint64 nowSeconds,
                                                 qint64 maxBodyBytes)
{
    SlackEventsVerdict verdict;
    const auto refuse = [&verdict](int status, const QByteArray &text, const QString &reason) {
        verdict.status = status;
        verdict.text = text;
        verdict.rejectReason = reason;
        return verdict;
    };

    if (!request.contentLength.isEmpty()) {
        bool ok = false;
        const qint64 length = request.contentLength.trimmed().toLongLong(&ok);
        if (!ok || length < 0 || length > maxBodyBytes)
            return refuse(413, "request body too large", QStringLiteral("too_large"));
    }
    if (request.body.size() > maxBodyBytes)
        return refuse(413, "request body too large", QStringLiteral("too_large"));

    const Result<void> verified =
        SlackSignature::verify(signingSecret, request.timestamp, request.signature, request.body, nowSeconds);
    if (!verified.ok())
        return refuse(401, "invalid request signature", verified.error().detail);

    QJsonObject payload;
    if (request.contentType.toLower().startsWith("application/x-www-form-urlencoded")) {
        // Interactivity: payload=<json>
        const QUrlQuery form(QString::fromUtf8(request.body));
        const QString json = form.queryItemValue(QStringLiteral("payload"), QUrl::FullyDecoded);
        payload = QJsonDocument::fromJson(json.toUtf8()).object();
    } else {
        payload = QJsonDocument::fromJson(request.body).object();
    }
    if (payload.isEmpty())
        return refuse(400, "body is not a JSON object", QStringLiteral("invalid_body"));

    const QString type = payload.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("url_verification")) {
        verdict.status = 200;
        verdict.text = payload.value(QStringLiteral("challenge")).toString().toUtf8();
        return verdict;
    }

    verdict.handOver = true;
    SlackInboundDelivery &delivery = verdict.delivery;
    delivery.body = request.body;
    delivery.payload = payload;
    delivery.type = type;
    delivery.eventId = payload.value(QStringLiteral("event_id")).toString();
    delivery.retryNum = request.retryNum.trimmed().toInt();
    delivery.retryReason = QString::fromUtf8(request.retryReason.trimmed());
    return verdict;
}

QHttpServerResponse SlackEventsReceiver::handle(const QHttpServerRequest &request)
{
    using Status = QHttpServerResponse::StatusCode;
    SlackEventsRequest in;
    in.contentLength = request.value("Content-Length");
    in.contentType = request.value("Content-Type");
    in.timestamp = request.value("X-Slack-Request-Timestamp");
    in.signature = request.value("X-Slack-Signature");
    in.retryNum = request.value("X-Slack-Retry-Num");
    in.retryReason = request.value("X-Slack-Retry-Reason");
    in.body = request.body();

    const SlackEventsVerdict verdict = evaluate(m_secret, in, m_clock(), m_maxBodyBytes);
    if (!verdict.rejectReason.isEmpty()) {
        qCInfo(lcSlack).noquote() << "Slack Events request refused:" << verdict.rejectReason;
        Q_EMIT rejected(verdict.rejectReason);
    }
    if (!verdict.handOver)
        return textResponse(verdict.text, Status(verdict.status));

    const SlackInboundDelivery &delivery = verdict.delivery;
    const Result<void> stored =
        m_consumer ? m_consumer(delivery)
                   : Result<void>(makeError(ErrorCode::Unavailable, QStringLiteral("No inbox")));
    if (!stored.ok()) {
        qCWarning(lcSlack).noquote() << "Slack event" << delivery.eventId
                                     << "not stored, Slack will retry:" << stored.error().toString();
        return textResponse("not stored", Status::InternalServerError);
    }
    return textResponse({}, Status::Ok);
}

} // namespace threadline::slack
