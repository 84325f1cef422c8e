#include "slack/socketmodeclient.h"

#include "core/logging.h"
#include "slack/connectionsopenjob.h"

#include <QJsonDocument>
#include <QWebSocket>

namespace threadline::slack {

struct SocketModeClient::Link
{
    int id = 0;
    QWebSocket *socket = nullptr; // owned (parented to the client); deleted with deleteLater
    QTimer *helloTimer = nullptr; // timers are children of the socket
    QTimer *pingTimer = nullptr;
    QTimer *pongTimer = nullptr;
    QTimer *closeTimer = nullptr;
    bool open = false;
    bool hello = false;
    bool retiring = false;
};

SocketModeClient::SocketModeClient(QNetworkAccessManager *nam, const SlackEndpoint &appEndpoint,
                                   QObject *parent)
    : QObject(parent)
    , m_nam(nam)
    , m_endpoint(appEndpoint)
    , m_state(new SlackConnectionState(this))
    , m_socketFactory(
          [](QObject *p) { return new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, p); })
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &SocketModeClient::onReconnectTimeout);
}

SocketModeClient::~SocketModeClient()
{
    m_running = false;
    if (m_openJob) {
        m_openJob->disconnect(this);
        m_openJob->abort();
    }
    for (auto &link : m_links) {
        link->socket->disconnect(this);
        link->socket->abort();
        delete link->socket;
    }
    m_links.clear();
}

void SocketModeClient::setReconnectBackoff(qint64 baseMs, qint64 maxMs)
{
    m_backoff.setBaseMs(baseMs);
    m_backoff.setMaxMs(maxMs);
}

int SocketModeClient::openSocketCount() const
{
    return int(std::count_if(m_links.begin(), m_links.end(), [](const auto &l) { return l->open; }));
}

int SocketModeClient::connectedSocketCount() const
{
    return int(std::count_if(m_links.begin(), m_links.end(),
                             [](const auto &l) { return l->hello && !l->retiring; }));
}

SocketModeClient::Link *SocketModeClient::findLink(int id) const
{
    for (const auto &link : m_links) {
        if (link->id == id)
            return link.get();
    }
    return nullptr;
}

void SocketModeClient::start()
{
    if (m_running)
        return;
    if (m_endpoint.token.isEmpty()) {
        const Error error =
            makeError(ErrorCode::Unauthorized, QStringLiteral("No Slack app-level token is configured"),
                      QStringLiteral("THREADLINE_SLACK_APP_TOKEN"), QStringLiteral("not_authed"));
        m_state->setState(SlackConnectionState::State::NeedsReauthorization, error);
        Q_EMIT authenticationFailed(error);
        return;
    }
    m_running = true;
    m_backoff.reset();
    m_state->setState(SlackConnectionState::State::Connecting);
    ensureConnections();
}

void SocketModeClient::stop()
{
    m_running = false;
    m_reconnectTimer.stop();
    if (m_openJob) {
        m_openJob->disconnect(this);
        m_openJob->abort();
        m_openJob = nullptr;
    }
    const auto links = std::move(m_links);
    m_links.clear();
    for (const auto &link : links) {
        link->socket->disconnect(this);
        link->socket->abort();
        link->socket->deleteLater();
    }
    m_envelopeLink.clear();
    if (!m_state->isTerminal())
        m_state->setState(SlackConnectionState::State::Disconnected);
}

void SocketModeClient::ensureConnections()
{
    if (!m_running || m_openJob || m_reconnectTimer.isActive())
        return;
    const int active =
        int(std::count_if(m_links.begin(), m_links.end(), [](const auto &l) { return !l->retiring; }));
    if (active >= m_connectionCount)
        return;
    requestUrl();
}

