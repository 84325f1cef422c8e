#pragma once

#include "core/result.h"
#include "store/storetypes.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QThread>

#include <functional>
#include <memory>

namespace threadline {

class Store;

//! The non-blocking front of the store, for threads that must never wait on the database (the
//! console's GUI thread). It owns a QThread with its own Store and connection; every call is queued
//! to that thread and returns at once with a QFuture that finishes there. Collect results on your
//! own thread with QFutureWatcher or QFuture::then(context, …).
//!
//! Calls run one at a time, in the order they were made. Store::changed() of the worker's store is
//! re-emitted as changed() on the thread that owns this object; a call's own change signals arrive
//! before its future's continuation does. Destroying the AsyncStore lets queued calls finish, then
//! closes the connection on the worker thread and joins it.
class AsyncStore : public QObject
{
    Q_OBJECT

public:
    explicit AsyncStore(QObject *parent = nullptr);
    ~AsyncStore() override;

    //! Opens (and migrates) the database on the worker thread.
    QFuture<Result<void>> open(const QString &url);

    //! Runs fn(store) on the worker thread. fn must not keep the Store reference.
    template<typename T>
    QFuture<Result<T>> run(std::function<Result<T>(Store &)> fn);

    QFuture<Result<Person>> upsertPerson(const PersonInput &input);
    QFuture<Result<Request>> createRequest(const NewRequest &input);
    QFuture<Result<Request>> setStatus(qint64 requestId, RequestStatus status, qint64 expectedVersion,
                                       qint64 actorId);
    QFuture<Result<Request>> setAssignee(qint64 requestId, qint64 assigneeId, qint64 expectedVersion,
                                         qint64 actorId);
    QFuture<Result<Request>> setTitle(qint64 requestId, const QString &title, qint64 expectedVersion,
                                      qint64 actorId);
    QFuture<Result<Follower>> addFollower(qint64 requestId, qint64 personId, qint64 actorId);
    QFuture<Result<void>> removeFollower(qint64 requestId, qint64 personId, qint64 actorId);
    QFuture<Result<Update>> postUpdate(const NewUpdate &input);
    QFuture<Result<Update>> editUpdate(qint64 updateId, const QString &text, qint64 actorId);
    QFuture<Result<Update>> deleteUpdate(qint64 updateId, qint64 actorId);
    QFuture<Result<RequestPage>> listRequests(const RequestQuery &query);
    QFuture<Result<Timeline>> timeline(qint64 requestId);

    //! The worker thread, for tests and diagnostics.
    const QThread *workerThread() const { return &m_thread; }

Q_SIGNALS:
    //! A committed change, delivered on this object's thread.
    void changed(const threadline::StoreChange &change);

private:
    //! Queues task to the worker thread; it gets the worker's Store, or nullptr when not open.
    void post(std::function<void(Store *)> task);

    QThread m_thread;
    QObject *m_context = nullptr; //!< lives on m_thread; queued tasks run in its context
    Store *m_store = nullptr;     //!< created, used and deleted on m_thread only
};

template<typename T>
QFuture<Result<T>> AsyncStore::run(std::function<Result<T>(Store &)> fn)
{
    auto promise = std::make_shared<QPromise<Result<T>>>();
    QFuture<Result<T>> future = promise->future();
    promise->start();
    post([promise, fn = std::move(fn)](Store *store) {
        if (!store)
            promise->addResult(
                Result<T>(makeError(ErrorCode::Unavailable, QStringLiteral("The store is not open"))));
        else
            promise->addResult(fn(*store));
        promise->finish();
    });
    return future;
}

} // namespace threadline
