#include "api/apimetrics.h"

#include <QStringList>

#include <algorithm>

namespace threadline {

namespace {

QByteArray label(const QString &value)
{
    QByteArray v = value.toUtf8();
    v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    return v;
}

QByteArray number(double v)
{
    return QByteArray::number(v, 'g', 10);
}

} // namespace

ApiMetrics::ApiMetrics()
    : m_bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
{}

void ApiMetrics::recordRequest(const QString &route, const QByteArray &method, int status, double seconds)
{
    ++m_requests[route + QLatin1Char('\t') + QString::fromLatin1(method) + QLatin1Char('\t') +
                 QString::number(status)];
    Histogram &h = m_durations[route];
    if (h.buckets.isEmpty())
        h.buckets.fill(0, m_bounds.size());
    for (qsizetype i = 0; i < m_bounds.size(); ++i) {
        if (seconds <= m_bounds.at(i))
            ++h.buckets[i];
    }
    ++h.count;
    h.sum += seconds;
}

void ApiMetrics::recordRefused(int status)
{
    ++m_refused[status];
}

void ApiMetrics::recordStreamEvent(int deliveredTo)
{
    ++m_streamEvents;
    m_streamDeliveries += quint64(deliveredTo);
}

QByteArray ApiMetrics::render() const
{
    QByteArray out;
    out += "# HELP threadline_http_requests_total HTTP requests answered by the REST API.\n"
           "# TYPE threadline_http_requests_total counter\n";
    QStringList keys = m_requests.keys();
    std::sort(keys.begin(), keys.end());
    for (const QString &key : std::as_const(keys)) {
        const QStringList parts = key.split(QLatin1Char('\t'));
        out += "threadline_http_requests_total{route=\"" + label(parts.at(0)) + "\",method=\"" +
               label(parts.at(1)) + "\",status=\"" + label(parts.at(2)) + "\"} " +
               QByteArray::number(m_requests.value(key)) + '\n';
    }
    out += "# HELP threadline_http_request_duration_seconds Time to answer a REST API request.\n"
           "# TYPE threadline_http_request_duration_seconds histogram\n";
    QStringList routes = m_durations.keys();
    std::sort(routes.begin(), routes.end());
    for (const QString &route : std::as_const(routes)) {
        const Histogram &h = m_durations[route];
        const QByteArray r = "route=\"" + label(route) + '"';
        for (qsizetype i = 0; i < m_bounds.size(); ++i)
            out += "threadline_http_request_duration_seconds_bucket{" + r + ",le=\"" +
                   number(m_bounds.at(i)) + "\"} " + QByteArray::number(h.buckets.at(i)) + '\n';
        out += "threadline_http_request_duration_seconds_bucket{" + r + ",le=\"+Inf\"} " +
               QByteArray::number(h.count) + '\n';
        out += "threadline_http_request_duration_seconds_sum{" + r + "} " + number(h.sum) + '\n';
        out +=
            "threadline_http_request_duration_seconds_count{" + r + "} " + QByteArray::number(h.count) + '\n';
    }
    out +=
        "# HELP threadline_http_refused_total Requests refused before routing (size, framing, connections).\n"
        "# TYPE threadline_http_refused_total counter\n";
    QList<int> statuses = m_refused.keys();
    std::sort(statuses.begin(), statuses.end());
    for (int s : std::as_const(statuses))
        out += "threadline_http_refused_total{status=\"" + QByteArray::number(s) + "\"} " +
               QByteArray::number(m_refused.value(s)) + '\n';
    out += "# HELP threadline_stream_clients WebSocket stream clients connected.\n"
           "# TYPE threadline_stream_clients gauge\n"
           "threadline_stream_clients " +
           QByteArray::number(m_streamClients) +
           "\n"
           "# HELP threadline_stream_events_total Change events published on the stream.\n"
           "# TYPE threadline_stream_events_total counter\n"
           "threadline_stream_events_total " +
           QByteArray::number(m_streamEvents) +
           "\n"
           "# HELP threadline_stream_deliveries_total Change event messages sent to stream clients.\n"
           "# TYPE threadline_stream_deliveries_total counter\n"
           "threadline_stream_deliveries_total " +
           QByteArray::number(m_streamDeliveries) + '\n';
    if (m_extra)
        out += m_extra();
    return out;
}

} // namespace threadline
