#pragma once

#include "slack/slackapijob.h"

namespace threadline::slack {

//! apps.connections.open (Tier 1) with the app-level token (xapp-…) in the Authorization header:
//! a fresh, temporary WebSocket URL for Socket Mode.
class ConnectionsOpenJob : public SlackApiJob
{
    Q_OBJECT
public:
    ConnectionsOpenJob(QNetworkAccessManager *nam, const SlackEndpoint &appEndpoint,
                       QObject *parent = nullptr);
    QUrl url() const { return m_url; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QUrl m_url;
};

} // namespace threadline::slack
