#include "slack/slackratelimiter.h"

#include <QElapsedTimer>
#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

namespace threadline::slack {

SlackRateLimiter::SlackRateLimiter(Clock clock)
    : m_clock(std::move(clock))
{
    if (!m_clock) {
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        m_clock = [timer] { return timer->elapsed(); };
    }
    for (RateTier tier : {RateTier::Tier1, RateTier::Tier2, RateTier::Tier3, RateTier::Tier4,
                          RateTier::PostMessage, RateTier::AuthTest, RateTier::Unlimited})
        m_tierLimits.insert(int(tier), defaultLimit(tier));
}

RateTier SlackRateLimiter::tierOf(const QString &method)
{
    static const QHash<QString, RateTier> tiers = {
        {QStringLiteral("apps.connections.open"), RateTier::Tier1},
        {QStringLiteral("users.list"), RateTier::Tier2},
        {QStringLiteral("chat.update"), RateTier::Tier3},
        {QStringLiteral("chat.delete"), RateTier::Tier3},
        {QStringLiteral("conversations.open"), RateTier::Tier3},
        {QStringLiteral("conversations.replies"), RateTier::Tier3},
        {QStringLiteral("conversations.history"), RateTier::Tier3},
        {QStringLiteral("users.lookupByEmail"), RateTier::Tier3},
        {QStringLiteral("users.info"), RateTier::Tier4},
        {QStringLiteral("files.info"), RateTier::Tier4},
        {QStringLiteral("files.delete"), RateTier::Tier3},
        {QStringLiteral("files.getUploadURLExternal"), RateTier::Tier4},
        {QStringLiteral("files.completeUploadExternal"), RateTier::Tier4},
        {QStringLiteral("chat.postMessage"), RateTier::PostMessage},
        {QStringLiteral("auth.test"), RateTier::AuthTest},
        {QStringLiteral("files.upload_url"), RateTier::Unlimited},
        {QStringLiteral("files.download"), RateTier::Unlimited},
    };
    // Unknown methods get the strictest common tier rather than none.
    return tiers.value(method, RateTier::Tier3);
}

SlackRateLimiter::Limit SlackRateLimiter::defaultLimit(RateTier tier)
{
    switch (tier) {
    case RateTier::Tier1:
        return {1, 1};
    case RateTier::Tier2:
        return {20, 3};
    case RateTier::Tier3:
        return {50, 5};
    case RateTier::Tier4:
        return {100, 10};
    case RateTier::PostMessage:
        return {300, 20}; // workspace budget: "several hundred per minute"
    case RateTier::AuthTest:
        return {600, 20};
    case RateTier::Unlimited:
        return {0, 0};
    }
    return {50, 5};
}

bool SlackRateLimiter::isPerChannel(const QString &method)
{
    return method == QLatin1String("chat.postMessage") ||
           method == QLatin1String("files.completeUploadExternal");
}

void SlackRateLimiter::setTierLimit(RateTier tier, Limit limit)
{
    m_tierLimits.insert(int(tier), limit);
}

SlackRateLimiter::Limit SlackRateLimiter::tierLimit(RateTier tier) const
{
    return m_tierLimits.value(int(tier), defaultLimit(tier));
}

SlackRateLimiter::Limit SlackRateLimiter::limitForMethod(const QString &method) const
{
    return scaled(tierLimit(tierOf(method)));
}

SlackRateLimiter::Limit SlackRateLimiter::scaled(Limit limit) const
{
    if (m_share >= 1.0)
        return limit;
    return {limit.perMinute * m_share, std::max(1.0, limit.burst * m_share)};
}

SlackRateLimiter::Limit SlackRateLimiter::limitForKey(const QString &key) const
{
    if (key.startsWith(QLatin1String("channel:")))
        return scaled(m_channelLimit);
    return limitForMethod(key.mid(7)); // "method:"
}

void SlackRateLimiter::setShare(double share)
{
    m_share = std::isfinite(share) ? std::clamp(share, 0.001, 1.0) : 1.0;
}

void SlackRateLimiter::applyPause(const QString &key, qint64 untilMs)
{
    if (!key.startsWith(QLatin1String("channel:")) && !key.startsWith(QLatin1String("method:")))
        return;
    const qint64 t = now();
    if (untilMs <= t)
        return;
    BucketState bucket = bucketAt(key, limitForKey(key), t);
    if (bucket.pausedUntilMs >= untilMs)
        return;
    bucket.pausedUntilMs = untilMs;
    bucket.tokens = std::min(bucket.tokens, 0.0);
    m_buckets.insert(key, bucket);
}

qint64 SlackRateLimiter::now() const
{
    return m_clock();
}

SlackRateLimiter::BucketState SlackRateLimiter::bucketAt(const QString &key, Limit limit, qint64 now) const
{
    auto it = m_buckets.constFind(key);
    if (it == m_buckets.constEnd())
        return BucketState{limit.burst, now, 0};
    BucketState bucket = *it;
    const qint64 elapsed = std::max<qint64>(0, now - bucket.updatedAtMs);
    bucket.tokens = std::min(limit.burst, bucket.tokens + double(elapsed) * limit.perMinute / 60000.0);
    bucket.updatedAtMs = std::max(now, bucket.updatedAtMs);
    return bucket;
}

qint64 SlackRateLimiter::readyAt(const BucketState &bucket, Limit limit, qint64 now, double reserve)
{
    qint64 at = now;
    // A reserve never asks for more than the bucket can hold.
    const double needed = 1.0 + std::clamp(reserve, 0.0, std::max(0.0, limit.burst - 1.0));
    if (limit.perMinute > 0 && bucket.tokens < needed - 1e-9) {
        const double missing = needed - bucket.tokens;
        at = now + qint64(std::ceil(missing * 60000.0 / limit.perMinute));
    }
    return std::max(at, bucket.pausedUntilMs);
}

qint64 SlackRateLimiter::nextAllowedAt(const QString &method, const QString &channel, double reserve) const
{
    const qint64 t = now();
    const Limit methodLimit = limitForMethod(method);
    qint64 at = t;
    if (methodLimit.perMinute > 0 || m_buckets.contains(QStringLiteral("method:") + method))
        at = std::max(at, readyAt(bucketAt(QStringLiteral("method:") + method, methodLimit, t), methodLimit,
                                  t, reserve));
    if (isPerChannel(method) && !channel.isEmpty()) {
        const QString key = QStringLiteral("channel:") + channel;
        const Limit channelLimit = scaled(m_channelLimit);
        at = std::max(at, readyAt(bucketAt(key, channelLimit, t), channelLimit, t));
    }
    return at;
}

qint64 SlackRateLimiter::delayMs(const QString &method, const QString &channel, double reserve) const
{
    return std::max<qint64>(0, nextAllowedAt(method, channel, reserve) - now());
}

void SlackRateLimiter::recordCall(const QString &method, const QString &channel)
{
    const qint64 t = now();
    const Limit methodLimit = limitForMethod(method);
    if (methodLimit.perMinute > 0) {
        const QString key = QStringLiteral("method:") + method;
        BucketState bucket = bucketAt(key, methodLimit, t);
        bucket.tokens -= 1.0; // may go negative when a caller ignores the limiter: it then waits longer
        m_buckets.insert(key, bucket);
    }
    if (isPerChannel(method) && !channel.isEmpty()) {
        const QString key = QStringLiteral("channel:") + channel;
        BucketState bucket = bucketAt(key, scaled(m_channelLimit), t);
        bucket.tokens -= 1.0;
        m_buckets.insert(key, bucket);
    }
}

void SlackRateLimiter::recordRateLimited(const QString &method, const QString &channel, qint64 retryAfterMs)
{
    const qint64 t = now();
    const qint64 until = t + std::max<qint64>(0, retryAfterMs);
    const bool channelScoped = isPerChannel(method) && !channel.isEmpty();
    const QString key =
        channelScoped ? QStringLiteral("channel:") + channel : QStringLiteral("method:") + method;
    const Limit limit = channelScoped ? scaled(m_channelLimit) : limitForMethod(method);
    BucketState bucket = bucketAt(key, limit, t);
    bucket.pausedUntilMs = std::max(bucket.pausedUntilMs, until);
    bucket.tokens = std::min(bucket.tokens, 0.0);
    m_buckets.insert(key, bucket);
    if (m_pauseObserver && retryAfterMs > 0)
        m_pauseObserver(key, until);
}

void SlackRateLimiter::recordFailure(const QString &method, const QString &channel, const Error &error,
                                     SlackErrorAction action)
{
    if (action != SlackErrorAction::WaitThenRetry)
        return;
    const qint64 wait = error.retryAfterMs >= 0 ? error.retryAfterMs : DefaultRetryAfterMs;
    if (error.detail == QLatin1String("rate_limited") ||
        error.detail == QLatin1String("message_limit_exceeded"))
        recordRateLimited(method, QString(), wait); // app-wide posting volume, not one channel
    else
        recordRateLimited(method, channel, wait);
}

Backoff::Backoff(qint64 baseMs, qint64 maxMs, Random random)
    : m_baseMs(baseMs)
    , m_maxMs(maxMs)
    , m_random(std::move(random))
{
    if (!m_random)
        m_random = [] { return QRandomGenerator::global()->generateDouble(); };
}

qint64 Backoff::delayFor(int attempt) const
{
    const int shift = std::clamp(attempt, 0, 30);
    const double full = std::min(double(m_maxMs), double(m_baseMs) * double(qint64(1) << shift));
    const double jittered = full / 2.0 + (full / 2.0) * std::clamp(m_random(), 0.0, 1.0);
    return std::max<qint64>(0, qint64(jittered));
}

qint64 Backoff::next()
{
    return delayFor(m_attempts++);
}

} // namespace threadline::slack
