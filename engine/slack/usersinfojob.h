#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! users.info (Tier 4).
class UsersInfoJob : public SlackApiJob
{
    Q_OBJECT
public:
    UsersInfoJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &userId,
                 QObject *parent = nullptr);
    const SlackUser &user() const { return m_user; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    SlackUser m_user;
};

} // namespace threadline::slack