void SocketModeClient::requestUrl()
{
    // A socket being retired still carries events: the state stays Connected during a refresh.
    const bool anyCarrying =
        std::any_of(m_links.begin(), m_links.end(), [](const auto &l) { return l->hello; });
    if (!anyCarrying)
        m_state->setState(SlackConnectionState::State::Connecting);
    ++m_opens;
    m_openJob = new ConnectionsOpenJob(m_nam, m_endpoint, this);
    m_openJob->setTransferTimeout(m_requestTimeoutMs);
    connect(m_openJob, &SlackJob::finished, this, [this](SlackJob *job) {
        if (job == m_openJob)
            m_openJob = nullptr;
    });
    connect(m_openJob, &SlackJob::succeeded, this, [this](SlackJob *job) {
        m_openJob = nullptr;
        openSocket(static_cast<ConnectionsOpenJob *>(job)->url());
    });
    connect(m_openJob, &SlackJob::failed, this,
            [this](SlackJob *, const Error &error, SlackErrorAction action) {
                m_openJob = nullptr;
                if (action == SlackErrorAction::FixConfiguration) {
                    stop();
                    m_state->setState(SlackConnectionState::State::NeedsReauthorization, error);
                    Q_EMIT authenticationFailed(error);
                    return;
                }
                const qint64 delay = action == SlackErrorAction::WaitThenRetry
                                         ? std::max<qint64>(error.retryAfterMs, m_backoff.next())
                                         : m_backoff.next();
                scheduleReconnect(error.message, delay);
            });
    m_openJob->start();
}

void SocketModeClient::openSocket(const QUrl &url)
{
    if (!m_running)
        return;
    auto owned = std::make_unique<Link>();
    owned->id = m_nextLinkId++;
    owned->socket = m_socketFactory(this);
    Link *l = owned.get();
    m_links.push_back(std::move(owned));
    QWebSocket *ws = l->socket;
    const int id = l->id;

    l->helloTimer = new QTimer(ws);
    l->helloTimer->setSingleShot(true);
    l->pingTimer = new QTimer(ws);
    l->pongTimer = new QTimer(ws);
    l->pongTimer->setSingleShot(true);
    l->closeTimer = new QTimer(ws);
    l->closeTimer->setSingleShot(true);

    connect(ws, &QWebSocket::connected, this, [this, id] {
        if (Link *link = findLink(id)) {
            link->open = true;
            link->helloTimer->start(m_helloTimeoutMs);
        }
    });
    connect(ws, &QWebSocket::textMessageReceived, this, [this, id](const QString &message) {
        if (Link *link = findLink(id))
            onText(link, message);
    });
    connect(ws, &QWebSocket::disconnected, this, [this, id] {
        if (Link *link = findLink(id))
            onSocketGone(link, QStringLiteral("socket closed"));
    });
    connect(ws, &QWebSocket::pong, this, [this, id](quint64, const QByteArray &) {
        if (Link *link = findLink(id))
            link->pongTimer->stop();
    });
    connect(l->helloTimer, &QTimer::timeout, this, [this, id] {
        if (Link *link = findLink(id)) {
            qCWarning(lcSocket) << "Socket Mode: no hello in time on link" << id;
            link->socket->abort();
        }
    });
    connect(l->pingTimer, &QTimer::timeout, this, [this, id] {
        Link *link = findLink(id);
        if (!link)
            return;
        link->socket->ping();
        if (!link->pongTimer->isActive())
            link->pongTimer->start(m_pongTimeoutMs);
    });
    connect(l->pongTimer, &QTimer::timeout, this, [this, id] {
        if (Link *link = findLink(id)) {
            qCWarning(lcSocket) << "Socket Mode: no pong in time on link" << id << "- dropping it";
            link->socket->abort();
        }
    });
    connect(l->closeTimer, &QTimer::timeout, this, [this, id] {
        if (Link *link = findLink(id))
            link->socket->abort(); // Slack may not close TCP after the close handshake
    });
    // errorOccurred is followed by disconnected (or nothing when the handshake never started).
    connect(ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this, id](QAbstractSocket::SocketError error) {
                Link *link = findLink(id);
                if (!link)
                    return;
                qCInfo(lcSocket) << "Socket Mode link" << id << "error" << error;
                if (!link->open && link->socket->state() == QAbstractSocket::UnconnectedState)
                    onSocketGone(link, QStringLiteral("connection failed"));
            });

    qCInfo(lcSocket) << "Socket Mode: opening link" << id << "to" << url.host();
    l->helloTimer->start(m_helloTimeoutMs);
    ws->open(url);
}

