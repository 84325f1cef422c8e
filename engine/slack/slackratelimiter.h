#pragma once

#include "slack/slackerror.h"

#include <QHash>
#include <QString>

#include <functional>

namespace threadline::slack {

//! Slack's published per-method tiers (per minute). Special covers chat.postMessage and auth.test.
enum class RateTier
{
    Tier1,
    Tier2,
    Tier3,
    Tier4,
    PostMessage,
    AuthTest,
    Unlimited
};

/*!
 * A passive rate limiter: it never sends, waits or times anything itself. A scheduler asks
 * "when may I send method M to channel C?" (nextAllowedAt / delayMs), records each call it makes
 * (recordCall) and each 429 it gets (recordRateLimited), and picks among its ready jobs.
 *
 * Model: token buckets, all state explicit in a few small rows (see state()):
 * - one bucket per method, sized by its tier (chat.postMessage's is the workspace budget);
 * - one bucket per channel for message-posting methods (chat.postMessage,
 *   files.completeUploadExternal): ~1/s with a short burst;
 * - a pause (pausedUntil) on the method bucket, or on the channel bucket for posting methods,
 *   set by a 429's Retry-After. A 429 pauses only what was limited: a limited channel never blocks
 *   the others and a limited method never blocks other methods.
 *
 * The clock is injectable (milliseconds, monotonic), so tests use a fake clock.
 *
 * Several processes on one workspace share Slack's budget (docs/scale-out.md): each runs with a
 * share() of every rate and burst (1/N for N live processes, set by sync::SharedRateBudget), and a
 * 429 seen by one pauses the same bucket in all of them (pauseObserver → database → applyPause).
 */
class SlackRateLimiter
{
public:
    using Clock = std::function<qint64()>;

    struct Limit
    {
        double perMinute = 60;
        double burst = 1;
    };

    //! One bucket: the tokens it had at updatedAtMs, and the Retry-After pause.
    struct BucketState
    {
        double tokens = 0;
        qint64 updatedAtMs = 0;
        qint64 pausedUntilMs = 0;
    };

    //! \a clock returns milliseconds; the default is a monotonic QElapsedTimer-based clock.
    explicit SlackRateLimiter(Clock clock = {});

    static RateTier tierOf(const QString &method);
    static Limit defaultLimit(RateTier tier);
    //! True for methods that post a message into a channel and so count against its ~1/s budget.
    static bool isPerChannel(const QString &method);

    void setTierLimit(RateTier tier, Limit limit);
    void setChannelLimit(Limit limit) { m_channelLimit = limit; }
    Limit tierLimit(RateTier tier) const;
    Limit channelLimit() const { return m_channelLimit; } //!< unscaled by share()

    //! This process's share of every budget, in (0, 1]: rates and bursts are multiplied by it (a
    //! burst never below one call). 1 when the process is alone.
    void setShare(double share);
    double share() const { return m_share; }

    //! Called when a 429 pauses a bucket, with its key ("method:<name>", "channel:<id>") and the
    //! clock time (ms) the pause ends. Not called for applyPause().
    using PauseObserver = std::function<void(const QString &key, qint64 untilMs)>;
    void setPauseObserver(PauseObserver observer) { m_pauseObserver = std::move(observer); }
    //! A pause learnt from another process: the bucket \a key waits until \a untilMs (clock ms).
    void applyPause(const QString &key, qint64 untilMs);

    qint64 now() const;
    //! The earliest time (clock ms) a call of \a method to \a channel fits every budget; <= now() means now.
    //! With \a reserve > 0 the call must also leave that many tokens in the method's bucket (at most
    //! burst - 1 of them): a bulk sender asks with a reserve, so that calls asked without one (a
    //! small request's reply) find a token at once while the bulk sender keeps the budget busy.
    qint64 nextAllowedAt(const QString &method, const QString &channel = {}, double reserve = 0) const;
    //! max(0, nextAllowedAt - now)
    qint64 delayMs(const QString &method, const QString &channel = {}, double reserve = 0) const;
    bool mayCall(const QString &method, const QString &channel = {}) const
    {
        return delayMs(method, channel) == 0;
    }

    //! Takes one token from each bucket the call uses (call it when the request is sent).
    void recordCall(const QString &method, const QString &channel = {});
    //! A 429 (or ratelimited/rate_limited): pauses the channel for posting methods that name one,
    //! otherwise the method, for \a retryAfterMs.
    void recordRateLimited(const QString &method, const QString &channel, qint64 retryAfterMs);
    //! Convenience for a failed job: a WaitThenRetry failure pauses what was limited. chat.postMessage's
    //! `rate_limited` (the app posted too much, not a 429) pauses the workspace post budget instead
    //! of the channel. Other failures change nothing.
    void recordFailure(const QString &method, const QString &channel, const Error &error,
                       SlackErrorAction action);

    //! The explicit state, keyed "method:<name>" and "channel:<id>" (only buckets that were used).
    const QHash<QString, BucketState> &state() const { return m_buckets; }

private:
    BucketState bucketAt(const QString &key, Limit limit, qint64 now) const;
    static qint64 readyAt(const BucketState &bucket, Limit limit, qint64 now, double reserve = 0);
    Limit limitForMethod(const QString &method) const;
    Limit scaled(Limit limit) const;
    Limit limitForKey(const QString &key) const;

    Clock m_clock;
    double m_share = 1.0;
    PauseObserver m_pauseObserver;
    QHash<int, Limit> m_tierLimits;
    // ~1/s per channel like Slack, with a burst one call smaller than Slack's (3): Slack counts a
    // post when it arrives, this limiter when it is sent, and the spare call absorbs transit times
    // that differ by up to a refill period (limiterPerChannelAbsorbsTransitJitter).
    Limit m_channelLimit{60, 2};
    QHash<QString, BucketState> m_buckets;
};

//! Exponential backoff with jitter: delay(n) = random in [d/2, d], d = min(max, base * 2^n).
class Backoff
{
public:
    using Random = std::function<double()>; //!< uniform in [0, 1)

    explicit Backoff(qint64 baseMs = 1000, qint64 maxMs = 60'000, Random random = {});

    void setBaseMs(qint64 ms) { m_baseMs = ms; }
    void setMaxMs(qint64 ms) { m_maxMs = ms; }
    qint64 baseMs() const { return m_baseMs; }
    qint64 maxMs() const { return m_maxMs; }

    //! The delay before attempt \a attempt (0-based), without changing state.
    qint64 delayFor(int attempt) const;
    //! The delay before the next attempt; increments attempts().
    qint64 next();
    void reset() { m_attempts = 0; }
    int attempts() const { return m_attempts; }

private:
    qint64 m_baseMs;
    qint64 m_maxMs;
    Random m_random;
    int m_attempts = 0;
};

} // namespace threadline::slack
