#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! auth.test: who the bot token belongs to (bot user id, bot id, app id, team id).
class AuthTestJob : public SlackApiJob
{
    Q_OBJECT
public:
    AuthTestJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, QObject *parent = nullptr);
    const SlackIdentity &identity() const { return m_identity; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    SlackIdentity m_identity;
};

} // namespace threadline::slack
