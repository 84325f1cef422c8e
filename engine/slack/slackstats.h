#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QString>

namespace threadline::slack {

/*!
 * Process-wide counters of the Slack traffic, for threadlined's /metrics (Prometheus text):
 * Web API calls by method and outcome, HTTP 429s, inbound events by transport, the ack latency of
 * inbound events (received → stored and acknowledged) and the end-to-end delivery latency of
 * desk updates (written on the desk → posted in a Slack thread). Thread-safe: the console runs the
 * engine on a worker thread.
 */
class SlackStats
{
public:
    static SlackStats &global();

    //! Outcome labels: ok, rate_limited, retry (transient), auth (token/scope), error (gave up), aborted.
    void recordCall(const QString &method, const QString &outcome, int httpStatus);
    //! An inbound event (transport "socket_mode" or "http") stored (or a duplicate) and acknowledged.
    void recordInbound(const QString &transport, bool duplicate, double ackSeconds);
    void recordDelivery(double seconds);

    quint64 calls(const QString &method, const QString &outcome) const;
    quint64 http429() const;
    quint64 inboundEvents() const;
    quint64 deliveries() const;

    //! The series in the Prometheus text format (only those observed at least once).
    QByteArray render() const;
    void reset(); //!< for tests

private:
    struct Histogram
    {
        QList<double> bounds;
        QList<quint64> counts; //!< per bound (not cumulative); +Inf is count
        quint64 count = 0;
        double sum = 0;
        void observe(double v);
        QByteArray render(const QByteArray &name) const;
    };
    SlackStats();

    mutable QMutex m_mutex;
    QHash<QString, quint64> m_calls; //!< "method\toutcome"
    quint64 m_http429 = 0;
    QHash<QString, quint64> m_inbound; //!< "transport\tresult"
    Histogram m_ack;
    Histogram m_delivery;
};

} // namespace threadline::slack
