#pragma once

#include "core/configuration.h"
#include "core/result.h"
#include "slack/slackconfig.h"
#include "slack/slacktypes.h"
#include "sync/inboundreceiver.h"
#include "sync/inboundwritegate.h"

#include <QMutex>
#include <QObject>
#include <QString>

#include <functional>

class QThread;

namespace threadline {
class Store;
namespace slack {
class SocketModeClient;
} // namespace slack
} // namespace threadline

namespace threadline::sync {

//! What the receipt side listens to. Secrets are never logged.
struct InboundReceiptOptions
{
    QString databaseUrl;              //!< the engine's database: the receipt opens its own connection
    slack::SlackEndpoint appEndpoint; //!< Socket Mode (app-level token) when eventsListen is null
    QString signingSecret;            //!< HTTP Events
    ListenAddress eventsListen;       //!< HTTP Events receiver; null = Socket Mode
    slack::SlackIdentity self;        //!< our bot/app ids: own echoes are stored `ignored`
    //! SQLite: the gate the engine's store takes around its write transactions (receipts go first).
    std::shared_ptr<InboundWriteGate> writeGate;
    //! Called on the receipt thread right after the Socket Mode client is created (intervals, tests).
    std::function<void(slack::SocketModeClient *)> configureSocket;
};

/*!
 * The durable receipt of Slack events on a thread of its own: the Socket Mode client (or the HTTP
 * Events receiver), an InboundReceiver and a database connection of its own live there. An envelope
 * is acked right after its inbox row committed, so an ack never waits behind the processing of
 * earlier events, the planner or the outbound scheduler, which all run on the engine's thread
 * (docs/sync.md, "Inbound", "Ack path").
 *
 * Everything it reports arrives as signals, queued to the thread this object lives on. stop() and
 * the destructor close the socket/listener first: nothing is acked after them.
 *
 * An in-memory SQLite database cannot be opened twice: start() with \a sameThreadStore runs the
 * same parts on the caller's thread with that store instead (acks then share the engine's thread).
 */
class InboundReceiptThread : public QObject
{
    Q_OBJECT

public:
    explicit InboundReceiptThread(QObject *parent = nullptr);
    ~InboundReceiptThread() override;

    //! Starts (or restarts after stop()) the receipt. Results arrive as signals.
    void start(const InboundReceiptOptions &options, Store *sameThreadStore = nullptr);
    //! Closes the socket/listener (asynchronously when on its own thread); nothing is acked after.
    void stop();
    bool isRunning() const { return m_running; }
    bool ownThread() const { return m_thread != nullptr; }
    void setIdentity(const slack::SlackIdentity &self);

    //! Receipt counters (a copy; updated after each receipt).
    InboundReceiver::Stats stats() const;
    //! The HTTP Events port once listening (0 otherwise).
    quint16 eventsPort() const;

Q_SIGNALS:
    //! A row was committed (new or duplicate) and the envelope acked: the processor may run.
    void stored(const QString &eventId, bool inserted);
    //! The database refused an event: it was not acknowledged (Slack redelivers).
    void storeFailed(const threadline::Error &error);
    //! Socket Mode connected (hello) / lost; HTTP Events listening or not.
    void connectedChanged(bool connected);
    //! Slack disabled Socket Mode for the app (link_disabled): the client stopped, no reconnects.
    void disabled(const QString &reason);
    //! The app-level token was refused: the client stopped.
    void authenticationFailed(const threadline::Error &error);
    //! The receipt could not start (its database connection, the listen address).
    void startFailed(const threadline::Error &error);

private:
    struct Parts;

    void build(const InboundReceiptOptions &options, Store *sameThreadStore);
    void teardown();

    QThread *m_thread = nullptr;
    QObject *m_context = nullptr; //!< lives on m_thread: queued calls run there
    Parts *m_parts = nullptr;     //!< touched only on the receipt thread
    mutable QMutex m_mutex;
    InboundReceiver::Stats m_stats;
    quint16 m_eventsPort = 0;
    bool m_running = false;
};

} // namespace threadline::sync
