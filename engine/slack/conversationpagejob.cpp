#include "slack/conversationpagejob.h"

#include <QJsonArray>

namespace threadline::slack {

ConversationPageJob::ConversationPageJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                         const QString &method, const QString &channel, QObject *parent)
    : SlackApiJob(nam, endpoint, method, parent)
{
    setChannel(channel);
    addArg(QStringLiteral("channel"), channel);
}

Result<void> ConversationPageJob::parseResponse(const QJsonObject &response)
{
    m_messages = SlackMessage::listFromJson(response.value(QStringLiteral("messages")).toArray());
    m_hasMore = response.value(QStringLiteral("has_more")).toBool();
    m_nextCursor = nextCursorOf(response);
    return {};
}

} // namespace threadline::slack
