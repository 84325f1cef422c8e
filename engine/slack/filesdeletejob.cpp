#include "slack/filesdeletejob.h"

namespace threadline::slack {

FilesDeleteJob::FilesDeleteJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                               const QString &fileId, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("files.delete"), parent)
{
    addArg(QStringLiteral("file"), fileId);
}

Result<void> FilesDeleteJob::parseResponse(const QJsonObject &)
{
    return {};
}

} // namespace threadline::slack
