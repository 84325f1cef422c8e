#include "store/asyncstore.h"

#include "store/store.h"

#include "core/logging.h"

namespace threadline {

AsyncStore::AsyncStore(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<threadline::StoreChange>();
    m_thread.setObjectName(QStringLiteral("threadline-store"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
}

AsyncStore::~AsyncStore()
{
    // Runs after every call queued before it; closes the connection on the thread that opened it.
    post([this](Store *) {
        delete m_store;
        m_store = nullptr;
        m_thread.quit();
    });
    m_thread.wait();
    delete m_context;
}

void AsyncStore::post(std::function<void(Store *)> task)
{
    QMetaObject::invokeMethod(
        m_context, [this, task = std::move(task)] { task(m_store); }, Qt::QueuedConnection);
}

QFuture<Result<void>> AsyncStore::open(const QString &url)
{
    auto promise = std::make_shared<QPromise<Result<void>>>();
    QFuture<Result<void>> future = promise->future();
    promise->start();
    post([this, promise, url](Store *) {
        delete m_store;
        m_store = new Store;
        // Store::changed is emitted on the worker thread; this object lives on the owner's thread,
        // so the connection is queued and changed() reaches the owner there.
        connect(m_store, &Store::changed, this, &AsyncStore::changed);
        Result<void> result = m_store->open(url);
        if (!result) {
            delete m_store;
            m_store = nullptr;
        }
        promise->addResult(std::move(result));
        promise->finish();
    });
    return future;
}

QFuture<Result<Person>> AsyncStore::upsertPerson(const PersonInput &input)
{
    return run<Person>([input](Store &s) { return s.upsertPerson(input); });
}

QFuture<Result<Request>> AsyncStore::createRequest(const NewRequest &input)
{
    return run<Request>([input](Store &s) { return s.createRequest(input); });
}

QFuture<Result<Request>> AsyncStore::setStatus(qint64 requestId, RequestStatus status, qint64 expectedVersion,
                                               qint64 actorId)
{
    return run<Request>([=](Store &s) { return s.setStatus(requestId, status, expectedVersion, actorId); });
}

QFuture<Result<Request>> AsyncStore::setAssignee(qint64 requestId, qint64 assigneeId, qint64 expectedVersion,
                                                 qint64 actorId)
{
    return run<Request>(
        [=](Store &s) { return s.setAssignee(requestId, assigneeId, expectedVersion, actorId); });
}

QFuture<Result<Request>> AsyncStore::setTitle(qint64 requestId, const QString &title, qint64 expectedVersion,
                                              qint64 actorId)
{
    return run<Request>([=](Store &s) { return s.setTitle(requestId, title, expectedVersion, actorId); });
}

QFuture<Result<Follower>> AsyncStore::addFollower(qint64 requestId, qint64 personId, qint64 actorId)
{
    return run<Follower>([=](Store &s) { return s.addFollower(requestId, personId, actorId); });
}

QFuture<Result<void>> AsyncStore::removeFollower(qint64 requestId, qint64 personId, qint64 actorId)
{
    return run<void>([=](Store &s) { return s.removeFollower(requestId, personId, actorId); });
}

QFuture<Result<Update>> AsyncStore::postUpdate(const NewUpdate &input)
{
    return run<Update>([input](Store &s) { return s.postUpdate(input); });
}

QFuture<Result<Update>> AsyncStore::editUpdate(qint64 updateId, const QString &text, qint64 actorId)
{
    return run<Update>([=](Store &s) { return s.editUpdate(updateId, text, actorId); });
}

QFuture<Result<Update>> AsyncStore::deleteUpdate(qint64 updateId, qint64 actorId)
{
    return run<Update>([=](Store &s) { return s.deleteUpdate(updateId, actorId); });
}

QFuture<Result<RequestPage>> AsyncStore::listRequests(const RequestQuery &query)
{
    return run<RequestPage>([query](Store &s) { return s.listRequests(query); });
}

QFuture<Result<Timeline>> AsyncStore::timeline(qint64 requestId)
{
    return run<Timeline>([requestId](Store &s) { return s.timeline(requestId); });
}

} // namespace threadline
