#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QString>

namespace threadline::sandbox {

//! Slack's rate limits: per method tier (1/20/50/100 per minute, tolerated bursts), and for
//! chat.postMessage about one per second per channel with short bursts plus a workspace cap.
//! Time runs `timeScale` times faster than the wall clock, so benchmarks can run Slack's limits
//! at ×N speed.
class RateLimiter
{
public:
    RateLimiter();

    void setEnabled(bool on) { m_enabled = on; }
    bool enabled() const { return m_enabled; }
    void setTimeScale(double scale);
    double timeScale() const { return m_scale; }
    void setPostLimits(int perChannelPerSecond, int channelBurst, int workspacePerMinute);
    //! Overrides the per-minute allowance of one method (0 = unlimited).
    void setMethodLimit(const QString &method, int perMinute);
    int methodLimit(const QString &method) const;
    static int tierOf(const QString &method); //!< 1..4, or 0 for special methods

    //! Takes a token for the call. Returns 0 when allowed, otherwise the wall-clock wait in ms.
    qint64 acquire(const QString &method, const QString &channel = {});
    void clear();

    QJsonObject toJson() const;
    void apply(const QJsonObject &o);

private:
    struct Bucket
    {
        double tokens = -1; //!< -1: not initialised (starts full)
        double lastMs = 0;
    };
    double nowVirtualMs() const;
    qint64 take(Bucket &b, double capacity, double perMs);

    bool m_enabled = true;
    double m_scale = 1.0;
    double m_virtualBase = 0; //!< virtual ms at the last scale change
    qint64 m_realBase = 0;
    QElapsedTimer m_clock;
    int m_postPerSecond = 1;
    int m_postBurst = 3;
    int m_postWorkspacePerMinute = 300;
    QHash<QString, int> m_overrides;
    QHash<QString, Bucket> m_buckets;
};

} // namespace threadline::sandbox
