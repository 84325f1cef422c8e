#include "slack/slackeventsreceiver.h"

#include "core/logging.h"
#include "slack/slacksignature.h"

#include <QDateTime>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonDocument>
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

quint16 SlackEventsReceiver::listen(const QHostAddress &address, quint16 port)
{
    m_server = std::make_unique<QHttpServer>();
    m_server->route(m_path, QHttpServerRequest::Method::Post,
                    [this](const QHttpServerRequest &request) { return handle(request); });
    m_port = m_server->listen(address, port);
    if (m_port == 0)
        qCWarning(lcSlack) << "The Slack Events receiver could not listen on" << address << port;
    return m_port;
}

QHttpServerResponse SlackEventsReceiver::handle(const QHttpServerRequest &request)
{
    using Status = QHttpServerResponse::StatusCode;
    const auto reject = [this](const QString &reason) {
        qCInfo(lcSlack).noquote() << "Slack Events request refused:" << reason;
        Q_EMIT rejected(reason);
    };

    const QByteArray contentLength = request.value("Content-Length");
    if (!contentLength.isEmpty()) {
        bool ok = false;
        const qint64 length = contentLength.trimmed().toLongLong(&ok);
        if (!ok || length < 0 || length > m_maxBodyBytes) {
            reject(QStringLiteral("too_large"));
            return textResponse("request body too large", Status::PayloadTooLarge);
        }
    }
    const QByteArray body = request.body();
    if (body.size() > m_maxBodyBytes) {
        reject(QStringLiteral("too_large"));
        return textResponse("request body too large", Status::PayloadTooLarge);
    }

    const Result<void> verified = SlackSignature::verify(m_secret, request.value("X-Slack-Request-Timestamp"),
                                                         request.value("X-Slack-Signature"), body, m_clock());
    if (!verified.ok()) {
        reject(verified.error().detail);
        return textResponse("invalid request signature", Status::Unauthorized);
    }

    QJsonObject payload;
    const QByteArray contentType = request.value("Content-Type").toLower();
    if (contentType.startsWith("application/x-www-form-urlencoded")) {
        // Interactivity: payload=<json>
        const QUrlQuery form(QString::fromUtf8(body));
        const QString json = form.queryItemValue(QStringLiteral("payload"), QUrl::FullyDecoded);
        payload = QJsonDocument::fromJson(json.toUtf8()).object();
    } else {
        payload = QJsonDocument::fromJson(body).object();
    }
    if (payload.isEmpty()) {
        reject(QStringLiteral("invalid_body"));
        return textResponse("body is not a JSON object", Status::BadRequest);
    }

    const QString type = payload.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("url_verification")) {
        return textResponse(payload.value(QStringLiteral("challenge")).toString().toUtf8(), Status::Ok);
    }

    SlackInboundDelivery delivery;
    delivery.body = body;
    delivery.payload = payload;
    delivery.type = type;
    delivery.eventId = payload.value(QStringLiteral("event_id")).toString();
    delivery.retryNum = request.value("X-Slack-Retry-Num").trimmed().toInt();
    delivery.retryReason = QString::fromUtf8(request.value("X-Slack-Retry-Reason").trimmed());

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