SocketModeFrame SocketModeClient::parseFrame(const QByteArray &utf8)
{
    SocketModeFrame frame;
    QJsonParseError error{};
    const QJsonObject object = QJsonDocument::fromJson(utf8, &error).object();
    if (error.error != QJsonParseError::NoError || object.isEmpty())
        return frame;
    frame.type = object.value(QStringLiteral("type")).toString();
    if (frame.type == QLatin1String("hello")) {
        frame.kind = SocketModeFrame::Kind::Hello;
        return frame;
    }
    if (frame.type == QLatin1String("disconnect")) {
        frame.kind = SocketModeFrame::Kind::Disconnect;
        frame.reason = object.value(QStringLiteral("reason")).toString();
        return frame;
    }
    const QString envelopeId = object.value(QStringLiteral("envelope_id")).toString();
    if (envelopeId.isEmpty()) {
        frame.kind = SocketModeFrame::Kind::Other;
        return frame;
    }
    frame.kind = SocketModeFrame::Kind::Envelope;
    SocketModeEnvelope &envelope = frame.envelope;
    envelope.envelopeId = envelopeId;
    envelope.type = frame.type;
    envelope.payload = object.value(QStringLiteral("payload")).toObject();
    envelope.retryAttempt = object.value(QStringLiteral("retry_attempt")).toInt();
    envelope.retryReason = object.value(QStringLiteral("retry_reason")).toString();
    envelope.acceptsResponsePayload = object.value(QStringLiteral("accepts_response_payload")).toBool();
    return frame;
}

void SocketModeClient::onText(Link *link, const QString &message)
{
    const SocketModeFrame frame = parseFrame(message.toUtf8());
    switch (frame.kind) {
    case SocketModeFrame::Kind::Invalid:
        qCWarning(lcSocket) << "Socket Mode: ignoring a frame that is not a JSON object";
        return;
    case SocketModeFrame::Kind::Hello:
        onHello(link);
        return;
    case SocketModeFrame::Kind::Disconnect:
        onDisconnectMessage(link, frame.reason);
        return;
    case SocketModeFrame::Kind::Other:
        qCInfo(lcSocket) << "Socket Mode: ignoring frame of type" << frame.type;
        return;
    case SocketModeFrame::Kind::Envelope:
        break;
    }
    const SocketModeEnvelope &envelope = frame.envelope;
    m_envelopeLink.insert(envelope.envelopeId, link->id);
    qCDebug(lcSocket) << "Socket Mode: envelope" << envelope.envelopeId << envelope.type << "retry"
                      << envelope.retryAttempt;
    Q_EMIT envelopeReceived(envelope);
}

void SocketModeClient::onHello(Link *link)
{
    if (link->hello)
        return;
    link->hello = true;
    link->helloTimer->stop();
    if (m_pingIntervalMs > 0)
        link->pingTimer->start(m_pingIntervalMs);
    m_backoff.reset();
    qCInfo(lcSocket) << "Socket Mode: link" << link->id << "connected";
    // The replacement is up: only now close the sockets being retired, so nothing is missed.
    std::vector<int> retiring;
    for (const auto &l : m_links) {
        if (l->retiring && l.get() != link)
            retiring.push_back(l->id);
    }
    for (int id : retiring) {
        if (Link *old = findLink(id))
            retire(old, false);
    }
    const bool wasConnected = m_state->state() == SlackConnectionState::State::Connected;
    m_state->setState(SlackConnectionState::State::Connected);
    if (!wasConnected)
        Q_EMIT ready();
    ensureConnections();
}

