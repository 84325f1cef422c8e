#include "enginehost.h"

#include "guilogging.h"

#include "store/store.h"

#include <QNetworkAccessManager>
#include <QPromise>

#include <memory>

namespace threadline::gui {

EngineHost::EngineHost(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<threadline::sync::QueueStats>();
    qRegisterMetaType<threadline::sync::EngineState>();
    qRegisterMetaType<threadline::StoreChange>();
    m_thread.setObjectName(QStringLiteral("threadline-sync"));
}

EngineHost::~EngineHost()
{
    if (m_context) {
        // The engine, its store connection and its network manager are destroyed on their thread.
        // The engine goes before its network manager (it aborts its calls in its destructor).
        // The thread quits from inside that call, so the clean-up cannot be skipped by a quit()
        // that overtakes it in the event queue.
        QMetaObject::invokeMethod(m_context, [this, context = m_context] {
            delete m_engine;
            m_engine = nullptr;
            delete context;
            QThread::currentThread()->quit();
        });
        m_context = nullptr;
    } else {
        m_thread.quit();
    }
    m_thread.wait();
}

void EngineHost::start(sync::EngineOptions options)
{
    if (m_context)
        return;
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
    m_state = sync::EngineState::Starting;
    QMetaObject::invokeMethod(m_context, [this, options]() mutable {
        auto *nam = new QNetworkAccessManager(m_context);
        options.nam = nam;
        auto *engine = new sync::Engine(options); // deleted explicitly, before the manager
        // Engine → GUI thread: queued, value types only.
        connect(engine, &sync::Engine::stateChanged, this,
                [this](sync::EngineState state, const QString &reason) {
                    m_state = state;
                    m_reason = reason;
                    Q_EMIT stateChanged(state, reason);
                });
        connect(engine, &sync::Engine::slackStateChanged, this,
                [this](slack::SlackConnectionState::State state) {
                    m_slackState = state;
                    Q_EMIT slackStateChanged(state);
                });
        connect(engine, &sync::Engine::inboundStateChanged, this, [this](bool connected) {
            m_inbound = connected;
            Q_EMIT inboundStateChanged(connected);
        });
        connect(engine, &sync::Engine::queueStatsChanged, this, [this](const sync::QueueStats &stats) {
            m_stats = stats;
            Q_EMIT queueStatsChanged(stats);
        });
        connect(engine, &sync::Engine::threadStateChanged, this, &EngineHost::threadStateChanged);
        m_engine = engine;
        const Result<void> started = engine->start();
        if (!started) {
            const QString reason = started.error().message;
            QMetaObject::invokeMethod(this, [this, reason] {
                m_state = sync::EngineState::Failed;
                m_reason = reason;
                qCWarning(lcGui) << "the sync engine did not start:" << reason;
                Q_EMIT stateChanged(m_state, reason);
            });
            return;
        }
        if (Store *store = engine->store())
            connect(store, &Store::changed, this, &EngineHost::storeChanged);
    });
}

template<typename T, typename F>
QFuture<Result<T>> EngineHost::call(F fn)
{
    auto promise = std::make_shared<QPromise<Result<T>>>();
    QFuture<Result<T>> future = promise->future();
    promise->start();
    if (!m_context) {
        promise->addResult(Result<T>(makeError(ErrorCode::Unavailable, tr("Slack sync is not running"))));
        promise->finish();
        return future;
    }
    QMetaObject::invokeMethod(m_context, [this, promise, fn = std::move(fn)] {
        if (!m_engine)
            promise->addResult(Result<T>(makeError(ErrorCode::Unavailable, tr("Slack sync is not running"))));
        else
            promise->addResult(fn(*m_engine));
        promise->finish();
    });
    return future;
}

QFuture<Result<sync::RequestThreads>> EngineHost::requestThreads(qint64 requestId)
{
    return call<sync::RequestThreads>([requestId](sync::Engine &e) { return e.requestThreads(requestId); });
}

QFuture<Result<int>> EngineHost::retryUpdate(qint64 updateId)
{
    return call<int>([updateId](sync::Engine &e) { return e.retryUpdate(updateId); });
}

QFuture<Result<int>> EngineHost::retryConversation(qint64 conversationId)
{
    return call<int>([conversationId](sync::Engine &e) { return e.retryConversation(conversationId); });
}

void EngineHost::nudge()
{
    if (!m_context)
        return;
    QMetaObject::invokeMethod(m_context, [this] {
        if (m_engine)
            m_engine->nudge();
    });
}

QString EngineHost::stateLabel(sync::EngineState state)
{
    switch (state) {
    case sync::EngineState::Stopped:
        return tr("stopped");
    case sync::EngineState::Starting:
        return tr("starting");
    case sync::EngineState::Running:
        return tr("running");
    case sync::EngineState::NeedsReauthorization:
        return tr("Slack refused the token: reconnect in Settings");
    case sync::EngineState::Stopping:
        return tr("stopping");
    case sync::EngineState::Failed:
        return tr("failed");
    }
    return {};
}

QString EngineHost::slackStateLabel(slack::SlackConnectionState::State state)
{
    switch (state) {
    case slack::SlackConnectionState::State::Disconnected:
        return tr("disconnected");
    case slack::SlackConnectionState::State::Connecting:
        return tr("connecting");
    case slack::SlackConnectionState::State::Connected:
        return tr("connected");
    case slack::SlackConnectionState::State::NeedsReauthorization:
        return tr("token refused");
    case slack::SlackConnectionState::State::Disabled:
        return tr("disabled");
    }
    return {};
}

} // namespace threadline::gui
