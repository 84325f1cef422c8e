#include "slack/downloadfilejob.h"

#include <QIODevice>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace threadline::slack {

DownloadFileJob::DownloadFileJob(QNetworkAccessManager *nam, const QUrl &url, const QString &botToken,
                                 QIODevice *sink, qint64 maxBytes, QObject *parent)
    : SlackJob(nam, QStringLiteral("files.download"), parent)
    , m_url(url)
    , m_token(botToken)
    , m_sink(sink)
    , m_maxBytes(maxBytes)
{}

QNetworkReply *DownloadFileJob::sendRequest()
{
    if (!m_sink || !m_sink->isOpen() || !m_sink->isWritable()) {
        fail(SlackFailure{
            makeError(ErrorCode::Invalid, QStringLiteral("The download target cannot be written")),
            SlackErrorAction::GiveUp});
        return nullptr;
    }
    QNetworkRequest request(m_url);
    prepareRequest(request, m_token);
    // Keep the bearer token on the same origin only: never follow a redirect to another host with it.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::SameOriginRedirectPolicy);
    return networkAccessManager()->get(request);
}

void DownloadFileJob::handleReadyRead(QNetworkReply *reply)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return; // error bodies are not the file
    m_contentType = reply->header(QNetworkRequest::ContentTypeHeader).toString();
    if (!m_expectHtml && m_contentType.startsWith(QLatin1String("text/html"))) {
        fail(SlackFailure{
            makeError(ErrorCode::Unauthorized,
                      QStringLiteral("Slack served a login page instead of the file; check files:read"), {},
                      QStringLiteral("html_instead_of_file")),
            SlackErrorAction::FixConfiguration});
        return;
    }
    const QByteArray chunk = reply->readAll();
    if (m_maxBytes >= 0 && m_written + chunk.size() > m_maxBytes) {
        fail(SlackFailure{makeError(ErrorCode::TooLarge, QStringLiteral("The file is larger than allowed"),
                                    {}, QStringLiteral("file_too_large")),
                          SlackErrorAction::GiveUp});
        return;
    }
    if (m_sink->write(chunk) != chunk.size()) {
        fail(SlackFailure{makeError(ErrorCode::Internal,
                                    QStringLiteral("The downloaded file could not be stored"), {},
                                    m_sink->errorString()),
                          SlackErrorAction::Retry});
        return;
    }
    m_written += chunk.size();
}

std::optional<SlackFailure> DownloadFileJob::handleReply(QNetworkReply *reply)
{
    if (auto failure = transportFailure(reply))
        return failure;
    handleReadyRead(reply);
    if (isFinished())
        return SlackFailure{error(), errorAction()};
    return std::nullopt;
}

} // namespace threadline::slack
