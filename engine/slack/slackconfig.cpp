#include "slack/slackconfig.h"

namespace threadline::slack {

SlackConfig SlackConfig::fromEnvironment(const SlackConfig &base)
{
    SlackConfig config = base;
    const auto read = [](const char *name, QString &target) {
        if (qEnvironmentVariableIsSet(name))
            target = qEnvironmentVariable(name);
    };
    QString url;
    read("THREADLINE_SLACK_API_URL", url);
    if (!url.isEmpty())
        config.apiUrl = QUrl(url);
    read("THREADLINE_SLACK_BOT_TOKEN", config.botToken);
    read("THREADLINE_SLACK_APP_TOKEN", config.appToken);
    read("THREADLINE_SLACK_SIGNING_SECRET", config.signingSecret);
    config.apiUrl = normalizedApiUrl(config.apiUrl);
    return config;
}

SlackConfig SlackConfig::fromEnvironment()
{
    return fromEnvironment(SlackConfig());
}

QUrl SlackConfig::normalizedApiUrl(const QUrl &url)
{
    QUrl result = url;
    if (!result.path().endsWith(QLatin1Char('/')))
        result.setPath(result.path() + QLatin1Char('/'));
    return result;
}

QUrl SlackEndpoint::methodUrl(const QString &method) const
{
    QUrl url = SlackConfig::normalizedApiUrl(apiUrl);
    url.setPath(url.path() + method);
    return url;
}

} // namespace threadline::slack
