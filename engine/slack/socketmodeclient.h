#pragma once

#include "core/result.h"
#include "slack/slackconfig.h"
#include "slack/slackconnectionstate.h"
#include "slack/slackratelimiter.h"

#include <QHash>
#include <QJsonObject>
#include <QMetaType>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

class QNetworkAccessManager;
class QWebSocket;

namespace threadline::slack {

class ConnectionsOpenJob;

//! One Socket Mode envelope (events_api, interactive or slash_commands).
struct SocketModeEnvelope
{
    QString envelopeId;
    QString type;        //!< "events_api", "interactive", "slash_commands"
    QJsonObject payload; //!< what the HTTP Events API would have received (parse with SlackEvent::parse)
    int retryAttempt = 0;
    QString retryReason;
    bool acceptsResponsePayload = false;
};

//! One Socket Mode WebSocket text frame, as SocketModeClient::parseFrame() reads it.
struct SocketModeFrame
{
    enum class Kind
    {
        Invalid,    //!< not a JSON object: ignored
        Hello,      //!< the connection is ready
        Disconnect, //!< Slack asks us to reconnect (reason set)
        Envelope,   //!< an envelope to deliver and ack (envelope set)
        Other,      //!< any other frame without an envelope id: ignored
    };
    Kind kind = Kind::Invalid;
    QString type;
    QString reason; //!< for Disconnect
    SocketModeEnvelope envelope;
};

/*!
 * The Socket Mode client: apps.connections.open with the app token, a QWebSocket to the returned
 * URL, "connected" only after `hello`.
 *
 * Ack contract: every envelope is delivered through envelopeReceived(); the client never acks by
 * itself. The consumer calls ack(envelopeId) only after it has stored the event durably; an
 * envelope not acked is redelivered by Slack (dedupe on payload.event_id).
 *
 * Reconnects: on `disconnect` warning/refresh_requested the new socket is opened first and the old
 * one closed only once the new one said hello (nothing missed); drops reconnect with exponential
 * backoff and jitter; `link_disabled` stops and enters Disabled; `too_many_websockets` closes
 * stale sockets first; a token problem enters NeedsReauthorization (no retry loop). Keepalive:
 * WebSocket pings every pingInterval; no pong within pongTimeout drops the socket. Optionally a
 * second, redundant socket (setConnectionCount(2)). All intervals have setters so tests run in ms.
 */
class SocketModeClient : public QObject
{
    Q_OBJECT

public:
    using SocketFactory = std::function<QWebSocket *(QObject *parent)>;

    SocketModeClient(QNetworkAccessManager *nam, const SlackEndpoint &appEndpoint, QObject *parent = nullptr);
    ~SocketModeClient() override;

    void setPingInterval(int ms) { m_pingIntervalMs = ms; }
    void setPongTimeout(int ms) { m_pongTimeoutMs = ms; }
    void setHelloTimeout(int ms) { m_helloTimeoutMs = ms; }
    void setCloseTimeout(int ms) { m_closeTimeoutMs = ms; }
    void setReconnectBackoff(qint64 baseMs, qint64 maxMs);
    void setRequestTimeout(int ms) { m_requestTimeoutMs = ms; }
    //! 1 (default) or 2 sockets kept open; Slack allows 10 per app and spreads envelopes across them.
    void setConnectionCount(int count) { m_connectionCount = std::clamp(count, 1, 10); }
    //! Creates the QWebSocket for each connection (default: a plain QWebSocket); the client owns it.
    void setSocketFactory(SocketFactory factory) { m_socketFactory = std::move(factory); }

    int pingInterval() const { return m_pingIntervalMs; }
    int pongTimeout() const { return m_pongTimeoutMs; }

    void start();
    void stop();
    bool isRunning() const { return m_running; }

    //! Acknowledges an envelope on the socket that delivered it (or any connected socket if that
    //! one is gone). \a payload only when the envelope accepts a response payload. Returns false
    //! when no socket is connected (Slack will then redeliver).
    bool ack(const QString &envelopeId, const QJsonObject &payload = {});

    SlackConnectionState *connectionState() const { return m_state; }
    SlackConnectionState::State state() const { return m_state->state(); }
    //! Sockets currently open (handshake done), including one being retired.
    int openSocketCount() const;
    //! Sockets that received hello and are not being retired.
    int connectedSocketCount() const;
    //! How many apps.connections.open calls were made (for tests and metrics).
    int connectionsOpened() const { return m_opens; }

    //! Reads one text frame (pure: no state, never throws or crashes on hostile input).
    static SocketModeFrame parseFrame(const QByteArray &utf8);

Q_SIGNALS:
    //! Connected: the first socket said hello (again after a full loss).
    void ready();
    //! An envelope arrived; ack it after storing it.
    void envelopeReceived(const threadline::slack::SocketModeEnvelope &envelope);
    //! The last connected socket was lost; a reconnect is scheduled.
    void connectionLost(const QString &reason);
    //! The app token was refused; the client stopped (state NeedsReauthorization).
    void authenticationFailed(const threadline::Error &error);
    //! Slack disabled Socket Mode (link_disabled); the client stopped (state Disabled).
    void disabled(const QString &reason);
    //! A retry is scheduled in nextRetryMs.
    void networkError(const QString &message, int retriesTaken, qint64 nextRetryMs);

private Q_SLOTS:
    void onReconnectTimeout();

private:
    struct Link;

    void ensureConnections();
    void requestUrl();
    void openSocket(const QUrl &url);
    void onText(Link *link, const QString &message);
    void onHello(Link *link);
    void onDisconnectMessage(Link *link, const QString &reason);
    void onSocketGone(Link *link, const QString &reason);
    void retire(Link *link, bool abortNow);
    void scheduleReconnect(const QString &reason, qint64 delayMs);
    Link *findLink(int id) const;

    QNetworkAccessManager *m_nam;
    SlackEndpoint m_endpoint;
    SlackConnectionState *m_state;
    SocketFactory m_socketFactory;
    std::vector<std::unique_ptr<Link>> m_links;
    QHash<QString, int> m_envelopeLink; //!< envelope id → link id, for acks
    ConnectionsOpenJob *m_openJob = nullptr;
    QTimer m_reconnectTimer;
    Backoff m_backoff{1000, 60'000};
    int m_pingIntervalMs = 5000;
    int m_pongTimeoutMs = 10'000;
    int m_helloTimeoutMs = 15'000;
    int m_closeTimeoutMs = 5000;
    int m_requestTimeoutMs = 30'000;
    int m_connectionCount = 1;
    int m_nextLinkId = 1;
    int m_opens = 0;
    bool m_running = false;
};

} // namespace threadline::slack

Q_DECLARE_METATYPE(threadline::slack::SocketModeEnvelope)
