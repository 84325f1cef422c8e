#include "slack/userslookupbyemailjob.h"

namespace threadline::slack {

UsersLookupByEmailJob::UsersLookupByEmailJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                             const QString &email, QObject *parent)
    : UserLookupJob(nam, endpoint, QStringLiteral("users.lookupByEmail"), parent)
{
    addArg(QStringLiteral("email"), email);
}

Result<void> UsersLookupByEmailJob::parseResponse(const QJsonObject &response)
{
    return readUser(response.value(QStringLiteral("user")).toObject());
}

} // namespace threadline::slack
