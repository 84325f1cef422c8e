#include "slack/userlookupjob.h"

namespace threadline::slack {

Result<void> UserLookupJob::readUser(const QJsonObject &user)
{
    m_user = SlackUser::fromJson(user);
    if (m_user.id.isEmpty())
        return makeError(ErrorCode::Invalid, method() + QStringLiteral(" returned no user"),
                         QStringLiteral("user"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
