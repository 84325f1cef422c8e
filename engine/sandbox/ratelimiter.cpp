#include "sandbox/ratelimiter.h"

#include <QJsonValue>

#include <algorithm>
#include <cmath>

namespace threadline::sandbox {

RateLimiter::RateLimiter()
{
    m_clock.start();
}

void RateLimiter::setTimeScale(double scale)
{
    if (!(scale > 0))
        return;
    m_virtualBase = nowVirtualMs();
    m_realBase = m_clock.elapsed();
    m_scale = scale;
}

double RateLimiter::nowVirtualMs() const
{
    return m_virtualBase + double(m_clock.elapsed() - m_realBase) * m_scale;
}

void RateLimiter::setPostLimits(int perChannelPerSecond, int channelBurst, int workspacePerMinute)
{
    m_postPerSecond = std::max(1, perChannelPerSecond);
    m_postBurst = std::max(1, channelBurst);
    m_postWorkspacePerMinute = std::max(1, workspacePerMinute);
    m_buckets.clear();
}

void RateLimiter::setMethodLimit(const QString &method, int perMinute)
{
    m_overrides.insert(method, perMinute);
    m_buckets.remove(method);
}

int RateLimiter::tierOf(const QString &method)
{
    static const QHash<QString, int> tiers = {
        {QStringLiteral("apps.connections.open"), 1},
        {QStringLiteral("users.list"), 2},
        {QStringLiteral("chat.update"), 3},
        {QStringLiteral("chat.delete"), 3},
        {QStringLiteral("conversations.open"), 3},
        {QStringLiteral("conversations.replies"), 3},
        {QStringLiteral("conversations.history"), 3},
        {QStringLiteral("users.lookupByEmail"), 3},
        {QStringLiteral("users.info"), 4},
        {QStringLiteral("files.info"), 4},
        {QStringLiteral("files.delete"), 3},
        {QStringLiteral("files.getUploadURLExternal"), 4},
        {QStringLiteral("files.completeUploadExternal"), 4},
    };
    return tiers.value(method, 0);
}

int RateLimiter::methodLimit(const QString &method) const
{
    const auto it = m_overrides.constFind(method);
    if (it != m_overrides.constEnd())
        return *it;
    switch (tierOf(method)) {
    case 1:
        return 1;
    case 2:
        return 20;
    case 3:
        return 50;
    case 4:
        return 100;
    default:
        break;
    }
    if (method == QLatin1String("auth.test"))
        return 600;
    return 0; // chat.postMessage is handled separately; unknown methods are not limited
}

qint64 RateLimiter::take(Bucket &b, double capacity, double perMs)
{
    const double now = nowVirtualMs();
    if (b.tokens < 0) {
        b.tokens = capacity;
        b.lastMs = now;
    }
    b.tokens = std::min(capacity, b.tokens + (now - b.lastMs) * perMs);
    b.lastMs = now;
    if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
    }
    const double virtualWait = (1 - b.tokens) / perMs;
    return std::max<qint64>(1, qint64(std::ceil(virtualWait / m_scale)));
}

qint64 RateLimiter::acquire(const QString &method, const QString &channel)
{
    if (!m_enabled)
        return 0;
    if (method == QLatin1String("chat.postMessage")) {
        // The workspace cap first (peek), then the channel; take from both only when both allow.
        // Both buckets exist before either is referenced: inserting one may rehash the table and
        // move the other (a reference taken before would then point into freed memory).
        const QString wsKey = QStringLiteral("chat.postMessage");
        const QString chKey = QStringLiteral("chat.postMessage#") + channel;
        if (!m_buckets.contains(wsKey))
            m_buckets.insert(wsKey, Bucket{});
        if (!m_buckets.contains(chKey))
            m_buckets.insert(chKey, Bucket{});
        Bucket &ws = *m_buckets.find(wsKey);
        Bucket &ch = *m_buckets.find(chKey);
        const Bucket wsBefore = ws;
        const double wsPerMs = m_postWorkspacePerMinute / 60000.0;
        // Bursts: a tenth of the minute's allowance, at least the channel burst.
        const qint64 wsWait =
            take(ws, std::max<double>(m_postBurst, m_postWorkspacePerMinute / 10.0), wsPerMs);
        if (wsWait > 0)
            return wsWait;
        const qint64 chWait = take(ch, m_postBurst, m_postPerSecond / 1000.0);
        if (chWait > 0)
            ws = wsBefore; // refund
        return chWait;
    }
    const int limit = methodLimit(method);
    if (limit <= 0)
        return 0;
    // Tier 1 tolerates small bursts; the others allow a minute's worth.
    const double capacity = limit == 1 ? 3.0 : double(limit);
    return take(m_buckets[method], capacity, limit / 60000.0);
}

void RateLimiter::clear()
{
    m_buckets.clear();
}

QJsonObject RateLimiter::toJson() const
{
    QJsonObject methods;
    for (auto it = m_overrides.constBegin(); it != m_overrides.constEnd(); ++it)
        methods.insert(it.key(), it.value());
    return QJsonObject{{QStringLiteral("enabled"), m_enabled},
                       {QStringLiteral("time_scale"), m_scale},
                       {QStringLiteral("post_per_channel_per_second"), m_postPerSecond},
                       {QStringLiteral("post_channel_burst"), m_postBurst},
                       {QStringLiteral("post_workspace_per_minute"), m_postWorkspacePerMinute},
                       {QStringLiteral("methods"), methods}};
}

void RateLimiter::apply(const QJsonObject &o)
{
    if (o.contains(QLatin1String("enabled")))
        m_enabled = o.value(QLatin1String("enabled")).toBool();
    if (o.contains(QLatin1String("time_scale")))
        setTimeScale(o.value(QLatin1String("time_scale")).toDouble());
    if (o.contains(QLatin1String("post_per_channel_per_second")) ||
        o.contains(QLatin1String("post_channel_burst")) ||
        o.contains(QLatin1String("post_workspace_per_minute")))
        setPostLimits(o.value(QLatin1String("post_per_channel_per_second")).toInt(m_postPerSecond),
                      o.value(QLatin1String("post_channel_burst")).toInt(m_postBurst),
                      o.value(QLatin1String("post_workspace_per_minute")).toInt(m_postWorkspacePerMinute));
    const QJsonObject methods = o.value(QLatin1String("methods")).toObject();
    for (auto it = methods.constBegin(); it != methods.constEnd(); ++it)
        setMethodLimit(it.key(), it.value().toInt());
}

} // namespace threadline::sandbox
