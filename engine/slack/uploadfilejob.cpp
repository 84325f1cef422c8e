#include "slack/uploadfilejob.h"

#include <QIODevice>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace threadline::slack {

UploadFileJob::UploadFileJob(QNetworkAccessManager *nam, const QUrl &uploadUrl, QIODevice *source,
                             qint64 size, const QString &bearerToken, QObject *parent)
    : SlackJob(nam, QStringLiteral("files.upload_url"), parent)
    , m_url(uploadUrl)
    , m_source(source)
    , m_size(size)
    , m_token(bearerToken)
{}

QNetworkReply *UploadFileJob::sendRequest()
{
    if (!m_source || !m_source->isOpen() || !m_source->isReadable() || m_size < 0) {
        fail(SlackFailure{makeError(ErrorCode::Invalid, QStringLiteral("The file to upload cannot be read")),
                          SlackErrorAction::GiveUp});
        return nullptr;
    }
    QNetworkRequest request(m_url);
    prepareRequest(request, m_token);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/octet-stream"));
    request.setHeader(QNetworkRequest::ContentLengthHeader, m_size);
    return networkAccessManager()->post(request, m_source);
}

std::optional<SlackFailure> UploadFileJob::handleReply(QNetworkReply *reply)
{
    return transportFailure(reply);
}

} // namespace threadline::slack
