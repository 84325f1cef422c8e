#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! users.list (Tier 2), one page. Follow nextCursor() sequentially; never parallelise pagination.
class UsersListJob : public SlackApiJob
{
    Q_OBJECT
public:
    UsersListJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &cursor = {},
                 int limit = 200, QObject *parent = nullptr);
    const QList<SlackUser> &users() const { return m_users; }
    //! Empty on the last page.
    QString nextCursor() const { return m_nextCursor; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QList<SlackUser> m_users;
    QString m_nextCursor;
};

} // namespace threadline::slack
