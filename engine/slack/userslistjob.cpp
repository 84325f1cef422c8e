#include "slack/userslistjob.h"

namespace threadline::slack {

UsersListJob::UsersListJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &cursor,
                           int limit, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("users.list"), parent)
{
    if (!cursor.isEmpty())
        addArg(QStringLiteral("cursor"), cursor);
    addArg(QStringLiteral("limit"), qint64(limit));
}

Result<void> UsersListJob::parseResponse(const QJsonObject &response)
{
    for (const QJsonValue &member : response.value(QStringLiteral("members")).toArray())
        m_users.append(SlackUser::fromJson(member.toObject()));
    m_nextCursor = nextCursorOf(response);
    return {};
}

} // namespace threadline::slack
