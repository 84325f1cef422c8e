#pragma once

#include "slack/slackconfig.h"
#include "slack/slackjob.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QStringList>

namespace threadline::slack {

/*!
 * A Web API method call: POST {apiUrl}{method}, form-urlencoded body (complex arguments as JSON
 * strings, booleans as true/false, like Slack's Node SDK), token in `Authorization: Bearer`.
 * HTTP 200 with ok:false maps to a SlackFailure through classifySlackError(); subclasses only
 * declare the arguments and read the typed result in parseResponse().
 */
class SlackApiJob : public SlackJob
{
    Q_OBJECT

public:
    //! The whole response object, for fields the typed accessors do not cover.
    const QJsonObject &response() const { return m_response; }
    //! Slack's "warning" field, split on ','.
    QStringList warnings() const;
    //! The form body as sent (for tests and the wire log; it never contains the token).
    QByteArray encodedBody() const;

protected:
    SlackApiJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &method,
                QObject *parent);

    void addArg(const QString &key, const QString &value);
    void addArg(const QString &key, bool value);
    void addArg(const QString &key, qint64 value);
    //! Objects and arrays are sent as compact JSON strings.
    void addJsonArg(const QString &key, const QJsonValue &value);

    //! Reads the typed result from an ok:true response; an Error fails the job with GiveUp.
    virtual Result<void> parseResponse(const QJsonObject &response) = 0;

    //! A paginated response's response_metadata.next_cursor (empty on the last page).
    static QString nextCursorOf(const QJsonObject &response);

private:
    QNetworkReply *sendRequest() override;
    std::optional<SlackFailure> handleReply(QNetworkReply *reply) override;

    SlackEndpoint m_endpoint;
    QList<QPair<QString, QString>> m_args;
    QJsonObject m_response;
};

} // namespace threadline::slack
