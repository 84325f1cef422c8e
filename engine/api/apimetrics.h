#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>

namespace threadline {

//! Counters and histograms of the API server, rendered in the Prometheus text format (0.0.4).
//! Only what is measured is emitted: no series appears before its first observation.
class ApiMetrics
{
public:
    ApiMetrics();

    //! One HTTP request answered: route pattern (e.g. /api/v1/requests/{id}), method, status, duration.
    void recordRequest(const QString &route, const QByteArray &method, int status, double seconds);
    //! A request refused by the connection guard before routing (413, 431, 411, 417, 503).
    void recordRefused(int status);
    void recordStreamEvent(int deliveredTo);
    void setStreamClients(int count) { m_streamClients = count; }

    //! Extra text appended to the exposition (e.g. the sync engine's series).
    void setExtraProvider(std::function<QByteArray()> provider) { m_extra = std::move(provider); }

    QByteArray render() const;

private:
    struct Histogram
    {
        QList<quint64> buckets; //!< cumulative counts per bound in m_bounds
        quint64 count = 0;
        double sum = 0;
    };
    QList<double> m_bounds;
    QHash<QString, quint64> m_requests;    //!< "route\tmethod\tstatus" → count
    QHash<QString, Histogram> m_durations; //!< route → latency histogram
    QHash<int, quint64> m_refused;
    quint64 m_streamEvents = 0;
    quint64 m_streamDeliveries = 0;
    int m_streamClients = 0;
    std::function<QByteArray()> m_extra;
};

} // namespace threadline
