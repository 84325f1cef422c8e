#include "slack/slackeventsreceiver.h"

#include "core/guardedtcpserver.h"
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

void SlackEventsReceiver::setMaxBodyBytes(qint64 bytes)
{
    m_maxBodyBytes = bytes;
    if (m_tcp)
        m_tcp->setMaxBodyBytes(bytes);
}

quint16 SlackEventsReceiver::listen(const QHostAddress &address, quint16 port)
{
    m_server = std::make_unique<QHttpServer>();
    m_server->route(m_path, QHttpServerRequest::Method::Post,
                    [this](const QHttpServerRequest &request) { return handle(request); });
    // Refuses oversized bodies and headers, chunked bodies and Expect before QHttpServer buffers them.
    auto *tcp = new GuardedTcpServer(m_maxBodyBytes, MaxConnections, lcSlack(), m_server.get());
    m_tcp = tcp;
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
