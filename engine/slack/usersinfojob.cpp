#include "slack/usersinfojob.h"

namespace threadline::slack {

UsersInfoJob::UsersInfoJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &userId,
                           QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("users.info"), parent)
{
    addArg(QStringLiteral("user"), userId);
}

Result<void> UsersInfoJob::parseResponse(const QJsonObject &response)
{
    m_user = SlackUser::fromJson(response.value(QStringLiteral("user")).toObject());
    if (m_user.id.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("users.info returned no user"),
                         QStringLiteral("user"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
