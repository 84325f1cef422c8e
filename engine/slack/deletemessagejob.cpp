#include "slack/deletemessagejob.h"

#include "slack/slacktypes.h"

namespace threadline::slack {

DeleteMessageJob::DeleteMessageJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                   const QString &channel, const QString &ts, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("chat.delete"), parent)
{
    setChannel(channel);
    addArg(QStringLiteral("channel"), channel);
    addArg(QStringLiteral("ts"), ts);
}

Result<void> DeleteMessageJob::parseResponse(const QJsonObject &response)
{
    m_ts = jsonString(response, QStringLiteral("ts"));
    return {};
}

} // namespace threadline::slack
