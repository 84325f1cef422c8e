#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! files.completeUploadExternal (Tier 4): step 3 of an upload; shares the file into the thread
//! (\a channelId + \a threadTs), which posts a file_share message (our own echo).
class CompleteUploadJob : public SlackApiJob
{
    Q_OBJECT
public:
    struct FileRef
    {
        QString id;
        QString title;
    };
    CompleteUploadJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QList<FileRef> &files,
                      const QString &channelId, const QString &threadTs, const QString &initialComment = {},
                      QObject *parent = nullptr);
    const QList<SlackFile> &files() const { return m_files; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    QList<SlackFile> m_files;
};

} // namespace threadline::slack
