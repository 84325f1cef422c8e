#pragma once

#include "core/result.h"
#include "slack/slackeventsreceiver.h"
#include "slack/slacktypes.h"
#include "sync/inboundstore.h"
#include "sync/inboundwritegate.h"

#include <QObject>
#include <QPointer>

namespace threadline {
class Store;
namespace slack {
class SocketModeClient;
struct SocketModeEnvelope;
} // namespace slack
} // namespace threadline

namespace threadline::sync {

/*!
 * Durable receipt of Slack events: Socket Mode envelopes and HTTP Events deliveries go into the
 * inbox (InboundStore::receive: one prepared INSERT, committed) and only then are acknowledged.
 *
 * Ack rule: an envelope is acked with SocketModeClient::ack() after receive() returned Ok (the row,
 * or an earlier copy of it, is committed). When the database refuses the row, nothing is acked and
 * Slack redelivers. For HTTP Events, httpConsumer() returns the same Ok/Error to the
 * SlackEventsReceiver, which answers 200 only after the commit (500 otherwise, and Slack retries).
 * Processing (InboundProcessor) happens after the ack; stored() tells it to run.
 */
class InboundReceiver : public QObject
{
    Q_OBJECT

public:
    struct Stats
    {
        qint64 received = 0;   //!< envelopes/deliveries handed to the receiver
        qint64 stored = 0;     //!< new inbox rows
        qint64 duplicates = 0; //!< already in the inbox (acked all the same)
        qint64 notStored = 0;  //!< the database refused: not acked
        qint64 ackFailed = 0;  //!< stored, but no socket was connected to ack (Slack redelivers: a duplicate)
        qint64 slow = 0;       //!< receipts (INSERT + COMMIT) that took 50 ms or more
        qint64 slowest = 0;    //!< the longest receipt, in ms
    };

    InboundReceiver(Store *store, const slack::SlackIdentity &self, QObject *parent = nullptr);

    void setIdentity(const slack::SlackIdentity &self) { m_self = self; }
    //! SQLite: taken with priority around each receipt (see InboundWriteGate). Optional.
    void setWriteGate(std::shared_ptr<InboundWriteGate> gate) { m_gate = std::move(gate); }
    const slack::SlackIdentity &identity() const { return m_self; }

    //! Stores and acks every envelope \a client delivers. The client is not owned.
    void attachSocketMode(slack::SocketModeClient *client);
    //! The consumer to give a SlackEventsReceiver: stores the delivery, Ok only after COMMIT.
    slack::SlackEventsReceiver::Consumer httpConsumer();

    //! Stores one envelope and acks it when stored. Public for tests.
    Result<Receipt> receiveEnvelope(const slack::SocketModeEnvelope &envelope);
    //! Stores one HTTP delivery.
    Result<Receipt> receiveDelivery(const slack::SlackInboundDelivery &delivery);

    const Stats &stats() const { return m_stats; }
    InboundStore &inbox() { return m_inbox; }

Q_SIGNALS:
    //! A row was committed (new or duplicate): the processor may run.
    void stored(const QString &eventId, bool inserted);
    //! The database refused an event: it was not acknowledged.
    void storeFailed(const threadline::Error &error);

private:
    Result<Receipt> store(const QJsonObject &payload);

    InboundStore m_inbox;
    slack::SlackIdentity m_self;
    QPointer<slack::SocketModeClient> m_socket;
    std::shared_ptr<InboundWriteGate> m_gate;
    Stats m_stats;
};

} // namespace threadline::sync
