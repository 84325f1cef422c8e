#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QFile>
#include <QString>

#include <atomic>
#include <memory>

namespace threadline::files {

//! A file being written into the store: bytes go to a temporary file while their SHA-256 and size
//! are computed, so nothing is ever held whole in memory. Discarded (and the temporary removed)
//! unless committed.
class StagedFile
{
public:
    ~StagedFile();
    StagedFile(const StagedFile &) = delete;
    StagedFile &operator=(const StagedFile &) = delete;

    //! Appends bytes; fails when the disk refuses them.
    Result<void> write(const char *data, qint64 size);
    Result<void> write(const QByteArray &bytes) { return write(bytes.constData(), bytes.size()); }
    qint64 size() const { return m_size; }
    //! The first bytes (up to SniffBytes), for the signature checks.
    const QByteArray &head() const { return m_head; }
    //! Forgets what was written (e.g. a download that restarts after a redirect).
    Result<void> reset();
    //! Removes the temporary file.
    void discard();

private:
    friend class FileStore;
    StagedFile() = default;
    std::unique_ptr<QFile> m_file;
    std::shared_ptr<std::atomic<qint64>> m_budget;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    QByteArray m_head;
    qint64 m_size = 0;
};

//! Where a committed file lives.
struct StoredFile
{
    QString sha256;     //!< 64 lower-case hex digits
    QString storageKey; //!< `sha256/<ab>/<hash>` (relative to the store's root)
    qint64 size = 0;
    bool deduplicated = false; //!< the same bytes were stored already
};

/*!
 * The content-addressed file store: `<root>/sha256/<first two hex digits>/<hash>`. The same bytes
 * are stored once. Files arrive through a StagedFile in `<root>/tmp` and are renamed into place
 * when committed (atomic on one file system), so a crash leaves at most a temporary file, which
 * removeStaleTemporaries() cleans up. Names never come from users: only the hash.
 */
class FileStore
{
public:
    explicit FileStore(const QString &root);
    //! With a write budget (FilesOptions::writeBudget, a test seam for a full disk).
    FileStore(const QString &root, std::shared_ptr<std::atomic<qint64>> writeBudget);

    QString root() const { return m_root; }
    //! Creates the directories; fails when they cannot be created.
    Result<void> ensureReady() const;

    Result<std::unique_ptr<StagedFile>> stage() const;
    //! Moves the staged bytes to their content address (or drops them when already there).
    Result<StoredFile> commit(StagedFile &staged) const;
    //! Stores a whole device (streamed in chunks): desk attachments, tests.
    Result<StoredFile> storeFrom(QIODevice &source, qint64 maxBytes = -1) const;

    //! The absolute path of a storage key; empty when the key is not one of ours.
    QString pathFor(const QString &storageKey) const;
    bool contains(const QString &storageKey) const;
    //! Opens a stored file for reading; NotFound when missing.
    Result<std::unique_ptr<QFile>> open(const QString &storageKey) const;
    //! Removes temporaries older than \a maxAgeMs (left by a crash).
    int removeStaleTemporaries(qint64 maxAgeMs = 0) const;

private:
    QString m_root;
    std::shared_ptr<std::atomic<qint64>> m_budget;
};

} // namespace threadline::files
