#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! conversations.replies (Tier 3; 1/min for some non-Marketplace apps): one page of a thread,
//! parent first. Used for reconciliation, never for polling.
class ConversationsRepliesJob : public SlackApiJob
{
    Q_OBJECT
public:
    struct Args
    {
        QString channel;
        QString ts; //!< the thread parent
        QString cursor;
        QString oldest;
        int limit = 100;
        bool includeAllMetadata = true;
    };
    ConversationsRepliesJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const Args &args,
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
