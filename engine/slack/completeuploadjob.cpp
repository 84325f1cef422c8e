#include "slack/completeuploadjob.h"

namespace threadline::slack {

CompleteUploadJob::CompleteUploadJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                     const QList<FileRef> &files, const QString &channelId,
                                     const QString &threadTs, const QString &initialComment, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("files.completeUploadExternal"), parent)
{
    setChannel(channelId);
    QJsonArray array;
    for (const FileRef &file : files) {
        QJsonObject object{{QStringLiteral("id"), file.id}};
        if (!file.title.isEmpty())
            object.insert(QStringLiteral("title"), file.title);
        array.append(object);
    }
    addJsonArg(QStringLiteral("files"), array);
    if (!channelId.isEmpty())
        addArg(QStringLiteral("channel_id"), channelId);
    if (!threadTs.isEmpty())
        addArg(QStringLiteral("thread_ts"), threadTs);
    if (!initialComment.isEmpty())
        addArg(QStringLiteral("initial_comment"), initialComment);
}

Result<void> CompleteUploadJob::parseResponse(const QJsonObject &response)
{
    m_files = SlackFile::listFromJson(response.value(QStringLiteral("files")).toArray());
    return {};
}

} // namespace threadline::slack
