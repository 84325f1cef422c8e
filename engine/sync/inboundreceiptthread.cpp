#include "sync/inboundreceiptthread.h"

#include "core/logging.h"
#include "slack/slackeventsreceiver.h"
#include "slack/socketmodeclient.h"
#include "store/databaseurl.h"
#include "store/store.h"

#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QThread>

namespace threadline::sync {

//! The objects of the receipt side; created, used and deleted on the receipt thread only.
struct InboundReceiptThread::Parts
{
    std::unique_ptr<Store> ownStore;
    Store *store = nullptr;
    QNetworkAccessManager *nam = nullptr;
    InboundReceiver *receiver = nullptr;
    slack::SocketModeClient *socket = nullptr;
    slack::SlackEventsReceiver *events = nullptr;

    ~Parts()
    {
        if (socket)
            socket->stop();
        delete socket; // before the receiver it feeds and the store the receiver writes to
        delete events;
        delete receiver;
        delete nam;
        ownStore.reset();
    }
};

InboundReceiptThread::InboundReceiptThread(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<threadline::Error>();
}

InboundReceiptThread::~InboundReceiptThread()
{
    if (!m_thread) {
        delete m_parts;
        return;
    }
    // The parts go on their own thread (the socket and the database connection belong to it),
    // then the thread ends; joining it is bounded by closing a socket and a database connection.
    QObject *context = m_context;
    QMetaObject::invokeMethod(context, [this, context] {
        delete std::exchange(m_parts, nullptr);
        context->deleteLater();
        QThread::currentThread()->quit();
    });
    m_thread->wait();
    delete m_thread;
}

void InboundReceiptThread::start(const InboundReceiptOptions &options, Store *sameThreadStore)
{
    if (m_running)
        return;
    m_running = true;
    if (sameThreadStore) {
        build(options, sameThreadStore);
        return;
    }
    if (!m_thread) {
        m_thread = new QThread;
        m_thread->setObjectName(QStringLiteral("threadline-inbound-receipt"));
        m_context = new QObject;
        m_context->moveToThread(m_thread);
        m_thread->start();
    }
    QMetaObject::invokeMethod(m_context, [this, options] { build(options, nullptr); });
}

void InboundReceiptThread::stop()
{
    if (!m_running)
        return;
    m_running = false;
    if (!m_thread) {
        teardown();
        return;
    }
    QMetaObject::invokeMethod(m_context, [this] { teardown(); });
}

void InboundReceiptThread::setIdentity(const slack::SlackIdentity &self)
{
    auto apply = [this, self] {
        if (m_parts && m_parts->receiver)
            m_parts->receiver->setIdentity(self);
    };
    if (m_thread)
        QMetaObject::invokeMethod(m_context, apply);
    else
        apply();
}

InboundReceiver::Stats InboundReceiptThread::stats() const
{
    QMutexLocker lock(&m_mutex);
    return m_stats;
}

quint16 InboundReceiptThread::eventsPort() const
{
    QMutexLocker lock(&m_mutex);
    return m_eventsPort;
}

void InboundReceiptThread::teardown()
{
    delete std::exchange(m_parts, nullptr);
    {
        QMutexLocker lock(&m_mutex);
        m_eventsPort = 0;
    }
    Q_EMIT connectedChanged(false);
}

void InboundReceiptThread::build(const InboundReceiptOptions &options, Store *sameThreadStore)
{
    delete std::exchange(m_parts, nullptr);
    auto parts = std::make_unique<Parts>();
    if (sameThreadStore) {
        parts->store = sameThreadStore;
    } else {
        parts->ownStore = std::make_unique<Store>();
        if (auto r = parts->ownStore->open(options.databaseUrl); !r) {
            qCWarning(lcSync).noquote()
                << "inbound: the receipt cannot open the database:" << r.error().toString();
            Q_EMIT startFailed(r.error());
            return;
        }
        parts->store = parts->ownStore.get();
        // A receipt never pays for a WAL checkpoint inside its COMMIT: the engine checkpoints.
        if (parts->store->backend() == DatabaseUrl::Backend::Sqlite) {
            if (auto q = parts->store->exec(QStringLiteral("PRAGMA wal_autocheckpoint=0")); q)
                QueryGuard guard(q.value());
        }
    }
    parts->receiver = new InboundReceiver(parts->store, options.self);
    if (!sameThreadStore)
        parts->receiver->setWriteGate(options.writeGate);
    InboundReceiver *receiver = parts->receiver;
    const auto publish = [this, receiver] {
        QMutexLocker lock(&m_mutex);
        m_stats = receiver->stats();
    };
    connect(receiver, &InboundReceiver::stored, receiver,
            [this, publish](const QString &eventId, bool inserted) {
                publish();
                Q_EMIT stored(eventId, inserted);
            });
    connect(receiver, &InboundReceiver::storeFailed, receiver, [this, publish](const Error &error) {
        publish();
        Q_EMIT storeFailed(error);
    });

    if (!options.eventsListen.isNull()) {
        parts->events = new slack::SlackEventsReceiver(options.signingSecret, receiver->httpConsumer());
        const quint16 port = parts->events->listen(options.eventsListen.host, options.eventsListen.port);
        if (port == 0) {
            qCWarning(lcSync) << "the HTTP Events receiver could not listen on"
                              << options.eventsListen.toString();
            Q_EMIT startFailed(makeError(ErrorCode::Unavailable,
                                         QStringLiteral("The HTTP Events receiver cannot listen on %1")
                                             .arg(options.eventsListen.toString())));
        }
        {
            QMutexLocker lock(&m_mutex);
            m_eventsPort = port;
        }
        m_parts = parts.release();
        Q_EMIT connectedChanged(port != 0);
        return;
    }
    if (options.appEndpoint.token.isEmpty()) {
        m_parts = parts.release();
        return;
    }
    // Own NAM: the engine's lives on the engine's thread, and apps.connections.open is the only
    // Web API call made from here.
    parts->nam = new QNetworkAccessManager;
    parts->socket = new slack::SocketModeClient(parts->nam, options.appEndpoint);
    if (options.configureSocket)
        options.configureSocket(parts->socket);
    receiver->attachSocketMode(parts->socket);
    slack::SocketModeClient *socket = parts->socket;
    connect(socket, &slack::SocketModeClient::ready, socket, [this] { Q_EMIT connectedChanged(true); });
    connect(socket, &slack::SocketModeClient::connectionLost, socket,
            [this](const QString &) { Q_EMIT connectedChanged(false); });
    connect(socket, &slack::SocketModeClient::disabled, socket, [this](const QString &reason) {
        Q_EMIT connectedChanged(false);
        Q_EMIT disabled(reason);
    });
    connect(socket, &slack::SocketModeClient::authenticationFailed, socket, [this](const Error &error) {
        Q_EMIT connectedChanged(false);
        Q_EMIT authenticationFailed(error);
    });
    m_parts = parts.release();
    socket->start();
}

} // namespace threadline::sync
