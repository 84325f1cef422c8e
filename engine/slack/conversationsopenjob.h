#pragma once

#include "slack/slackapijob.h"

namespace threadline::slack {

//! conversations.open (Tier 3): the DM channel (D…) between the app and one user. Cache the result.
class ConversationsOpenJob : public SlackApiJob
{
    Q_OBJECT
public:
    ConversationsOpenJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &userId,
                         QObject *parent = nullptr);
    QString channelId() const { return m_channelId; }
    bool alreadyOpen() const { return m_alreadyOpen; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QString m_channelId;
    bool m_alreadyOpen = false;
};

} // namespace threadline::slack
