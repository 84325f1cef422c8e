#pragma once

#include "core/result.h"
#include "files/filesoptions.h"

#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace threadline::files {

class StagedFile;

//! How a download ended.
struct DownloadOutcome
{
    bool ok = false;
    //! Refused for good (host not allowed, too large, not what it claims, 404): no retry helps.
    bool permanent = false;
    Error error;      //!< detail: host_not_allowed, redirect_not_allowed, too_many_redirects,
                      //!< file_too_large, html_instead_of_file, signature_mismatch, http_<status>, network
    QString mimeType; //!< on success: the verified type
};

/*!
 * Streams one Slack file into a StagedFile, safely:
 * - the URL and every redirect target must pass hostAllowed(downloadHosts); otherwise nothing is
 *   sent to it at all (the bot token never leaves the allow-list); at most maxRedirects are followed;
 * - a Content-Length over maxBytes stops before the body, a body that grows past it is cut off;
 * - the first bytes are checked with checkSignature() (an HTML sign-in page instead of an image is
 *   refused) before the rest is accepted;
 * - the reply's read buffer is bounded, so memory stays flat whatever the file's size.
 */
class FileDownloader : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(const DownloadOutcome &)>;

    FileDownloader(QNetworkAccessManager *nam, const FilesOptions &options, QObject *parent = nullptr);
    ~FileDownloader() override;

    //! Starts from the event loop; \a done is called exactly once (not after abort()).
    void start(const QUrl &url, const QString &botToken, StagedFile *sink, const QString &claimedMimeType,
               const QString &fileName, Done done);
    void abort();

    //! Reply read buffer: the most the network layer holds for us at once.
    static constexpr qint64 ReadBufferBytes = 256 * 1024;

private:
    void send(const QUrl &url);
    void onReadyRead();
    void onFinished();
    bool checkHead(bool final);
    void finish(DownloadOutcome outcome);
    //! Stops the reply in flight, if any, and lets it go.
    void dropReply();
    void fail(bool permanent, ErrorCode code, const QString &message, const QString &detail);

    QNetworkAccessManager *m_nam;
    FilesOptions m_options;
    QPointer<QNetworkReply> m_reply;
    QString m_token;
    StagedFile *m_sink = nullptr;
    QString m_claimed;
    QString m_name;
    QString m_mimeType;
    Done m_done;
    int m_redirects = 0;
    bool m_headChecked = false;
    bool m_finished = false;
};

} // namespace threadline::files