void SocketModeClient::onDisconnectMessage(Link *link, const QString &reason)
{
    qCInfo(lcSocket).noquote() << "Socket Mode: link" << link->id << "disconnect:" << reason;
    if (reason == QLatin1String("link_disabled")) {
        stop();
        const Error error = makeError(
            ErrorCode::Forbidden, QStringLiteral("Socket Mode is disabled for this Slack app"), {}, reason);
        m_state->setState(SlackConnectionState::State::Disabled, error);
        Q_EMIT disabled(reason);
        return;
    }
    if (reason == QLatin1String("too_many_websockets")) {
        // Close stale sockets first (retiring ones and any that never said hello), then this one,
        // and reconnect after a backoff so the count drops below Slack's cap.
        std::vector<int> stale;
        for (const auto &l : m_links) {
            if (l.get() == link || l->retiring || !l->hello)
                stale.push_back(l->id);
        }
        for (int id : stale) {
            if (Link *l = findLink(id))
                retire(l, true);
        }
        if (connectedSocketCount() == 0)
            scheduleReconnect(reason, m_backoff.next());
        return;
    }
    // warning, refresh_requested or anything new: open the replacement first.
    link->retiring = true;
    ensureConnections();
}

void SocketModeClient::retire(Link *link, bool abortNow)
{
    link->retiring = true;
    link->pingTimer->stop();
    link->pongTimer->stop();
    if (abortNow || !link->open) {
        const int id = link->id;
        link->socket->abort();
        // abort() emits disconnected() only for a socket that was connected; make sure it is gone.
        if (Link *still = findLink(id))
            onSocketGone(still, QStringLiteral("closed"));
        return;
    }
    link->closeTimer->start(m_closeTimeoutMs);
    link->socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("refresh"));
}

void SocketModeClient::onSocketGone(Link *link, const QString &reason)
{
    const int id = link->id;
    const bool wasRetiring = link->retiring;
    const bool hadHello = link->hello;
    for (auto it = m_envelopeLink.begin(); it != m_envelopeLink.end();) {
        if (it.value() == id)
            it = m_envelopeLink.erase(it);
        else
            ++it;
    }
    auto it = std::find_if(m_links.begin(), m_links.end(), [id](const auto &l) { return l->id == id; });
    if (it == m_links.end())
        return;
    QWebSocket *socket = (*it)->socket;
    socket->disconnect(this);
    socket->deleteLater();
    m_links.erase(it);
    qCInfo(lcSocket).noquote() << "Socket Mode: link" << id << "gone:" << reason;
    if (!m_running)
        return;
    if (connectedSocketCount() > 0) {
        ensureConnections(); // redundancy or refresh: others still carry events
        return;
    }
    if (wasRetiring && (m_openJob || !m_links.empty()))
        return; // its replacement is on the way
    const bool wasConnected = m_state->state() == SlackConnectionState::State::Connected;
    if (wasConnected || hadHello)
        Q_EMIT connectionLost(reason);
    scheduleReconnect(reason, m_backoff.next());
}

void SocketModeClient::scheduleReconnect(const QString &reason, qint64 delayMs)
{
    if (!m_running)
        return;
    if (connectedSocketCount() == 0)
        m_state->setState(SlackConnectionState::State::Disconnected,
                          makeError(ErrorCode::Unavailable, reason, {}, QStringLiteral("socket_mode")));
    qCInfo(lcSocket).noquote() << "Socket Mode: reconnecting in" << delayMs << "ms:" << reason;
    Q_EMIT networkError(reason, m_backoff.attempts(), delayMs);
    m_reconnectTimer.start(int(std::min<qint64>(delayMs, std::numeric_limits<int>::max())));
}

void SocketModeClient::onReconnectTimeout()
{
    ensureConnections();
}

bool SocketModeClient::ack(const QString &envelopeId, const QJsonObject &payload)
{
    QJsonObject frame{{QStringLiteral("envelope_id"), envelopeId}};
    if (!payload.isEmpty())
        frame.insert(QStringLiteral("payload"), payload);
    const QString text = QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact));
    Link *target = findLink(m_envelopeLink.take(envelopeId));
    if (!target || !target->open) {
        target = nullptr;
        for (const auto &l : m_links) {
            if (l->hello && l->open) {
                target = l.get();
                break;
            }
        }
    }
    if (!target) {
        qCInfo(lcSocket) << "Socket Mode: cannot ack" << envelopeId
                         << "- no open socket; Slack will redeliver";
        return false;
    }
    target->socket->sendTextMessage(text);
    return true;
}

} // namespace threadline::slack
