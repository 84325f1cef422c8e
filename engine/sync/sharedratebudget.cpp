#include "sync/sharedratebudget.h"

#include "core/logging.h"
#include "slack/slackratelimiter.h"
#include "store/store.h"

#include <QDateTime>
#include <QSqlQuery>

#include <algorithm>

namespace threadline::sync {

SharedRateBudget::SharedRateBudget(Store *store, QString instanceId, int intervalMs, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_instanceId(std::move(instanceId))
    , m_intervalMs(std::max(50, intervalMs))
{
    m_timer.setInterval(m_intervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (auto r = tick(); !r)
            qCWarning(lcSync) << "shared rate budget: heartbeat failed:" << r.error().toString();
    });
}

SharedRateBudget::~SharedRateBudget()
{
    if (m_limiter)
        m_limiter->setPauseObserver({});
}

void SharedRateBudget::attach(slack::SlackRateLimiter *limiter)
{
    if (m_limiter)
        m_limiter->setPauseObserver({});
    m_limiter = limiter;
    if (!m_limiter)
        return;
    m_limiter->setShare(1.0 / std::max(1, m_live));
    m_limiter->setPauseObserver([this](const QString &key, qint64 untilMs) { publishPause(key, untilMs); });
}

void SharedRateBudget::start()
{
    if (auto r = tick(); !r)
        qCWarning(lcSync) << "shared rate budget: heartbeat failed:" << r.error().toString();
    m_timer.start();
}

void SharedRateBudget::stop()
{
    m_timer.stop();
    auto r = m_store->execAffected(QStringLiteral("DELETE FROM engine_instances WHERE instance_id = ?"),
                                   {m_instanceId});
    if (!r)
        qCWarning(lcSync) << "shared rate budget: could not remove the heartbeat:" << r.error().toString();
}

Result<void> SharedRateBudget::tick()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    auto beat = m_store->execAffected(
        QStringLiteral(
            "INSERT INTO engine_instances (instance_id, heartbeat_at, started_at) VALUES (?, ?, ?) "
            "ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at"),
        {m_instanceId, now, now});
    if (!beat)
        return beat.error();
    auto live = m_store->scalar(
        QStringLiteral("SELECT COUNT(*) FROM engine_instances WHERE heartbeat_at >= ?"), {now - staleMs()});
    if (!live)
        return live.error();
    const int n = std::max(1, live.value() ? live.value()->toInt() : 1);
    if (n != m_live)
        qCInfo(lcSync) << "shared rate budget:" << n << "engine processes share the Slack budget";
    m_live = n;
    if (!m_limiter)
        return {};
    m_limiter->setShare(1.0 / n);

    // Pauses other processes learnt from a 429, converted from wall-clock to the limiter's clock.
    auto q = m_store->exec(
        QStringLiteral(
            "SELECT bucket, paused_until FROM rate_pauses WHERE paused_until > ? AND instance_id <> ?"),
        {now, m_instanceId});
    if (!q)
        return q.error();
    const qint64 local = m_limiter->now();
    while (q.value()->next())
        m_limiter->applyPause(q.value()->value(0).toString(),
                              local + (q.value()->value(1).toLongLong() - now));
    q.value()->finish();

    if (now - m_lastCleanup > 60'000) {
        m_lastCleanup = now;
        (void)m_store->execAffected(QStringLiteral("DELETE FROM rate_pauses WHERE paused_until < ?"),
                                    {now - 60'000});
        (void)m_store->execAffected(QStringLiteral("DELETE FROM engine_instances WHERE heartbeat_at < ?"),
                                    {now - 3'600'000});
    }
    return {};
}

void SharedRateBudget::publishPause(const QString &key, qint64 untilLocalMs)
{
    if (!m_limiter)
        return;
    const qint64 until = QDateTime::currentMSecsSinceEpoch() + (untilLocalMs - m_limiter->now());
    auto r = m_store->execAffected(
        QStringLiteral(
            "INSERT INTO rate_pauses (bucket, paused_until, instance_id) VALUES (?, ?, ?) "
            "ON CONFLICT (bucket) DO UPDATE SET paused_until = CASE WHEN excluded.paused_until > "
            "rate_pauses.paused_until THEN excluded.paused_until ELSE rate_pauses.paused_until END, "
            "instance_id = excluded.instance_id"),
        {key, until, m_instanceId});
    if (!r)
        qCWarning(lcSync) << "shared rate budget: could not share a pause:" << r.error().toString();
}

} // namespace threadline::sync
