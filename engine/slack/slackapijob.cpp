#include "slack/slackapijob.h"

#include "core/logging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace threadline::slack {

SlackApiJob::SlackApiJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &method,
                         QObject *parent)
    : SlackJob(nam, method, parent)
    , m_endpoint(endpoint)
{}

QStringList SlackApiJob::warnings() const
{
    const QString warning = m_response.value(QStringLiteral("warning")).toString();
    return warning.isEmpty() ? QStringList() : warning.split(QLatin1Char(','), Qt::SkipEmptyParts);
}

QString SlackApiJob::nextCursorOf(const QJsonObject &response)
{
    return response.value(QStringLiteral("response_metadata"))
        .toObject()
        .value(QStringLiteral("next_cursor"))
        .toString();
}

void SlackApiJob::addArg(const QString &key, const QString &value)
{
    m_args.append({key, value});
}

void SlackApiJob::addArg(const QString &key, bool value)
{
    m_args.append({key, value ? QStringLiteral("true") : QStringLiteral("false")});
}

void SlackApiJob::addArg(const QString &key, qint64 value)
{
    m_args.append({key, QString::number(value)});
}

void SlackApiJob::addJsonArg(const QString &key, const QJsonValue &value)
{
    QByteArray json;
    if (value.isObject())
        json = QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    else if (value.isArray())
        json = QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    else
        json = value.toVariant().toString().toUtf8();
    m_args.append({key, QString::fromUtf8(json)});
}

QByteArray SlackApiJob::encodedBody() const
{
    QByteArray body;
    for (const auto &[key, value] : m_args) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(key) + '=' + QUrl::toPercentEncoding(value);
    }
    return body;
}

QNetworkReply *SlackApiJob::sendRequest()
{
    QNetworkRequest request(m_endpoint.methodUrl(method()));
    prepareRequest(request, m_endpoint.token);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArray("application/x-www-form-urlencoded; charset=utf-8"));
    return networkAccessManager()->post(request, encodedBody());
}

std::optional<SlackFailure> SlackApiJob::handleReply(QNetworkReply *reply)
{
    if (auto failure = transportFailure(reply))
        return failure;
    const QByteArray body = reply->readAll();
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        qCWarning(lcSlack) << requestId() << method() << "answered with a body that is not a JSON object";
        return SlackFailure{
            makeError(ErrorCode::Unavailable,
                      QStringLiteral("Slack answered %1 with an unreadable response").arg(method()), {},
                      QStringLiteral("invalid_response")),
            SlackErrorAction::Retry};
    }
    m_response = document.object();
    if (!m_response.value(QStringLiteral("ok")).toBool()) {
        const QString code = m_response.value(QStringLiteral("error")).toString();
        return slackApiFailure(method(), code, parseRetryAfterMs(reply->rawHeader("Retry-After")));
    }
    const Result<void> parsed = parseResponse(m_response);
    if (!parsed.ok())
        return SlackFailure{parsed.error(), SlackErrorAction::GiveUp};
    return std::nullopt;
}

} // namespace threadline::slack
