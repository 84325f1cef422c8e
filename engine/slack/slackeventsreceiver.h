#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponse;

namespace threadline {
class GuardedTcpServer;
}

namespace threadline::slack {

//! One verified request from Slack, as handed to the consumer.
struct SlackInboundDelivery
{
    QByteArray body;     //!< the raw body, as signed
    QJsonObject payload; //!< the parsed payload (for interactivity: the JSON of the payload= field)
    QString type;        //!< payload.type: event_callback, app_rate_limited, block_actions, …
    QString eventId;     //!< payload.event_id, when present: the dedupe key
    int retryNum = 0;    //!< X-Slack-Retry-Num (0 on first delivery)
    QString retryReason; //!< X-Slack-Retry-Reason
};

//! The parts of one HTTP request the receiver reads (raw header values and the raw body).
struct SlackEventsRequest
{
    QByteArray contentLength;
    QByteArray contentType;
    QByteArray timestamp; //!< X-Slack-Request-Timestamp
    QByteArray signature; //!< X-Slack-Signature
    QByteArray retryNum;  //!< X-Slack-Retry-Num
    QByteArray retryReason;
    QByteArray body;
};

//! What the receiver decides about a request before any consumer runs.
struct SlackEventsVerdict
{
    int status = 200;      //!< HTTP status when not handed over (200 for url_verification)
    QByteArray text;       //!< response text when not handed over
    QString rejectReason;  //!< set when refused: too_large, invalid_signature, invalid_body, …
    bool handOver = false; //!< verified and to be stored by the consumer
    SlackInboundDelivery delivery;
};

/*!
 * The HTTP Events API receiver, on QHttpServer (POST path(), default "/slack/events").
 *
 * For each request: enforce the body-size limit (Content-Length first, then the body; 413),
 * verify the v0 signature over the raw body and the 5-minute window (401, nothing handed over),
 * answer url_verification with the challenge, otherwise hand the delivery to the consumer.
 *
 * Consumer contract: it is called synchronously on the receiver's thread and must store the
 * delivery durably (the inbox) before returning, quickly (Slack wants the answer within 3 s).
 * Ok → 200; an Error → 500, so Slack retries later. Retries (retryNum > 0) are always handed over,
 * never dropped: dedupe on event_id belongs to the inbox.
 */
class SlackEventsReceiver : public QObject
{
    Q_OBJECT

public:
    using Consumer = std::function<Result<void>(const SlackInboundDelivery &delivery)>;
    using Clock = std::function<qint64()>; //!< unix seconds

    SlackEventsReceiver(const QString &signingSecret, Consumer consumer, QObject *parent = nullptr);
    ~SlackEventsReceiver() override;

    void setMaxBodyBytes(qint64 bytes);
    qint64 maxBodyBytes() const { return m_maxBodyBytes; }
    void setClock(Clock clock) { m_clock = std::move(clock); }
    void setPath(const QString &path) { m_path = path; }
    QString path() const { return m_path; }

    //! Starts listening; returns the port, 0 on failure.
    quint16 listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const { return m_port; }

    //! Handles one request (what the route calls; public so other servers can mount it).
    QHttpServerResponse handle(const QHttpServerRequest &request);

    static constexpr qint64 DefaultMaxBodyBytes = 1024 * 1024;
    static constexpr int MaxConnections = 1000; //!< open connections; one more gets 503

    //! The pure part of handle(): size limit, signature and window, body parsing. Never crashes on
    //! hostile input; a delivery is handed over only with a valid signature.
    static SlackEventsVerdict evaluate(const QString &signingSecret, const SlackEventsRequest &request,
                                       qint64 nowSeconds, qint64 maxBodyBytes);

Q_SIGNALS:
    //! A request was refused (reason is a short code: too_large, invalid_signature, …).
    void rejected(const QString &reason);

private:
    QString m_secret;
    Consumer m_consumer;
    Clock m_clock;
    QString m_path = QStringLiteral("/slack/events");
    qint64 m_maxBodyBytes = DefaultMaxBodyBytes;
    std::unique_ptr<QHttpServer> m_server;
    QPointer<GuardedTcpServer> m_tcp; //!< owned by m_server
    quint16 m_port = 0;
};

} // namespace threadline::slack
