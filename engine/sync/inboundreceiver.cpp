#include "sync/inboundreceiver.h"

#include "core/logging.h"
#include "slack/slackstats.h"
#include "slack/socketmodeclient.h"
#include "store/store.h"

#include <QElapsedTimer>

namespace threadline::sync {

InboundReceiver::InboundReceiver(Store *store, const slack::SlackIdentity &self, QObject *parent)
    : QObject(parent)
    , m_inbox(store)
    , m_self(self)
{}

void InboundReceiver::attachSocketMode(slack::SocketModeClient *client)
{
    if (m_socket)
        disconnect(m_socket, nullptr, this, nullptr);
    m_socket = client;
    if (client) {
        connect(client, &slack::SocketModeClient::envelopeReceived, this,
                [this](const slack::SocketModeEnvelope &envelope) { receiveEnvelope(envelope); });
    }
}

slack::SlackEventsReceiver::Consumer InboundReceiver::httpConsumer()
{
    QPointer<InboundReceiver> self(this);
    return [self](const slack::SlackInboundDelivery &delivery) -> Result<void> {
        if (!self)
            return makeError(ErrorCode::Unavailable, QStringLiteral("The inbox is gone"));
        auto r = self->receiveDelivery(delivery);
        if (!r)
            return r.error();
        return {};
    };
}

Result<Receipt> InboundReceiver::store(const QJsonObject &payload)
{
    ++m_stats.received;
    QElapsedTimer timer;
    timer.start();
    auto r = [&] {
        InboundWriteGate::Hold first(m_gate.get(), true);
        return m_inbox.receive(payload, m_self);
    }();
    const qint64 ms = timer.elapsed();
    m_stats.slowest = std::max(m_stats.slowest, ms);
    if (ms >= 50)
        ++m_stats.slow;
    if (!r) {
        ++m_stats.notStored;
        qCWarning(lcSync).noquote()
            << "inbox: a Slack event could not be stored; not acknowledged, Slack will"
            << "deliver it again:" << r.error().toString();
        Q_EMIT storeFailed(r.error());
        return r;
    }
    if (r.value().inserted)
        ++m_stats.stored;
    else
        ++m_stats.duplicates;
    return r;
}

Result<Receipt> InboundReceiver::receiveEnvelope(const slack::SocketModeEnvelope &envelope)
{
    QElapsedTimer ackTimer;
    ackTimer.start();
    auto r = store(envelope.payload);
    if (!r)
        return r; // no ack: Slack redelivers
    // Committed: acknowledge now, process after.
    if (m_socket && !m_socket->ack(envelope.envelopeId)) {
        ++m_stats.ackFailed;
        qCInfo(lcSync) << "inbox: stored an event but no socket was connected to acknowledge it";
    } else {
        slack::SlackStats::global().recordInbound(QStringLiteral("socket_mode"), !r.value().inserted,
                                                  double(ackTimer.nsecsElapsed()) / 1e9);
    }
    Q_EMIT stored(r.value().eventId, r.value().inserted);
    return r;
}

Result<Receipt> InboundReceiver::receiveDelivery(const slack::SlackInboundDelivery &delivery)
{
    // The signed raw body is the source of truth; the receiver parsed it to an object already.
    QElapsedTimer ackTimer;
    ackTimer.start();
    auto r = store(delivery.payload);
    if (r) // the HTTP 200 (the ack) is written when this returns
        slack::SlackStats::global().recordInbound(QStringLiteral("http"), !r.value().inserted,
                                                  double(ackTimer.nsecsElapsed()) / 1e9);
    if (r)
        Q_EMIT stored(r.value().eventId, r.value().inserted);
    return r;
}

} // namespace threadline::sync
