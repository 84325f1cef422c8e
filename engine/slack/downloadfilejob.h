#pragma once

#include "slack/slackjob.h"

#include <QUrl>

class QIODevice;

namespace threadline::slack {

//! GET url_private_download with the bot token, streamed into \a sink as it arrives (not owned;
//! must stay open for writing until the job finishes). Fails with TooLarge past \a maxBytes, and
//! with FixConfiguration when Slack serves its HTML login page instead of the file.
class DownloadFileJob : public SlackJob
{
    Q_OBJECT
public:
    DownloadFileJob(QNetworkAccessManager *nam, const QUrl &url, const QString &botToken, QIODevice *sink,
                    qint64 maxBytes = -1, QObject *parent = nullptr);
    //! Set when the file itself is HTML, so an HTML answer is not taken for the login page.
    void setExpectHtml(bool expectHtml) { m_expectHtml = expectHtml; }
    qint64 bytesWritten() const { return m_written; }
    QString contentType() const { return m_contentType; }

private:
    QNetworkReply *sendRequest() override;
    void handleReadyRead(QNetworkReply *reply) override;
    std::optional<SlackFailure> handleReply(QNetworkReply *reply) override;

    QUrl m_url;
    QString m_token;
    QIODevice *m_sink;
    qint64 m_maxBytes;
    qint64 m_written = 0;
    QString m_contentType;
    bool m_expectHtml = false;
};

} // namespace threadline::slack
