#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

#include <QJsonArray>

#include <optional>

namespace threadline::slack {

//! The arguments Threadline sends with chat.postMessage. `text` must already be Slack-encoded
//! (see Mrkdwn::encode); it is the notification fallback when blocks are given.
struct PostMessageArgs
{
    QString channel; //!< the D… id from conversations.open
    QString text;
    QString threadTs; //!< the parent's ts; empty for a top-level message
    QJsonArray blocks;
    std::optional<QJsonObject> metadata; //!< {"event_type":…, "event_payload":{…}}
    bool unfurlLinks = false;
    bool unfurlMedia = false;
};

//! chat.postMessage (special tier: ~1/s per channel plus a workspace budget).
class PostMessageJob : public SlackApiJob
{
    Q_OBJECT
public:
    PostMessageJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const PostMessageArgs &args,
                   QObject *parent = nullptr);
    QString postedChannel() const { return m_channel; }
    //! The new message's ts, verbatim.
    QString ts() const { return m_ts; }
    const SlackMessage &message() const { return m_message; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QString m_channel;
    QString m_ts;
    SlackMessage m_message;
};

} // namespace threadline::slack
