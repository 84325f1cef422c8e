#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>

#include <utility>

namespace threadline::gui {

//! Calls fn(result) on context's thread when future finishes, unless context was destroyed first.
//! Used instead of QFuture::then(context, …): in Qt 6.4 that asserts when the context object dies
//! while the future is still running (a window closed during a store call).
template<typename T, typename F>
void whenFinished(QObject *context, const QFuture<T> &future, F &&fn)
{
    auto *watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context,
                     [watcher, fn = std::forward<F>(fn)]() mutable {
                         watcher->deleteLater();
                         fn(watcher->future().result());
                     });
    watcher->setFuture(future);
}

} // namespace threadline::gui
