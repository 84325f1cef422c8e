#include "slack/usersinfojob.h"

#include <QJsonObject>

namespace threadline::slack {

UsersInfoJob::UsersInfoJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &userId,
                           QObject *parent)
    : UserLookupJob(nam, endpoint, QStringLiteral("users.info"), parent)
{
    addArg(QStringLiteral("user"), userId);
}

Result<void> UsersInfoJob::parseResponse(const QJsonObject &response)
{
    const QJsonObject user = response.value(QStringLiteral("user")).toObject();
    // Slack's ids are strings; anything else is not a user object we can trust.
    return readUser(user.value(QStringLiteral("id")).isString() ? user : QJsonObject());
}

} // namespace threadline::slack
