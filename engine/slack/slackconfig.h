#pragma once

#include <QString>
#include <QUrl>

namespace threadline::slack {

//! Where the Slack Web API lives and the secrets to talk to it. Never log any of the secrets.
struct SlackConfig
{
    QUrl apiUrl = defaultApiUrl(); //!< always ends with '/'
    QString botToken;              //!< xoxb-…: Web API calls and file downloads
    QString appToken;              //!< xapp-…: apps.connections.open (Socket Mode) only
    QString signingSecret;         //!< HTTP Events receiver

    static QUrl defaultApiUrl() { return QUrl(QStringLiteral("https://slack.com/api/")); }

    //! Reads THREADLINE_SLACK_API_URL, THREADLINE_SLACK_BOT_TOKEN, THREADLINE_SLACK_APP_TOKEN and
    //! THREADLINE_SLACK_SIGNING_SECRET; unset variables keep the values of \a base.
    static SlackConfig fromEnvironment(const SlackConfig &base);
    static SlackConfig fromEnvironment();

    //! Adds the trailing slash Slack's SDKs add, so "http://host/api" and "http://host/api/" agree.
    static QUrl normalizedApiUrl(const QUrl &url);
};

//! The base URL plus the one token a call authenticates with.
struct SlackEndpoint
{
    QUrl apiUrl = SlackConfig::defaultApiUrl();
    QString token;

    //! The URL of a Web API method, e.g. "chat.postMessage".
    QUrl methodUrl(const QString &method) const;
};

} // namespace threadline::slack
