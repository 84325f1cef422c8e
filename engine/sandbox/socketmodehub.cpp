#include "sandbox/socketmodehub.h"

#include "core/logging.h"
#include "sandbox/workspace.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QUrlQuery>
#include <QUuid>
#include <QWebSocket>

namespace threadline::sandbox {

namespace {

QString lit(const char *s)
{
    return QString::fromUtf8(s);
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace

SocketModeHub::SocketModeHub(Workspace &workspace, QObject *parent)
    : QObject(parent)
    , m_ws(workspace)
{}

SocketModeHub::~SocketModeHub()
{
    for (QWebSocket *s : std::as_const(m_sockets)) {
        s->disconnect(this);
        s->abort();
        delete s;
    }
}

QString SocketModeHub::issueUrl(const QUrl &base)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = m_tickets.begin(); it != m_tickets.end();)
        it = it.value() < now ? m_tickets.erase(it) : std::next(it);
    const QString ticket = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_tickets.insert(ticket, now + m_ws.options().ticketLifetimeMs);
    QUrl url = base;
    url.setScheme(base.scheme() == QLatin1String("https") ? lit("wss") : lit("ws"));
    url.setPath(lit("/link/"));
    QUrlQuery q;
    q.addQueryItem(lit("ticket"), ticket);
    q.addQueryItem(lit("app_id"), m_ws.options().appId);
    url.setQuery(q);
    return url.toString();
}

QJsonObject SocketModeHub::disconnectMessage(const QString &reason) const
{
    return QJsonObject{{lit("type"), lit("disconnect")},
                       {lit("reason"), reason},
                       {lit("debug_info"), QJsonObject{{lit("host"), lit("applink-sandbox-1")}}}};
}

void SocketModeHub::accept(QWebSocket *socket)
{
    socket->setParent(this);
    const QUrlQuery query(socket->requestUrl());
    const QString ticket = query.queryItemValue(lit("ticket"));
    const bool debugReconnects = query.queryItemValue(lit("debug_reconnects")) == QLatin1String("true");
    const qint64 expiry = m_tickets.value(ticket, 0);
    if (socket->state() != QAbstractSocket::ConnectedState) {
        socket->deleteLater();
        return;
    }
    if (expiry < QDateTime::currentMSecsSinceEpoch()) {
        qCInfo(lcSandbox) << "Socket Mode: unknown or expired ticket";
        socket->close(QWebSocketProtocol::CloseCodePolicyViolated, lit("invalid ticket"));
        closeLater(socket, 1000);
        return;
    }
    if (m_sockets.size() >= m_ws.options().maxSockets) {
        QJsonObject msg = disconnectMessage(lit("too_many_websockets"));
        msg.insert(lit("num_connections"), int(m_sockets.size()));
        msg.insert(lit("connection_info"), QJsonObject{{lit("app_id"), m_ws.options().appId}});
        socket->sendTextMessage(compact(msg));
        socket->close(QWebSocketProtocol::CloseCodeNormal);
        closeLater(socket, 1000);
        return;
    }
    m_sockets.append(socket);
    connect(socket, &QWebSocket::textMessageReceived, this,
            [this, socket](const QString &t) { onText(socket, t); });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] { removeSocket(socket); });

    const int lifetimeSec = debugReconnects ? 360 : m_ws.options().connectionLifetimeSec;
    const QJsonObject hello{
        {lit("type"), lit("hello")},
        {lit("num_connections"), int(m_sockets.size())},
        {lit("connection_info"), QJsonObject{{lit("app_id"), m_ws.options().appId}}},
        {lit("debug_info"), QJsonObject{{lit("host"), lit("applink-sandbox-1")},
                                        {lit("started"), QDateTime::currentDateTimeUtc().toString(
                                                             lit("yyyy-MM-dd HH:mm:ss.zzz"))},
                                        {lit("build_number"), 1},
                                        {lit("approximate_connection_time"), lifetimeSec}}}};
    socket->sendTextMessage(compact(hello));

    if (m_ws.options().serverPingIntervalMs > 0) {
        auto *ping = new QTimer(socket);
        connect(ping, &QTimer::timeout, socket, [socket] { socket->ping("sandbox"); });
        ping->start(m_ws.options().serverPingIntervalMs);
    }
    // Routine refresh: a warning shortly before the lifetime ends, then refresh_requested.
    const qint64 lifetimeMs = qint64(lifetimeSec) * 1000;
    const int grace = m_ws.options().warningGraceMs;
    auto *life = new QTimer(socket);
    life->setSingleShot(true);
    connect(life, &QTimer::timeout, socket, [this, socket] {
        socket->sendTextMessage(compact(disconnectMessage(lit("refresh_requested"))));
        closeLater(socket, 1000);
    });
    life->start(int(std::min<qint64>(lifetimeMs, std::numeric_limits<int>::max())));
    if (lifetimeMs > grace) {
        QTimer::singleShot(
            int(std::min<qint64>(lifetimeMs - grace, std::numeric_limits<int>::max())), socket,
            [this, socket] { socket->sendTextMessage(compact(disconnectMessage(lit("warning")))); });
    }
    qCInfo(lcSandbox) << "Socket Mode: connection opened," << m_sockets.size() << "open";
    Q_EMIT connectionsChanged(int(m_sockets.size()));
    flushHeld();
}

