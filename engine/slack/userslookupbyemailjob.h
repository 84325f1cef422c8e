#pragma once

#include "slack/userlookupjob.h"

namespace threadline::slack {

//! users.lookupByEmail (Tier 3; needs users:read.email).
class UsersLookupByEmailJob : public UserLookupJob
{
    Q_OBJECT
public:
    UsersLookupByEmailJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &email,
                          QObject *parent = nullptr);

private:
    Result<void> parseResponse(const QJsonObject &response) override;
};

} // namespace threadline::slack
