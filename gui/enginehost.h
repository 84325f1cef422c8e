#pragma once

#include "core/result.h"
#include "slack/slackconnectionstate.h"
#include "store/storetypes.h"
#include "sync/engine.h"
#include "sync/synctypes.h"

#include <QFuture>
#include <QObject>
#include <QThread>

namespace threadline::gui {

//! Runs the sync engine (sync::Engine, with its own Store connection and network manager) on a
//! worker thread and mirrors its state to the GUI thread through queued signals. Reads (thread
//! matrix) and operations (retry) return futures; nothing here waits on the engine.
class EngineHost : public QObject
{
    Q_OBJECT

public:
    explicit EngineHost(QObject *parent = nullptr);
    ~EngineHost() override;

    //! Creates and starts the engine on the worker thread (options.nam is created there).
    void start(sync::EngineOptions options);

    sync::EngineState state() const { return m_state; }
    QString stateReason() const { return m_reason; }
    slack::SlackConnectionState::State slackState() const { return m_slackState; }
    bool inboundConnected() const { return m_inbound; }
    const sync::QueueStats &queueStats() const { return m_stats; }

    QFuture<Result<sync::RequestThreads>> requestThreads(qint64 requestId);
    QFuture<Result<int>> retryUpdate(qint64 updateId);
    QFuture<Result<int>> retryConversation(qint64 conversationId);
    //! Makes the engine read the change feed now (after a write through the console's store).
    void nudge();

    //! A short user-facing name of a state.
    static QString stateLabel(sync::EngineState state);
    static QString slackStateLabel(slack::SlackConnectionState::State state);

Q_SIGNALS:
    void stateChanged(threadline::sync::EngineState state, const QString &reason);
    void slackStateChanged(threadline::slack::SlackConnectionState::State state);
    void inboundStateChanged(bool connected);
    void queueStatsChanged(const threadline::sync::QueueStats &stats);
    void threadStateChanged(qint64 requestId, qint64 conversationId, qint64 updateId);
    //! A change committed by the engine's own store connection (replies and edits from Slack).
    void storeChanged(const threadline::StoreChange &change);

private:
    template<typename T, typename F>
    QFuture<Result<T>> call(F fn);

    QThread m_thread;
    QObject *m_context = nullptr;     //!< lives on m_thread; parent of the engine and its manager
    sync::Engine *m_engine = nullptr; //!< used on m_thread only
    sync::EngineState m_state = sync::EngineState::Stopped;
    QString m_reason;
    slack::SlackConnectionState::State m_slackState = slack::SlackConnectionState::State::Disconnected;
    bool m_inbound = false;
    sync::QueueStats m_stats;
};

} // namespace threadline::gui
