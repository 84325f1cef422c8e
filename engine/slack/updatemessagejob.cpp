#include "slack/updatemessagejob.h"

#include "slack/slacktypes.h"

namespace threadline::slack {

UpdateMessageJob::UpdateMessageJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                   const UpdateMessageArgs &args, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("chat.update"), parent)
{
    setChannel(args.channel);
    addArg(QStringLiteral("channel"), args.channel);
    addArg(QStringLiteral("ts"), args.ts);
    addArg(QStringLiteral("text"), args.text);
    if (args.blocks)
        addJsonArg(QStringLiteral("blocks"), *args.blocks);
    if (args.metadata)
        addJsonArg(QStringLiteral("metadata"), *args.metadata);
}

Result<void> UpdateMessageJob::parseResponse(const QJsonObject &response)
{
    m_ts = jsonString(response, QStringLiteral("ts"));
    m_text = jsonString(response, QStringLiteral("text"));
    return {};
}

} // namespace threadline::slack
