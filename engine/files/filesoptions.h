#pragma once

#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>

namespace threadline {
struct Configuration;
}

namespace threadline::files {

//! Configuration of the files pipeline (docs/files.md, "Configuration").
struct FilesOptions
{
    //! Root of the content-addressed store: `<dataDir>/files`. Empty: files are not transferred.
    QString storeDir;
    //! Largest file accepted in either direction (THREADLINE_FILES_MAX_BYTES, default 100 MB).
    qint64 maxBytes = 100LL * 1024 * 1024;
    //! MIME types accepted (THREADLINE_FILES_ALLOWED_TYPES: `image/*,application/pdf`); empty = all.
    QStringList allowedTypes;
    //! Hosts the bot token may be sent to (THREADLINE_FILES_DOWNLOAD_HOSTS); see hostAllowed().
    QStringList downloadHosts = {QStringLiteral("files.slack.com")};
    //! Redirects followed per download; each target is checked against downloadHosts again.
    int maxRedirects = 3;
    /*!
     * Test seam, never set from the configuration: when set, the bytes the store may still write
     * (all its staged files together) before a write fails as on a full disk (the bytes that fit
     * are written, then "No space left on device"). A test lowers it to fill the disk and raises
     * it (or sets it negative: no limit) to give the space back, without root or a mount.
     */
    std::shared_ptr<std::atomic<qint64>> writeBudget;

    //! From the shared configuration (data directory and the THREADLINE_FILES_* keys).
    static FilesOptions fromConfiguration(const Configuration &configuration);
};

} // namespace threadline::files
