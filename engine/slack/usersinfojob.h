#pragma once

#include "slack/userlookupjob.h"

namespace threadline::slack {

//! users.info (Tier 4).
class UsersInfoJob : public UserLookupJob
{
    Q_OBJECT
public:
    UsersInfoJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &userId,
                 QObject *parent = nullptr);

private:
    Result<void> parseResponse(const QJsonObject &response) override;
};

} // namespace threadline::slack