void SocketModeHub::closeLater(QWebSocket *socket, int ms)
{
    QTimer::singleShot(ms, socket, [socket] {
        if (socket->state() != QAbstractSocket::UnconnectedState)
            socket->abort();
        socket->deleteLater();
    });
}

void SocketModeHub::removeSocket(QWebSocket *socket)
{
    if (m_sockets.removeAll(socket) == 0)
        return;
    socket->disconnect(this);
    socket->deleteLater();
    qCInfo(lcSandbox) << "Socket Mode: connection closed," << m_sockets.size() << "open";
    Q_EMIT connectionsChanged(int(m_sockets.size()));
}

void SocketModeHub::disconnectAll(const QString &reason)
{
    const QList<QWebSocket *> sockets = m_sockets;
    for (QWebSocket *s : sockets) {
        s->sendTextMessage(compact(disconnectMessage(reason)));
        if (reason == QLatin1String("warning"))
            closeLater(s, m_ws.options().warningGraceMs);
        else
            closeLater(s, 1000);
    }
}

void SocketModeHub::dropAll()
{
    const QList<QWebSocket *> sockets = m_sockets;
    for (QWebSocket *s : sockets) {
        removeSocket(s);
        s->abort();
    }
}

void SocketModeHub::deliver(const QJsonObject &payload)
{
    Envelope e;
    e.payload = payload;
    e.eventId = payload.value(lit("event_id")).toString();
    send(std::move(e));
}

void SocketModeHub::send(Envelope e, bool allowDelay)
{
    if (allowDelay && m_ws.roll(m_ws.faults().delayRate) && m_ws.faults().delayMs > 0) {
        QTimer::singleShot(m_ws.faults().delayMs, this, [this, e] { send(e, false); });
        return;
    }
    if (m_sockets.isEmpty()) {
        // Held until an app connects; a retry may be the only delivery.
        m_held.append(std::move(e));
        if (m_held.size() > m_ws.options().maxPendingEvents) {
            m_held.removeFirst();
            ++m_undelivered;
        }
        return;
    }
    sendNow(std::move(e));
}

void SocketModeHub::sendNow(Envelope e)
{
    QWebSocket *socket = m_sockets.at(m_next++ % m_sockets.size());
    e.envelopeId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (m_ws.roll(m_ws.faults().dropSocketRate)) {
        qCInfo(lcSandbox) << "Socket Mode: fault: dropping a socket instead of delivering";
        removeSocket(socket);
        socket->abort();
        scheduleRetry(std::move(e), lit("timeout"));
        return;
    }
    const QJsonObject envelope{{lit("envelope_id"), e.envelopeId}, {lit("payload"), e.payload},
                               {lit("type"), lit("events_api")},   {lit("accepts_response_payload"), false},
                               {lit("retry_attempt"), e.attempt},  {lit("retry_reason"), e.reason}};
    const QString text = compact(envelope);
    socket->sendTextMessage(text);
    if (m_ws.roll(m_ws.faults().duplicateRate)) {
        QWebSocket *other = m_sockets.at(m_next % m_sockets.size());
        other->sendTextMessage(text);
    }
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    const QString id = e.envelopeId;
    connect(timer, &QTimer::timeout, this, [this, id] { onAckTimeout(id); });
    timer->start(m_ws.options().ackTimeoutMs);
    e.ackTimer = timer;
    Q_EMIT envelopeSent(id, e.eventId, e.attempt);
    m_inFlight.insert(id, std::move(e));
}

void SocketModeHub::onText(QWebSocket *, const QString &text)
{
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString id = o.value(lit("envelope_id")).toString();
    if (id.isEmpty())
        return;
    auto it = m_inFlight.find(id);
    if (it == m_inFlight.end())
        return; // a late or duplicate ack
    if (it->ackTimer)
        it->ackTimer->deleteLater();
    const QString eventId = it->eventId;
    m_inFlight.erase(it);
    m_ws.noteAck(id, eventId);
}

void SocketModeHub::onAckTimeout(const QString &envelopeId)
{
    auto it = m_inFlight.find(envelopeId);
    if (it == m_inFlight.end())
        return;
    Envelope e = std::move(*it);
    m_inFlight.erase(it);
    if (e.ackTimer)
        e.ackTimer->deleteLater();
    scheduleRetry(std::move(e), lit("timeout"));
}

void SocketModeHub::scheduleRetry(Envelope e, const QString &reason)
{
    const QList<int> &delays = m_ws.options().retryDelaysMs;
    if (e.attempt >= delays.size()) {
        ++m_undelivered;
        qCInfo(lcSandbox) << "Socket Mode: giving up on event" << e.eventId << "after" << e.attempt
                          << "retries";
        Q_EMIT eventDropped(e.eventId);
        return;
    }
    const int delay = delays.at(e.attempt);
    ++e.attempt;
    e.reason = reason;
    e.ackTimer = nullptr;
    QTimer::singleShot(delay, this, [this, e] { send(e, false); });
}

void SocketModeHub::flushHeld()
{
    const QList<Envelope> held = std::exchange(m_held, {});
    for (const Envelope &e : held)
        send(e, false);
}

QJsonObject SocketModeHub::statusJson() const
{
    return QJsonObject{{lit("connections"), int(m_sockets.size())},
                       {lit("in_flight"), int(m_inFlight.size())},
                       {lit("held"), int(m_held.size())},
                       {lit("undelivered"), m_undelivered}};
}

} // namespace threadline::sandbox
