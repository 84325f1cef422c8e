#include "slack/getuploadurljob.h"

#include "slack/slacktypes.h"

namespace threadline::slack {

GetUploadUrlJob::GetUploadUrlJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                 const QString &filename, qint64 length, const QString &altText,
                                 QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("files.getUploadURLExternal"), parent)
{
    addArg(QStringLiteral("filename"), filename);
    addArg(QStringLiteral("length"), length);
    if (!altText.isEmpty())
        addArg(QStringLiteral("alt_txt"), altText.left(1000));
}

Result<void> GetUploadUrlJob::parseResponse(const QJsonObject &response)
{
    m_uploadUrl = QUrl(jsonString(response, QStringLiteral("upload_url")));
    m_fileId = jsonString(response, QStringLiteral("file_id"));
    if (!m_uploadUrl.isValid() || m_uploadUrl.isRelative() || m_fileId.isEmpty())
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("files.getUploadURLExternal returned no upload URL"),
                         QStringLiteral("upload_url"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
