#include "slack/usersinfojob.h"

#include <QJsonObject>

namespace threadline::slack {

UsersInfoJob::UsersInfoJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &userId,
                           QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("users.info"), parent)
{
    addArg(QStringLiteral("user"), userId);
}

Result<void> UsersInfoJob::parseResponse(const QJsonObject &response)
{
    const QJsonObject user = response.value(QStringLiteral("user")).toObject();
    // Slack's ids are strings; anything else is not a user object we can trust.
    m_user = user.value(QStringLiteral("id")).isString() ? SlackUser::fromJson(user) : SlackUser{};
    if (m_user.id.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("users.info returned no user"),
                         QStringLiteral("user"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
