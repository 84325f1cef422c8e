#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! A Web API call that answers with one user object (users.info, users.lookupByEmail).
class UserLookupJob : public SlackApiJob
{
    Q_OBJECT
public:
    const SlackUser &user() const { return m_user; }

protected:
    using SlackApiJob::SlackApiJob;

    //! Keeps the user read from `user`; a user without an id fails the job as invalid_response.
    Result<void> readUser(const QJsonObject &user);

private:
    SlackUser m_user;
};

} // namespace threadline::slack
