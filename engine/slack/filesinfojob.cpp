#include "slack/filesinfojob.h"

namespace threadline::slack {

FilesInfoJob::FilesInfoJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &fileId,
                           QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("files.info"), parent)
{
    addArg(QStringLiteral("file"), fileId);
}

Result<void> FilesInfoJob::parseResponse(const QJsonObject &response)
{
    m_file = SlackFile::fromJson(response.value(QStringLiteral("file")).toObject());
    if (m_file.id.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("files.info returned no file"),
                         QStringLiteral("file"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
