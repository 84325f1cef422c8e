#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! conversations.history (Tier 3): one page of a conversation's top-level messages, newest first.
class ConversationsHistoryJob : public SlackApiJob
{
    Q_OBJECT
public:
    struct Args
    {
        QString channel;
        QString cursor;
        QString oldest;
        QString latest;
        int limit = 100;
        bool inclusive = false;
        bool includeAllMetadata = true;
    };
    ConversationsHistoryJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const Args &args,
                            QObject *parent = nullptr);
    const QList<SlackMessage> &messages() const { return m_messages; }
    bool hasMore() const { return m_hasMore; }
    QString nextCursor() const { return m_nextCursor; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QList<SlackMessage> m_messages;
    QString m_nextCursor;
    bool m_hasMore = false;
};

} // namespace threadline::slack
