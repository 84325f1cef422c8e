#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! users.lookupByEmail (Tier 3; needs users:read.email).
class UsersLookupByEmailJob : public SlackApiJob
{
    Q_OBJECT
public:
    UsersLookupByEmailJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &email,
                          QObject *parent = nullptr);
    const SlackUser &user() const { return m_user; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    SlackUser m_user;
};

} // namespace threadline::slack
