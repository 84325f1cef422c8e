#include "files/filestore.h"

#include "core/configuration.h"
#include "files/filedetect.h"
#include "files/filesoptions.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QUuid>

namespace threadline::files {

FilesOptions FilesOptions::fromConfiguration(const Configuration &configuration)
{
    FilesOptions o;
    if (!configuration.dataDir.isEmpty())
        o.storeDir = QDir(configuration.dataDir).filePath(QStringLiteral("files"));
    o.maxBytes = configuration.filesMaxBytes;
    o.allowedTypes = configuration.filesAllowedTypes;
    if (!configuration.filesDownloadHosts.isEmpty())
        o.downloadHosts = configuration.filesDownloadHosts;
    return o;
}

StagedFile::~StagedFile()
{
    discard();
}

Result<void> StagedFile::write(const char *data, qint64 size)
{
    if (!m_file || !m_file->isOpen())
        return makeError(ErrorCode::Internal, QStringLiteral("The staged file is closed"));
    if (size <= 0)
        return {};
    if (m_budget && m_budget->load() >= 0) {
        // The write-budget seam: what fits is written, the rest fails as a full disk does.
        const qint64 room = m_budget->fetch_sub(size);
        if (room < size) {
            m_budget->fetch_add(size - std::max<qint64>(room, 0));
            if (room > 0)
                m_file->write(data, room);
            return makeError(ErrorCode::Unavailable,
                             QStringLiteral("The file could not be written to disk: No space left on device"),
                             {}, QStringLiteral("No space left on device"));
        }
    }
    if (m_file->write(data, size) != size)
        return makeError(
            ErrorCode::Unavailable,
            QStringLiteral("The file could not be written to disk: %1").arg(m_file->errorString()), {},
            m_file->errorString());
    m_hash.addData(QByteArrayView(data, size));
    if (m_head.size() < SniffBytes)
        m_head.append(data, std::min<qint64>(size, SniffBytes - m_head.size()));
    m_size += size;
    return {};
}

Result<void> StagedFile::reset()
{
    if (!m_file || !m_file->isOpen())
        return makeError(ErrorCode::Internal, QStringLiteral("The staged file is closed"));
    if (!m_file->resize(0) || !m_file->seek(0))
        return makeError(ErrorCode::Unavailable, QStringLiteral("The file could not be written to disk"), {},
                         m_file->errorString());
    m_hash.reset();
    m_head.clear();
    m_size = 0;
    return {};
}

void StagedFile::discard()
{
    if (!m_file)
        return;
    m_file->close();
    m_file->remove();
    m_file.reset();
}

FileStore::FileStore(const QString &root)
    : m_root(QDir::cleanPath(root))
{}

FileStore::FileStore(const QString &root, std::shared_ptr<std::atomic<qint64>> writeBudget)
    : m_root(QDir::cleanPath(root))
    , m_budget(std::move(writeBudget))
{}

Result<void> FileStore::ensureReady() const
{
    if (m_root.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("No data directory is configured for files"));
    QDir dir;
    if (!dir.mkpath(m_root + QStringLiteral("/tmp")) || !dir.mkpath(m_root + QStringLiteral("/sha256")))
        return makeError(ErrorCode::Unavailable,
                         QStringLiteral("The file store %1 cannot be created").arg(m_root));
    return {};
}

Result<std::unique_ptr<StagedFile>> FileStore::stage() const
{
    if (auto r = ensureReady(); !r)
        return r.error();
    std::unique_ptr<StagedFile> staged(new StagedFile);
    const QString name = m_root + QStringLiteral("/tmp/") + QUuid::createUuid().toString(QUuid::Id128) +
                         QStringLiteral(".part");
    staged->m_file = std::make_unique<QFile>(name);
    staged->m_budget = m_budget;
    if (!staged->m_file->open(QIODevice::ReadWrite | QIODevice::NewOnly))
        return makeError(ErrorCode::Unavailable, QStringLiteral("A temporary file cannot be created"), {},
                         staged->m_file->errorString());
    return staged;
}

Result<StoredFile> FileStore::commit(StagedFile &staged) const
{
    if (!staged.m_file || !staged.m_file->isOpen())
        return makeError(ErrorCode::Internal, QStringLiteral("The staged file is closed"));
    if (!staged.m_file->flush())
        return makeError(ErrorCode::Unavailable, QStringLiteral("The file could not be written to disk"), {},
                         staged.m_file->errorString());
    StoredFile out;
    out.sha256 = QString::fromLatin1(staged.m_hash.result().toHex());
    out.storageKey = storageKeyFor(out.sha256);
    out.size = staged.m_size;
    const QString target = pathFor(out.storageKey);
    if (!QDir().mkpath(QFileInfo(target).absolutePath()))
        return makeError(ErrorCode::Unavailable, QStringLiteral("The file store cannot be written"));
    if (QFileInfo(target).size() == out.size && QFileInfo::exists(target)) {
        out.deduplicated = true;
        staged.discard();
        return out;
    }
    staged.m_file->close();
    QFile::remove(target); // a torn file of another size (never ours: renames are atomic)
    if (!QFile::rename(staged.m_file->fileName(), target)) {
        staged.discard();
        return makeError(ErrorCode::Unavailable,
                         QStringLiteral("The file could not be moved into the store"));
    }
    QFile::setPermissions(target, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    staged.m_file.reset();
    return out;
}

Result<StoredFile> FileStore::storeFrom(QIODevice &source, qint64 maxBytes) const
{
    auto staged = stage();
    if (!staged)
        return staged.error();
    QByteArray buffer(256 * 1024, Qt::Uninitialized);
    while (true) {
        const qint64 n = source.read(buffer.data(), buffer.size());
        if (n < 0)
            return makeError(ErrorCode::Invalid, QStringLiteral("The file could not be read"), {},
                             source.errorString());
        if (n == 0)
            break;
        if (maxBytes >= 0 && staged.value()->size() + n > maxBytes)
            return makeError(ErrorCode::TooLarge, QStringLiteral("The file is larger than allowed"), {},
                             QStringLiteral("file_too_large"));
        if (auto w = staged.value()->write(buffer.constData(), n); !w)
            return w.error();
    }
    return commit(*staged.value());
}

QString FileStore::pathFor(const QString &storageKey) const
{
    if (!isValidStorageKey(storageKey) || m_root.isEmpty())
        return {};
    return m_root + QLatin1Char('/') + storageKey;
}

bool FileStore::contains(const QString &storageKey) const
{
    const QString path = pathFor(storageKey);
    return !path.isEmpty() && QFileInfo(path).isFile();
}

Result<std::unique_ptr<QFile>> FileStore::open(const QString &storageKey) const
{
    const QString path = pathFor(storageKey);
    if (path.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("Not a storage key"),
                         QStringLiteral("storage_key"));
    auto file = std::make_unique<QFile>(path);
    if (!file->open(QIODevice::ReadOnly))
        return makeError(ErrorCode::NotFound, QStringLiteral("The stored file is missing"), {},
                         file->errorString());
    return file;
}

int FileStore::removeStaleTemporaries(qint64 maxAgeMs) const
{
    int removed = 0;
    const QDateTime cutoff = QDateTime::currentDateTimeUtc().addMSecs(-maxAgeMs);
    QDirIterator it(m_root + QStringLiteral("/tmp"), {QStringLiteral("*.part")}, QDir::Files);
    while (it.hasNext()) {
        it.next();
        if (it.fileInfo().lastModified() <= cutoff && QFile::remove(it.filePath()))
            ++removed;
    }
    return removed;
}

} // namespace threadline::files
