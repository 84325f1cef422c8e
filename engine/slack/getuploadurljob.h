#pragma once

#include "slack/slackapijob.h"

namespace threadline::slack {

//! files.getUploadURLExternal (Tier 4): step 1 of an upload.
class GetUploadUrlJob : public SlackApiJob
{
    Q_OBJECT
public:
    GetUploadUrlJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &filename,
                    qint64 length, const QString &altText = {}, QObject *parent = nullptr);
    QUrl uploadUrl() const { return m_uploadUrl; }
    QString fileId() const { return m_fileId; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QUrl m_uploadUrl;
    QString m_fileId;
};

} // namespace threadline::slack
