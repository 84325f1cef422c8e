#include "slack/slackstats.h"

#include <QMutexLocker>

#include <algorithm>

namespace threadline::slack {

namespace {

QByteArray number(double v)
{
    return QByteArray::number(v, 'g', 12);
}

//! Label values are method names and fixed words; escape anyway (Prometheus text format 0.0.4).
QByteArray label(const QString &value)
{
    QByteArray out = value.toUtf8();
    out.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return out;
}

} // namespace

SlackStats &SlackStats::global()
{
    static SlackStats stats;
    return stats;
}

SlackStats::SlackStats()
{
    m_ack.bounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
    m_ack.counts.fill(0, m_ack.bounds.size());
    m_delivery.bounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800};
    m_delivery.counts.fill(0, m_delivery.bounds.size());
}

void SlackStats::Histogram::observe(double v)
{
    if (!(v >= 0))
        v = 0; // NaN or a clock step backwards
    ++count;
    sum += v;
    for (qsizetype i = 0; i < bounds.size(); ++i) {
        if (v <= bounds[i]) {
            ++counts[i];
            break;
        }
    }
}

QByteArray SlackStats::Histogram::render(const QByteArray &name) const
{
    QByteArray out;
    quint64 cumulative = 0;
    for (qsizetype i = 0; i < bounds.size(); ++i) {
        cumulative += counts[i];
        out += name + "_bucket{le=\"" + number(bounds[i]) + "\"} " + QByteArray::number(cumulative) + '\n';
    }
    out += name + "_bucket{le=\"+Inf\"} " + QByteArray::number(count) + '\n';
    out += name + "_sum " + number(sum) + '\n';
    out += name + "_count " + QByteArray::number(count) + '\n';
    return out;
}

void SlackStats::recordCall(const QString &method, const QString &outcome, int httpStatus)
{
    QMutexLocker lock(&m_mutex);
    ++m_calls[method + QLatin1Char('\t') + outcome];
    if (httpStatus == 429)
        ++m_http429;
}

void SlackStats::recordInbound(const QString &transport, bool duplicate, double ackSeconds)
{
    QMutexLocker lock(&m_mutex);
    ++m_inbound[transport + QLatin1Char('\t') +
                (duplicate ? QStringLiteral("duplicate") : QStringLiteral("stored"))];
    m_ack.observe(ackSeconds);
}

void SlackStats::recordDelivery(double seconds)
{
    QMutexLocker lock(&m_mutex);
    m_delivery.observe(seconds);
}

quint64 SlackStats::calls(const QString &method, const QString &outcome) const
{
    QMutexLocker lock(&m_mutex);
    return m_calls.value(method + QLatin1Char('\t') + outcome);
}

quint64 SlackStats::http429() const
{
    QMutexLocker lock(&m_mutex);
    return m_http429;
}

quint64 SlackStats::inboundEvents() const
{
    QMutexLocker lock(&m_mutex);
    quint64 n = 0;
    for (quint64 v : m_inbound)
        n += v;
    return n;
}

quint64 SlackStats::deliveries() const
{
    QMutexLocker lock(&m_mutex);
    return m_delivery.count;
}

void SlackStats::reset()
{
    QMutexLocker lock(&m_mutex);
    m_calls.clear();
    m_http429 = 0;
    m_inbound.clear();
    for (Histogram *h : {&m_ack, &m_delivery}) {
        h->counts.fill(0);
        h->count = 0;
        h->sum = 0;
    }
}

QByteArray SlackStats::render() const
{
    QMutexLocker lock(&m_mutex);
    QByteArray out;
    out += "# HELP threadline_slack_calls_total Slack Web API calls finished, by method and outcome.\n"
           "# TYPE threadline_slack_calls_total counter\n";
    QStringList keys = m_calls.keys();
    std::sort(keys.begin(), keys.end());
    for (const QString &k : std::as_const(keys)) {
        const qsizetype tab = k.indexOf(QLatin1Char('\t'));
        out += "threadline_slack_calls_total{method=\"" + label(k.left(tab)) + "\",outcome=\"" +
               label(k.mid(tab + 1)) + "\"} " + QByteArray::number(m_calls.value(k)) + '\n';
    }
    out += "# HELP threadline_slack_http_429_total Slack answers with HTTP 429 Too Many Requests.\n"
           "# TYPE threadline_slack_http_429_total counter\nthreadline_slack_http_429_total " +
           QByteArray::number(m_http429) + '\n';
    out += "# HELP threadline_inbound_events_total Slack events received, by transport and result.\n"
           "# TYPE threadline_inbound_events_total counter\n";
    keys = m_inbound.keys();
    std::sort(keys.begin(), keys.end());
    for (const QString &k : std::as_const(keys)) {
        const qsizetype tab = k.indexOf(QLatin1Char('\t'));
        out += "threadline_inbound_events_total{transport=\"" + label(k.left(tab)) + "\",result=\"" +
               label(k.mid(tab + 1)) + "\"} " + QByteArray::number(m_inbound.value(k)) + '\n';
    }
    out += "# HELP threadline_inbound_ack_seconds Slack event received until stored and acknowledged.\n"
           "# TYPE threadline_inbound_ack_seconds histogram\n";
    out += m_ack.render("threadline_inbound_ack_seconds");
    out += "# HELP threadline_delivery_seconds A desk update written until posted in a follower's thread.\n"
           "# TYPE threadline_delivery_seconds histogram\n";
    out += m_delivery.render("threadline_delivery_seconds");
    return out;
}

} // namespace threadline::slack
