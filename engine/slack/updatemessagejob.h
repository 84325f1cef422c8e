#pragma once

#include "slack/slackapijob.h"

#include <QJsonArray>

#include <optional>

namespace threadline::slack {

//! The arguments of chat.update. Slack semantics: text without blocks removes the blocks; an
//! omitted metadata keeps the old one.
struct UpdateMessageArgs
{
    QString channel; //!< must be the D… id for DMs
    QString ts;
    QString text;
    std::optional<QJsonArray> blocks;
    std::optional<QJsonObject> metadata;
};

//! chat.update (Tier 3). Only the bot's own messages can be edited (else cant_update_message).
class UpdateMessageJob : public SlackApiJob
{
    Q_OBJECT
public:
    UpdateMessageJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const UpdateMessageArgs &args,
                     QObject *parent = nullptr);
    QString ts() const { return m_ts; }
    QString text() const { return m_text; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QString m_ts;
    QString m_text;
};

} // namespace threadline::slack
