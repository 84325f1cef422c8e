#pragma once

#include "api/apiclient.h"
#include "core/result.h"
#include "files/filesoptions.h"
#include "store/storetypes.h"

#include <QCache>
#include <QFuture>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QSize>
#include <QStringList>

namespace threadline::gui {

//! "12 KB", "3.4 MB": a size as the console shows it.
QString attachmentSizeText(qint64 bytes);

//! "report.pdf · 12 KB", plus the state when it is not stored ("on its way", "refused: why").
QString attachmentLabel(const Attachment &attachment);

//! Stores files chosen in the console into the embedded desk's files store (engine/files: size cap,
//! allowed types, signature check, sanitised names, streamed), on a worker thread. The result is
//! for NewUpdate::attachments; an error names the file it is about.
QFuture<Result<QList<Attachment>>> storeDeskFiles(const files::FilesOptions &options,
                                                  const QStringList &paths);

//! Reads files chosen in the console for a multipart upload to a server, on a worker thread; a file
//! over maxBytes (the total too) is refused before it is read.
QFuture<Result<QList<RemoteUpload>>> readUploads(const QStringList &paths, qint64 maxBytes);

//! Copies a stored attachment out of the files store (Save as…, Open), on a worker thread.
QFuture<Result<QString>> exportAttachment(const QString &sourcePath, const QString &targetPath);

/*!
 * Thumbnails of image attachments, made by the console (never by the engine): QImageReader with a
 * scaled size on a worker thread, at most MaxSize, kept in a cache keyed by the file's SHA-256. A
 * thumbnail not made yet is requested and ready() follows; a file that is no image is remembered.
 */
class ThumbnailCache : public QObject
{
    Q_OBJECT

public:
    static constexpr int MaxWidth = 240;
    static constexpr int MaxHeight = 160;

    explicit ThumbnailCache(QObject *parent = nullptr);

    //! The thumbnail for key when made; otherwise a null image, and (with a path) it is requested.
    QImage thumbnail(const QString &key, const QString &path);
    int pending() const { return int(m_pending.size()); }

Q_SIGNALS:
    void ready(const QString &key);

private:
    QCache<QString, QImage> m_cache;
    QSet<QString> m_pending;
    QSet<QString> m_failed;
};

} // namespace threadline::gui
