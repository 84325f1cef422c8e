#include "attachments.h"

#include "files/filestore.h"
#include "files/filetransfers.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QLocale>
#include <QMimeDatabase>
#include <QSaveFile>
#include <QtConcurrent>

namespace threadline::gui {

namespace {

//! The context of this file's strings in the translations.
class Text
{
    Q_DECLARE_TR_FUNCTIONS(threadline::gui::Attachments)
};

} // namespace

QString attachmentSizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString attachmentLabel(const Attachment &a)
{
    QString label = Text::tr("%1 · %2").arg(a.name, attachmentSizeText(a.size));
    if (a.state == QLatin1String("pending"))
        return Text::tr("%1 · on its way from Slack").arg(label);
    if (a.state == QLatin1String("refused"))
        return Text::tr("%1 · refused: %2").arg(label, a.lastError);
    if (a.state == QLatin1String("failed"))
        return Text::tr("%1 · failed: %2").arg(label, a.lastError);
    return label;
}

QFuture<Result<QList<Attachment>>> storeDeskFiles(const files::FilesOptions &options,
                                                  const QStringList &paths)
{
    return QtConcurrent::run([options, paths]() -> Result<QList<Attachment>> {
        if (options.storeDir.isEmpty())
            return makeError(ErrorCode::Unavailable, Text::tr("This desk has no files store."));
        const files::FileStore store(options.storeDir);
        QList<Attachment> stored;
        const QMimeDatabase mimes;
        for (const QString &path : paths) {
            const QFileInfo info(path);
            QFile file(path);
            if (!info.isFile() || !file.open(QIODevice::ReadOnly))
                return makeError(ErrorCode::NotFound, Text::tr("%1 cannot be read.").arg(info.fileName()));
            const QString type = mimes.mimeTypeForFile(info).name();
            auto saved = files::storeDeskFile(store, options, file, info.fileName(), type);
            if (!saved) {
                Error e = saved.error();
                e.message = Text::tr("%1: %2").arg(info.fileName(), e.message);
                return e;
            }
            stored << saved.value();
        }
        return stored;
    });
}

QFuture<Result<QList<RemoteUpload>>> readUploads(const QStringList &paths, qint64 maxBytes)
{
    return QtConcurrent::run([paths, maxBytes]() -> Result<QList<RemoteUpload>> {
        QList<RemoteUpload> uploads;
        qint64 total = 0;
        const QMimeDatabase mimes;
        for (const QString &path : paths) {
            const QFileInfo info(path);
            QFile file(path);
            if (!info.isFile() || !file.open(QIODevice::ReadOnly))
                return makeError(ErrorCode::NotFound, Text::tr("%1 cannot be read.").arg(info.fileName()));
            total += file.size();
            if (file.size() > maxBytes || total > maxBytes)
                return makeError(ErrorCode::TooLarge,
                                 Text::tr("%1 is too large to send: at most %2 at a time.")
                                     .arg(info.fileName(), attachmentSizeText(maxBytes)));
            RemoteUpload upload;
            upload.name = info.fileName();
            upload.mimeType = mimes.mimeTypeForFile(info).name();
            upload.data = file.readAll();
            if (upload.data.size() != file.size())
                return makeError(ErrorCode::Unavailable, Text::tr("%1 cannot be read.").arg(info.fileName()));
            uploads << upload;
        }
        return uploads;
    });
}

QFuture<Result<QString>> exportAttachment(const QString &sourcePath, const QString &targetPath)
{
    return QtConcurrent::run([sourcePath, targetPath]() -> Result<QString> {
        QFile source(sourcePath);
        if (!source.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::NotFound, Text::tr("The file is not in this desk's files store."));
        QDir().mkpath(QFileInfo(targetPath).absolutePath());
        QSaveFile target(targetPath);
        if (!target.open(QIODevice::WriteOnly))
            return makeError(ErrorCode::Forbidden, Text::tr("%1 cannot be written.").arg(targetPath));
        QByteArray chunk;
        while (!(chunk = source.read(64 * 1024)).isEmpty()) {
            if (target.write(chunk) != chunk.size()) {
                target.cancelWriting();
                return makeError(ErrorCode::Unavailable, Text::tr("%1 cannot be written.").arg(targetPath));
            }
        }
        if (!target.commit())
            return makeError(ErrorCode::Unavailable, Text::tr("%1 cannot be written.").arg(targetPath));
        return targetPath;
    });
}

ThumbnailCache::ThumbnailCache(QObject *parent)
    : QObject(parent)
{
    m_cache.setMaxCost(32 * 1024 * 1024); // bytes of thumbnails kept
}

QImage ThumbnailCache::thumbnail(const QString &key, const QString &path)
{
    if (key.isEmpty())
        return {};
    if (const QImage *cached = m_cache.object(key))
        return *cached;
    if (path.isEmpty() || m_pending.contains(key) || m_failed.contains(key))
        return {};
    m_pending.insert(key);
    auto future = QtConcurrent::run([path]() -> QImage {
        QImageReader reader(path);
        reader.setAutoTransform(true);
        const QSize full = reader.size();
        if (!full.isValid() || full.isEmpty())
            return {};
        const QSize scaled = full.scaled(QSize(MaxWidth, MaxHeight).boundedTo(full), Qt::KeepAspectRatio);
        reader.setScaledSize(scaled.expandedTo(QSize(1, 1)));
        return reader.read();
    });
    auto *watcher = new QFutureWatcher<QImage>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, key] {
        watcher->deleteLater();
        m_pending.remove(key);
        const QImage image = watcher->future().result();
        if (image.isNull()) {
            m_failed.insert(key);
            return;
        }
        m_cache.insert(key, new QImage(image), int(qMin<qint64>(image.sizeInBytes(), 1 << 30)));
        Q_EMIT ready(key);
    });
    watcher->setFuture(future);
    return {};
}

} // namespace threadline::gui
