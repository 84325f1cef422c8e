#include "slack/connectionsopenjob.h"

#include "slack/slacktypes.h"

namespace threadline::slack {

ConnectionsOpenJob::ConnectionsOpenJob(QNetworkAccessManager *nam, const SlackEndpoint &appEndpoint,
                                       QObject *parent)
    : SlackApiJob(nam, appEndpoint, QStringLiteral("apps.connections.open"), parent)
{}

Result<void> ConnectionsOpenJob::parseResponse(const QJsonObject &response)
{
    m_url = QUrl(jsonString(response, QStringLiteral("url")));
    const QString scheme = m_url.scheme();
    if (!m_url.isValid() || (scheme != QLatin1String("wss") && scheme != QLatin1String("ws")))
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("apps.connections.open returned no WebSocket URL"),
                         QStringLiteral("url"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
