#include "slack/conversationsopenjob.h"

#include "slack/slacktypes.h"

namespace threadline::slack {

ConversationsOpenJob::ConversationsOpenJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                           const QString &userId, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("conversations.open"), parent)
{
    addArg(QStringLiteral("users"), userId);
}

Result<void> ConversationsOpenJob::parseResponse(const QJsonObject &response)
{
    m_channelId = jsonString(response.value(QStringLiteral("channel")).toObject(), QStringLiteral("id"));
    m_alreadyOpen = response.value(QStringLiteral("already_open")).toBool();
    if (m_channelId.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("conversations.open returned no channel"),
                         QStringLiteral("channel"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
