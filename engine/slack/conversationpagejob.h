#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! One page of a conversation's messages (conversations.history, conversations.replies): the
//! messages, whether more follow and the cursor of the next page. Subclasses add the method's
//! arguments after the channel.
class ConversationPageJob : public SlackApiJob
{
    Q_OBJECT
public:
    const QList<SlackMessage> &messages() const { return m_messages; }
    bool hasMore() const { return m_hasMore; }
    QString nextCursor() const { return m_nextCursor; }

protected:
    ConversationPageJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &method,
                        const QString &channel, QObject *parent);

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QList<SlackMessage> m_messages;
    QString m_nextCursor;
    bool m_hasMore = false;
};

} // namespace threadline::slack
