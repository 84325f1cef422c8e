#include "slack/authtestjob.h"

namespace threadline::slack {

AuthTestJob::AuthTestJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("auth.test"), parent)
{}

Result<void> AuthTestJob::parseResponse(const QJsonObject &r)
{
    m_identity.userId = jsonString(r, QStringLiteral("user_id"));
    m_identity.botId = jsonString(r, QStringLiteral("bot_id"));
    m_identity.appId = jsonString(r, QStringLiteral("app_id"));
    m_identity.teamId = jsonString(r, QStringLiteral("team_id"));
    m_identity.team = jsonString(r, QStringLiteral("team"));
    m_identity.url = jsonString(r, QStringLiteral("url"));
    m_identity.enterpriseId = jsonString(r, QStringLiteral("enterprise_id"));
    if (!m_identity.isValid())
        return makeError(ErrorCode::Invalid, QStringLiteral("auth.test did not say who we are"),
                         QStringLiteral("user_id"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
