#include "slack/userslookupbyemailjob.h"

namespace threadline::slack {

UsersLookupByEmailJob::UsersLookupByEmailJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                             const QString &email, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("users.lookupByEmail"), parent)
{
    addArg(QStringLiteral("email"), email);
}

Result<void> UsersLookupByEmailJob::parseResponse(const QJsonObject &response)
{
    m_user = SlackUser::fromJson(response.value(QStringLiteral("user")).toObject());
    if (m_user.id.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("users.lookupByEmail returned no user"),
                         QStringLiteral("user"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
