#include "files/filedownloader.h"

#include "core/logging.h"
#include "files/filedetect.h"
#include "files/filestore.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace threadline::files {

FileDownloader::FileDownloader(QNetworkAccessManager *nam, const FilesOptions &options, QObject *parent)
    : QObject(parent)
    , m_nam(nam)
    , m_options(options)
{}

FileDownloader::~FileDownloader()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        delete m_reply.data();
    }
}

void FileDownloader::start(const QUrl &url, const QString &botToken, StagedFile *sink,
                           const QString &claimedMimeType, const QString &fileName, Done done)
{
    m_token = botToken;
    m_sink = sink;
    m_claimed = claimedMimeType;
    m_name = fileName;
    m_done = std::move(done);
    QTimer::singleShot(0, this, [this, url] {
        if (!hostAllowed(url, m_options.downloadHosts)) {
            fail(
                true, ErrorCode::Forbidden,
                QStringLiteral("the file is hosted outside Slack's file hosts (%1), so it was not downloaded")
                    .arg(url.host().left(100)),
                QStringLiteral("host_not_allowed"));
            return;
        }
        send(url);
    });
}

void FileDownloader::abort()
{
    m_finished = true;
    dropReply();
}

void FileDownloader::dropReply()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
        m_reply = nullptr;
    }
}

void FileDownloader::send(const QUrl &url)
{
    if (auto r = m_sink->reset(); !r) {
        fail(false, r.error().code, r.error().message, QStringLiteral("storage"));
        return;
    }
    m_headChecked = false;
    QNetworkRequest request(url);
    // Redirects are followed by hand so that every target is checked against the allow-list first.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setTransferTimeout(60'000);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", QByteArray("Bearer ") + m_token.toUtf8());
    QNetworkReply *reply = m_nam->get(request);
    reply->setReadBufferSize(ReadBufferBytes);
    m_reply = reply;
    connect(reply, &QNetworkReply::readyRead, this, &FileDownloader::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &FileDownloader::onFinished);
}

void FileDownloader::onReadyRead()
{
    QNetworkReply *reply = m_reply;
    if (!reply || m_finished)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200) {
        // Redirect and error bodies are not the file: drain them, bounded.
        reply->skip(reply->bytesAvailable());
        return;
    }
    if (m_sink->size() == 0 && !m_headChecked) {
        const qint64 declared = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        if (m_options.maxBytes >= 0 && declared > m_options.maxBytes) {
            fail(true, ErrorCode::TooLarge,
                 QStringLiteral("the file is larger than the %1 MB limit")
                     .arg(m_options.maxBytes / (1024 * 1024)),
                 QStringLiteral("file_too_large"));
            return;
        }
    }
    char buffer[64 * 1024];
    while (reply->bytesAvailable() > 0) {
        const qint64 n = reply->read(buffer, sizeof buffer);
        if (n <= 0)
            break;
        if (m_options.maxBytes >= 0 && m_sink->size() + n > m_options.maxBytes) {
            fail(true, ErrorCode::TooLarge,
                 QStringLiteral("the file is larger than the %1 MB limit")
                     .arg(m_options.maxBytes / (1024 * 1024)),
                 QStringLiteral("file_too_large"));
            return;
        }
        if (auto w = m_sink->write(buffer, n); !w) {
            fail(false, w.error().code, w.error().message, QStringLiteral("storage"));
            return;
        }
        if (!checkHead(false))
            return;
    }
}

bool FileDownloader::checkHead(bool final)
{
    if (m_headChecked)
        return true;
    if (!final && m_sink->head().size() < SniffBytes)
        return true;
    m_headChecked = true;
    const QString contentType =
        m_reply ? m_reply->header(QNetworkRequest::ContentTypeHeader).toString() : QString();
    SignatureVerdict verdict = checkSignature(m_sink->head(), m_claimed, m_name);
    const bool claimsHtml = m_claimed.startsWith(QLatin1String("text/html")) ||
                            mimeTypeForExtension(fileExtension(m_name)) == QLatin1String("text/html");
    if (verdict.ok && contentType.startsWith(QLatin1String("text/html"), Qt::CaseInsensitive) &&
        !claimsHtml && !isKnownImageType(verdict.mimeType) &&
        verdict.mimeType != QLatin1String("application/pdf")) {
        verdict.ok = false;
        verdict.code = QStringLiteral("html_instead_of_file");
        verdict.reason =
            QStringLiteral("an HTML page arrived instead of the file (a sign-in page or an error "
                           "page), so it was not stored");
    }
    if (!verdict.ok) {
        fail(true, ErrorCode::Invalid, verdict.reason, verdict.code);
        return false;
    }
    m_mimeType = verdict.mimeType;
    return true;
}

void FileDownloader::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply || m_finished)
        return;
    onReadyRead();
    if (m_finished)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    const QUrl url = reply->url();
    const QByteArray location = reply->rawHeader("Location");
    reply->disconnect(this);
    reply->deleteLater();
    m_reply = nullptr;
    if (status >= 300 && status < 400 && status != 304) {
        const QUrl target = url.resolved(QUrl::fromEncoded(location.trimmed()));
        if (location.isEmpty() || !target.isValid()) {
            fail(true, ErrorCode::Invalid, QStringLiteral("the file host sent a redirect without a target"),
                 QStringLiteral("invalid_redirect"));
            return;
        }
        if (++m_redirects > m_options.maxRedirects) {
            fail(true, ErrorCode::Invalid,
                 QStringLiteral("the file host redirected more than %1 times").arg(m_options.maxRedirects),
                 QStringLiteral("too_many_redirects"));
            return;
        }
        if (!hostAllowed(target, m_options.downloadHosts)) {
            qCWarning(lcFiles) << "file download: a redirect to" << target.host().left(100)
                               << "outside the allowed file hosts was not followed";
            fail(true, ErrorCode::Forbidden,
                 QStringLiteral("the file host redirected outside Slack's file hosts (%1), so the download "
                                "stopped")
                     .arg(target.host().left(100)),
                 QStringLiteral("redirect_not_allowed"));
            return;
        }
        send(target);
        return;
    }
    if (status == 0 || (error != QNetworkReply::NoError && status == 200)) {
        fail(false, ErrorCode::Unavailable, QStringLiteral("the file host could not be reached"),
             QStringLiteral("network"));
        return;
    }
    if (status != 200) {
        const bool permanent = status == 404 || status == 410 || status == 401 || status == 403;
        fail(permanent, permanent ? ErrorCode::NotFound : ErrorCode::Unavailable,
             permanent ? QStringLiteral("Slack did not give the file out (HTTP %1)").arg(status)
                       : QStringLiteral("the file host answered HTTP %1").arg(status),
             QStringLiteral("http_%1").arg(status));
        return;
    }
    if (!checkHead(true))
        return;
    DownloadOutcome outcome;
    outcome.ok = true;
    outcome.mimeType = m_mimeType;
    finish(outcome);
}

void FileDownloader::fail(bool permanent, ErrorCode code, const QString &message, const QString &detail)
{
    DownloadOutcome outcome;
    outcome.permanent = permanent;
    outcome.error = makeError(code, message, {}, detail);
    finish(outcome);
}

void FileDownloader::finish(DownloadOutcome outcome)
{
    if (m_finished)
        return;
    m_finished = true;
    dropReply();
    if (m_done) {
        Done done = std::move(m_done);
        done(outcome);
    }
}

} // namespace threadline::files
