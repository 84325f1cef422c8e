#pragma once

#include "slack/slackapijob.h"

namespace threadline::slack {

//! chat.delete (Tier 3). A bot may delete only its own messages (else cant_delete_message).
class DeleteMessageJob : public SlackApiJob
{
    Q_OBJECT
public:
    DeleteMessageJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &channel,
                     const QString &ts, QObject *parent = nullptr);
    QString ts() const { return m_ts; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QString m_ts;
};

} // namespace threadline::slack
