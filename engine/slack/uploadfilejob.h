#pragma once

#include "slack/slackjob.h"

#include <QUrl>

class QIODevice;

namespace threadline::slack {

//! Step 2 of an upload: POST the raw bytes to the upload_url from GetUploadUrlJob. The body is
//! streamed from \a source (never read into memory at once); \a source must stay open until the
//! job finishes and is not owned. HTTP 200 = success, anything else fails.
class UploadFileJob : public SlackJob
{
    Q_OBJECT
public:
    UploadFileJob(QNetworkAccessManager *nam, const QUrl &uploadUrl, QIODevice *source, qint64 size,
                  const QString &bearerToken = {}, QObject *parent = nullptr);

private:
    QNetworkReply *sendRequest() override;
    std::optional<SlackFailure> handleReply(QNetworkReply *reply) override;

    QUrl m_url;
    QIODevice *m_source;
    qint64 m_size;
    QString m_token;
};

} // namespace threadline::slack
