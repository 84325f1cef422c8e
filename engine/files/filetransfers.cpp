#include "files/filetransfers.h"

#include "core/logging.h"
#include "files/filedetect.h"
#include "files/filedownloader.h"
#include "slack/completeuploadjob.h"
#include "slack/conversationsrepliesjob.h"
#include "slack/deletemessagejob.h"
#include "slack/filesdeletejob.h"
#include "slack/filesinfojob.h"
#include "slack/getuploadurljob.h"
#include "slack/slackclient.h"
#include "slack/slacktypes.h"
#include "slack/uploadfilejob.h"
#include "store/store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>

namespace threadline::files {

using Kind = TransferOutcome::Kind;
using slack::SlackErrorAction;

namespace {

constexpr int MaxReconcilePages = 20;
constexpr qint64 NotReadyDelayMs = 500;

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QString megabytes(qint64 bytes)
{
    return QString::number(double(bytes) / (1024.0 * 1024.0), 'f', bytes % (1024 * 1024) == 0 ? 0 : 1);
}

} // namespace

// ---- Transfer: one job's steps ------------------------------------------------------------------

class FileTransfers::Transfer : public QObject
{
public:
    Transfer(FileTransfers *owner, const TransferJob &job, Done done)
        : QObject(owner)
        , m_o(owner)
        , m_job(job)
        , m_done(std::move(done))
    {}

    void run()
    {
        if (!m_o->m_slack) {
            end({Kind::Retry, makeError(ErrorCode::Unavailable, QStringLiteral("Slack is not connected")),
                 0});
            return;
        }
        if (m_job.kind == DownloadKind)
            runDownload();
        else if (m_job.kind == ShareKind)
            runShare();
        else if (m_job.kind == UnshareKind)
            runUnshare();
        else
            end({Kind::Failed,
                 makeError(ErrorCode::Internal, QStringLiteral("Unknown file job"), {}, m_job.kind), 0});
    }

private:
    Store *store() const { return m_o->m_store; }
    slack::SlackClient *client() const { return m_o->m_slack; }
    qint64 attachmentId() const
    {
        const QJsonValue v = m_job.payload.value(QStringLiteral("attachment_id"));
        return v.isString() ? v.toString().toLongLong() : v.toInteger();
    }

    void end(const TransferOutcome &outcome)
    {
        if (m_ended)
            return;
        m_ended = true;
        if (m_downloader)
            m_downloader->abort();
        Done done = std::move(m_done);
        deleteLater();
        if (done)
            done(outcome);
    }
    void endWith(const Result<void> &r)
    {
        if (r)
            end({});
        else
            end({r.error().code == ErrorCode::NotFound ? Kind::Failed : Kind::Retry, r.error(), 0});
    }

    //! Sends one Slack call within the rate budget; GiveUp goes to onGiveUp when it returns true.
    //! The scheduler's lease fence is asked first: a job whose lease is gone makes no call.
    void call(slack::SlackJob *job, std::function<void()> onOk,
              std::function<bool(const Error &)> onGiveUp = {})
    {
        job->setParent(this);
        if (!m_job.beforeCall) {
            send(job, std::move(onOk), std::move(onGiveUp));
            return;
        }
        QPointer<Transfer> self(this);
        m_job.beforeCall(job->method(), [self, job, onOk, onGiveUp](bool held) {
            if (!self || self->m_ended)
                return; // the job (a child) went with the transfer
            if (!held) {
                delete job;
                self->end({Kind::Lost, {}, 0});
                return;
            }
            self->send(job, onOk, onGiveUp);
        });
    }

    void send(slack::SlackJob *job, std::function<void()> onOk, std::function<bool(const Error &)> onGiveUp)
    {
        auto &limiter = client()->rateLimiter();
        if (const qint64 wait = limiter.delayMs(job->method(), job->channel()); wait > 0) {
            delete job;
            end({Kind::Deferred, {}, wait});
            return;
        }
        limiter.recordCall(job->method(), job->channel());
        connect(job, &slack::SlackJob::succeeded, this, [onOk](slack::SlackJob *) { onOk(); });
        connect(job, &slack::SlackJob::failed, this,
                [this, job, onGiveUp](slack::SlackJob *, const Error &error, SlackErrorAction action) {
                    switch (action) {
                    case SlackErrorAction::WaitThenRetry: {
                        const qint64 after =
                            error.retryAfterMs > 0 ? error.retryAfterMs : slack::DefaultRetryAfterMs;
                        client()->rateLimiter().recordRateLimited(job->method(), job->channel(), after);
                        end({Kind::RateLimited, error, after});
                        return;
                    }
                    case SlackErrorAction::Retry:
                        end({Kind::Retry, error, 0});
                        return;
                    case SlackErrorAction::FixConfiguration:
                        end({Kind::Reauthorize, error, 0});
                        return;
                    case SlackErrorAction::GiveUp:
                        if (onGiveUp && onGiveUp(error))
                            return;
                        end({Kind::Failed, error, 0});
                        return;
                    }
                });
        job->start();
    }

    // ---- download ----------------------------------------------------------------------------

    void runDownload()
    {
        auto row =
            store()->exec(QStringLiteral("SELECT state, name, mime_type, size FROM attachments WHERE id = ?"),
                          {attachmentId()});
        if (!row) {
            endWith(row.error());
            return;
        }
        QString state;
        {
            QueryGuard guard(row.value());
            if (!row.value()->next()) {
                end({}); // the update (and its attachments) went away: nothing to fetch
                return;
            }
            state = row.value()->value(0).toString();
            m_name = row.value()->value(1).toString();
            m_mime = row.value()->value(2).toString();
        }
        if (state == QLatin1String("stored") || state == QLatin1String("refused")) {
            end({});
            return;
        }
        if (state == QLatin1String("failed")) { // a retry from the desk
            auto r = store()->execAffected(
                QStringLiteral("UPDATE attachments SET state = 'pending', last_error = NULL WHERE id = ?"),
                {attachmentId()});
            if (!r) {
                endWith(r.error());
                return;
            }
        }
        m_file = slack::SlackFile::fromJson(m_job.payload.value(QStringLiteral("file")).toObject());
        if (m_file.isStub() && !m_file.id.isEmpty()) {
            auto *info =
                new slack::FilesInfoJob(client()->networkAccessManager(), client()->botEndpoint(), m_file.id);
            call(info, [this, info] {
                m_file = info->file();
                if (!m_file.mimeType.isEmpty())
                    m_mime = m_file.mimeType;
                download();
            });
            return;
        }
        download();
    }

    void download()
    {
        const FilesOptions &options = m_o->m_options;
        if (m_file.size > options.maxBytes) {
            refuse(QStringLiteral("it is %1 MB, larger than the %2 MB limit")
                       .arg(megabytes(m_file.size), megabytes(options.maxBytes)),
                   QStringLiteral("file_too_large"));
            return;
        }
        const QString declared = m_mime.isEmpty() ? m_file.mimeType : m_mime;
        if (!declared.isEmpty() && !typeAllowed(declared, options.allowedTypes)) {
            refuse(QStringLiteral("files of type %1 are not accepted").arg(declared.left(100)),
                   QStringLiteral("type_not_allowed"));
            return;
        }
        const QUrl url(m_file.urlPrivateDownload.isEmpty() ? m_file.urlPrivate : m_file.urlPrivateDownload);
        auto staged = m_o->m_fileStore.stage();
        if (!staged) {
            endWith(staged.error());
            return;
        }
        m_staged = std::move(staged.value());
        m_downloader = new FileDownloader(client()->networkAccessManager(), options, this);
        m_downloader->start(url, client()->config().botToken, m_staged.get(), declared, m_name,
                            [this](const DownloadOutcome &outcome) { downloaded(outcome); });
    }

    void downloaded(const DownloadOutcome &outcome)
    {
        if (!outcome.ok) {
            if (outcome.permanent)
                refuse(outcome.error.message, outcome.error.detail);
            else if (outcome.error.detail == QLatin1String("storage"))
                storageFailed(outcome.error);
            else
                end({Kind::Retry, outcome.error, 0});
            return;
        }
        if (!typeAllowed(outcome.mimeType, m_o->m_options.allowedTypes)) {
            refuse(QStringLiteral("files of type %1 are not accepted").arg(outcome.mimeType),
                   QStringLiteral("type_not_allowed"));
            return;
        }
        auto stored = m_o->m_fileStore.commit(*m_staged);
        if (!stored) {
            storageFailed(stored.error());
            return;
        }
        const StoredFile file = stored.value();
        const QString mime = outcome.mimeType;
        auto r = updateAttachment(
            QStringLiteral("UPDATE attachments SET state = 'stored', last_error = NULL, sha256 = ?, "
                           "storage_key = ?, size = ?, mime_type = ? WHERE id = ? AND state = 'pending'"),
            {file.sha256, file.storageKey, file.size, mime, attachmentId()});
        qCInfo(lcFiles) << "attachment" << attachmentId() << "stored:" << file.size << "bytes"
                        << (file.deduplicated ? "(already in the store)" : "");
        endWith(r);
    }

    //! The attachment disk refused the bytes (full, read-only, gone): nothing half-written stays
    //! (the staged file is removed), the attachment shows `failed` with the reason at once, and
    //! the job retries with backoff; a retry once there is space again stores it.
    void storageFailed(const Error &error)
    {
        if (m_staged)
            m_staged->discard();
        const QString reason =
            error.message.isEmpty() ? QStringLiteral("The file could not be written to disk") : error.message;
        qCWarning(lcFiles).noquote() << "attachment" << attachmentId() << "could not be stored in"
                                     << m_o->m_fileStore.root() << "-" << reason
                                     << "- it will be retried; free space on the attachment disk";
        auto r =
            updateAttachment(QStringLiteral("UPDATE attachments SET state = 'failed', last_error = ? WHERE "
                                            "id = ? AND state IN ('pending','failed')"),
                             {reason, attachmentId()});
        if (!r)
            qCWarning(lcFiles) << "attachment" << attachmentId()
                               << "failure could not be recorded:" << r.error().toString();
        end({Kind::Retry, makeError(ErrorCode::Unavailable, reason, {}, QStringLiteral("storage")), 0});
    }

    void refuse(const QString &reason, const QString &code)
    {
        qCInfo(lcFiles).noquote() << "attachment" << attachmentId() << "refused:" << code << reason;
        FileIntake intake;
        intake.requestId = m_job.requestId;
        intake.updateId = m_job.updateId;
        intake.conversationId = m_job.payload.value(QStringLiteral("conversation_id")).toInteger();
        intake.channel = m_job.payload.value(QStringLiteral("channel")).toString();
        intake.threadTs = m_job.payload.value(QStringLiteral("thread_ts")).toString();
        intake.messageTs = m_job.payload.value(QStringLiteral("message_ts")).toString();
        const QString text = refusalText(m_name, reason, code, m_o->m_options);
        auto r =
            updateAttachment(QStringLiteral("UPDATE attachments SET state = 'refused', last_error = ? WHERE "
                                            "id = ? AND state IN ('pending','failed')"),
                             {reason, attachmentId()}, [&]() -> Result<void> {
                                 if (intake.channel.isEmpty())
                                     return {};
                                 return insertRefusalReply(store(), intake, attachmentId(), text);
                             });
        if (r)
            Q_EMIT m_o->jobsInserted();
        endWith(r);
    }

    //! Moves the attachment's row with one UPDATE (sql, binds) in a transaction; when the row
    //! changed, the attachment is announced and then() runs in the same transaction.
    Result<void> updateAttachment(const QString &sql, const QVariantList &binds,
                                  const std::function<Result<void>()> &then = {})
    {
        return store()->transaction([&]() -> Result<void> {
            auto w = store()->execAffected(sql, binds);
            if (!w)
                return w.error();
            if (w.value() != 1)
                return {};
            announceAttachment();
            return then ? then() : Result<void>();
        });
    }

    void announceAttachment()
    {
        StoreChange change;
        change.kind = StoreChange::Kind::AttachmentAdded;
        change.requestId = m_job.requestId;
        change.updateId = m_job.updateId;
        change.source = UpdateSource::Slack;
        store()->announce(change);
    }

    // ---- share -------------------------------------------------------------------------------

    void runShare()
    {
        auto q = store()->exec(
            QStringLiteral(
                "SELECT fs.state, fs.slack_file_id, a.state, a.name, a.size, a.storage_key, u.deleted_at, "
                "COALESCE(c.channel_id, d.channel_id), c.summary_ts, c.state, tm.state FROM file_shares fs "
                "JOIN attachments a ON a.id = fs.attachment_id JOIN updates u ON u.id = a.update_id "
                "JOIN conversations c ON c.id = fs.conversation_id LEFT JOIN dm_channels d ON d.person_id = "
                "c.person_id LEFT JOIN thread_messages tm ON tm.conversation_id = c.id AND tm.update_id = "
                "a.update_id WHERE fs.attachment_id = ? AND fs.conversation_id = ?"),
            {attachmentId(), m_job.conversationId});
        if (!q) {
            endWith(q.error());
            return;
        }
        QString shareState, fileId, attachmentState, convState, captionState;
        bool updateDeleted = false;
        {
            QueryGuard guard(q.value());
            if (!q.value()->next()) {
                end({}); // the attachment or the conversation is gone
                return;
            }
            const QSqlQuery &r = *q.value();
            shareState = r.value(0).toString();
            fileId = r.value(1).toString();
            attachmentState = r.value(2).toString();
            m_name = r.value(3).toString();
            m_size = r.value(4).toLongLong();
            m_storageKey = r.value(5).toString();
            updateDeleted = !r.value(6).isNull();
            m_channel = r.value(7).toString();
            m_threadTs = r.value(8).toString();
            convState = r.value(9).toString();
            captionState = r.value(10).toString();
        }
        if (shareState != QLatin1String("pending") && shareState != QLatin1String("failed")) {
            end({});
            return;
        }
        if (updateDeleted || convState == QLatin1String("closed") || convState == QLatin1String("failed")) {
            endWith(setShare(QStringLiteral("skipped"), {}, {}));
            return;
        }
        if (attachmentState != QLatin1String("stored")) {
            end({Kind::Failed, makeError(ErrorCode::Invalid, QStringLiteral("The file is not stored")), 0});
            return;
        }
        if (m_channel.isEmpty() || m_threadTs.isEmpty() || captionState == QLatin1String("pending")) {
            // The thread (or the update's own reply, which comes first) is not posted yet.
            end({Kind::Deferred, {}, NotReadyDelayMs});
            return;
        }
        if (!fileId.isEmpty()) {
            // An earlier attempt may have shared it: look for that file in the thread first.
            reconcile(fileId, {}, 0);
            return;
        }
        upload();
    }

    void reconcile(const QString &fileId, const QString &cursor, int page)
    {
        slack::ConversationsRepliesJob::Args args;
        args.channel = m_channel;
        args.ts = m_threadTs;
        args.cursor = cursor;
        args.limit = 200;
        auto *job = new slack::ConversationsRepliesJob(client()->networkAccessManager(),
                                                       client()->botEndpoint(), args);
        call(job, [this, job, fileId, page] {
            for (const slack::SlackMessage &m : job->messages())
                for (const slack::SlackFile &f : m.files)
                    if (f.id == fileId) {
                        qCInfo(lcFiles)
                            << "file share" << attachmentId() << "found in the thread after a restart";
                        endWith(setShare(QStringLiteral("posted"), fileId, m.ts));
                        return;
                    }
            if (job->hasMore() && !job->nextCursor().isEmpty() && page + 1 < MaxReconcilePages) {
                reconcile(fileId, job->nextCursor(), page + 1);
                return;
            }
            upload();
        });
    }

    void upload()
    {
        auto opened = m_o->m_fileStore.open(m_storageKey);
        if (!opened) {
            end({Kind::Failed, opened.error(), 0});
            return;
        }
        m_source = std::move(opened.value());
        m_size = m_source->size();
        auto *url = new slack::GetUploadUrlJob(client()->networkAccessManager(), client()->botEndpoint(),
                                               m_name, m_size);
        call(url, [this, url] {
            const QString fileId = url->fileId();
            // Recorded before the bytes go out: after a crash the thread is searched for this id.
            if (auto r = setShare(QStringLiteral("pending"), fileId, {}); !r) {
                endWith(r);
                return;
            }
            auto *put = new slack::UploadFileJob(client()->networkAccessManager(), url->uploadUrl(),
                                                 m_source.get(), m_size);
            put->setTransferTimeout(120'000);
            call(put, [this, fileId] { complete(fileId); });
        });
    }

    void complete(const QString &fileId)
    {
        auto *done = new slack::CompleteUploadJob(client()->networkAccessManager(), client()->botEndpoint(),
                                                  {{fileId, m_name}}, m_channel, m_threadTs);
        call(done, [this, done, fileId] {
            QString ts;
            for (const slack::SlackFile &f : done->files())
                if (f.id == fileId)
                    ts = f.shares.value(m_channel).value(0);
            endWith(setShare(QStringLiteral("posted"), fileId, ts));
        });
    }

    Result<void> setShare(const QString &state, const QString &fileId, const QString &ts)
    {
        auto r = store()->execAffected(
            QStringLiteral("UPDATE file_shares SET state = ?, slack_file_id = COALESCE(?, slack_file_id), "
                           "slack_ts = COALESCE(?, slack_ts), last_error = NULL, updated_at = ? WHERE "
                           "attachment_id = ? AND conversation_id = ?"),
            {state, fileId.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(fileId),
             ts.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(ts), store()->now(),
             attachmentId(), m_job.conversationId});
        if (!r)
            return r.error();
        return {};
    }

    // ---- unshare -----------------------------------------------------------------------------

    void runUnshare()
    {
        auto q = store()->exec(
            QStringLiteral(
                "SELECT fs.state, fs.slack_ts, COALESCE(c.channel_id, d.channel_id), fs.slack_file_id FROM "
                "file_shares fs JOIN conversations c ON c.id = fs.conversation_id LEFT JOIN dm_channels d ON "
                "d.person_id = c.person_id WHERE fs.attachment_id = ? AND fs.conversation_id = ?"),
            {attachmentId(), m_job.conversationId});
        if (!q) {
            endWith(q.error());
            return;
        }
        QString state, ts, fileId;
        {
            QueryGuard guard(q.value());
            if (!q.value()->next()) {
                end({});
                return;
            }
            state = q.value()->value(0).toString();
            ts = q.value()->value(1).toString();
            m_channel = q.value()->value(2).toString();
            fileId = q.value()->value(3).toString();
        }
        const bool posted = state == QLatin1String("posted");
        if (!posted && state != QLatin1String("pending") && state != QLatin1String("failed")) {
            end({}); // deleted or skipped already
            return;
        }
        if (!fileId.isEmpty()) {
            // The app's own upload: files.delete removes the file from Slack and, with it, the
            // message that carries it. A copy still `pending` with a file id may have been shared
            // before a crash: deleting by id covers that too.
            deleteFile(fileId, posted ? ts : QString(), posted);
            return;
        }
        if (!posted || ts.isEmpty() || m_channel.isEmpty()) {
            endWith(setShare(QStringLiteral("skipped"), {}, {}));
            return;
        }
        deleteMessage(ts);
    }

    void deleteFile(const QString &fileId, const QString &ts, bool posted)
    {
        auto *del =
            new slack::FilesDeleteJob(client()->networkAccessManager(), client()->botEndpoint(), fileId);
        auto next = [this, ts, posted](bool fileGone) {
            if (!ts.isEmpty() && !m_channel.isEmpty()) {
                deleteMessage(ts); // the message too, in case Slack left it (message_not_found = done)
                return;
            }
            endWith(
                setShare(posted || fileGone ? QStringLiteral("deleted") : QStringLiteral("skipped"), {}, {}));
        };
        call(
            del, [next] { next(true); },
            [this, next, fileId](const Error &error) {
                if (error.detail == QLatin1String("file_deleted")) {
                    next(true);
                    return true;
                }
                if (error.detail == QLatin1String("file_not_found") ||
                    error.detail == QLatin1String("cant_delete_file")) {
                    qCInfo(lcFiles).noquote()
                        << "file copy" << attachmentId() << "in conversation" << m_job.conversationId
                        << ": files.delete" << error.detail << "; deleting the message instead";
                    next(false);
                    return true;
                }
                return false;
            });
    }

    void deleteMessage(const QString &ts)
    {
        auto *del = new slack::DeleteMessageJob(client()->networkAccessManager(), client()->botEndpoint(),
                                                m_channel, ts);
        call(
            del, [this] { endWith(setShare(QStringLiteral("deleted"), {}, {})); },
            [this](const Error &error) {
                if (error.detail != QLatin1String("message_not_found"))
                    return false;
                endWith(setShare(QStringLiteral("deleted"), {}, {}));
                return true;
            });
    }

    FileTransfers *m_o;
    TransferJob m_job;
    Done m_done;
    bool m_ended = false;
    QString m_name;
    QString m_mime;
    slack::SlackFile m_file;
    std::unique_ptr<StagedFile> m_staged;
    QPointer<FileDownloader> m_downloader;
    std::unique_ptr<QFile> m_source;
    qint64 m_size = 0;
    QString m_storageKey;
    QString m_channel;
    QString m_threadTs;
};

// ---- FileTransfers ------------------------------------------------------------------------------

FileTransfers::FileTransfers(Store *store, const FilesOptions &options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_options(options)
    , m_fileStore(options.storeDir, options.writeBudget)
{
    if (!options.storeDir.isEmpty())
        m_fileStore.removeStaleTemporaries(60 * 60'000);
}

FileTransfers::~FileTransfers() = default;

bool FileTransfers::handles(const QString &kind)
{
    return kind == DownloadKind || kind == ShareKind || kind == UnshareKind;
}

QString FileTransfers::firstMethod(const QString &kind)
{
    if (kind == ShareKind)
        return QStringLiteral("files.getUploadURLExternal");
    if (kind == UnshareKind)
        return QStringLiteral("files.delete");
    return QStringLiteral("files.download");
}

void FileTransfers::run(const TransferJob &job, Done done)
{
    auto *t = new Transfer(this, job, std::move(done));
    t->run();
}

Result<void> FileTransfers::recordFailure(const TransferJob &job, const QString &error)
{
    const QJsonValue v = job.payload.value(QStringLiteral("attachment_id"));
    const qint64 attachment = v.isString() ? v.toString().toLongLong() : v.toInteger();
    Result<int> w = 0;
    if (job.kind == DownloadKind)
        w = m_store->execAffected(
            QStringLiteral(
                "UPDATE attachments SET state = 'failed', last_error = ? WHERE id = ? AND state = 'pending'"),
            {error, attachment});
    else
        w = m_store->execAffected(
            QStringLiteral(
                "UPDATE file_shares SET state = CASE WHEN state = 'pending' THEN 'failed' ELSE state END, "
                "last_error = ?, updated_at = ? WHERE attachment_id = ? AND conversation_id = ?"),
            {error, m_store->now(), attachment, job.conversationId});
    if (!w)
        return w.error();
    return {};
}

QString FileTransfers::refusalText(const QString &fileName, const QString &reason, const QString &code,
                                   const FilesOptions &options)
{
    QString advice;
    if (code == QLatin1String("file_too_large"))
        advice = QStringLiteral("Files up to %1 MB are accepted: share a smaller file or a link to it.")
                     .arg(megabytes(options.maxBytes));
    else if (code == QLatin1String("type_not_allowed"))
        advice = QStringLiteral("Accepted types: %1. Share it as one of those, or a link to it.")
                     .arg(options.allowedTypes.join(QStringLiteral(", ")));
    else if (code == QLatin1String("host_not_allowed") || code == QLatin1String("redirect_not_allowed"))
        advice = QStringLiteral("Upload the file to Slack itself and share it again.");
    else
        advice = QStringLiteral("Please share the file again; if it keeps failing, send it to the desk team "
                                "another way.");
    return QStringLiteral("The file “%1” was not added to the request: %2. %3")
        .arg(sanitizeFileName(fileName), reason, advice);
}

// ---- Intake (inside the inbound transaction) ----------------------------------------------------

Result<Attachment> storeDeskFile(const FileStore &store, const FilesOptions &options, QIODevice &source,
                                 const QString &name, const QString &mimeType)
{
    const QString clean = sanitizeFileName(name);
    auto staged = store.stage();
    if (!staged)
        return staged.error();
    StagedFile &file = *staged.value();
    QByteArray buffer(256 * 1024, Qt::Uninitialized);
    while (true) {
        const qint64 n = source.read(buffer.data(), buffer.size());
        if (n < 0)
            return makeError(ErrorCode::Invalid, QStringLiteral("The file could not be read"),
                             QStringLiteral("file"));
        if (n == 0)
            break;
        if (file.size() + n > options.maxBytes)
            return makeError(
                ErrorCode::TooLarge,
                QStringLiteral("“%1” is larger than the %2 MB limit").arg(clean, megabytes(options.maxBytes)),
                QStringLiteral("file"), QStringLiteral("file_too_large"));
        if (auto w = file.write(buffer.constData(), n); !w)
            return w.error();
    }
    const SignatureVerdict verdict = checkSignature(file.head(), mimeType, clean);
    if (!verdict.ok)
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("“%1” was refused: %2").arg(clean, verdict.reason),
                         QStringLiteral("file"), verdict.code);
    if (!typeAllowed(verdict.mimeType, options.allowedTypes))
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("“%1” was refused: files of type %2 are not accepted")
                             .arg(clean, verdict.mimeType),
                         QStringLiteral("file"), QStringLiteral("type_not_allowed"));
    auto stored = store.commit(file);
    if (!stored)
        return stored.error();
    Attachment a;
    a.name = clean;
    a.mimeType = verdict.mimeType;
    a.size = stored->size;
    a.sha256 = stored->sha256;
    a.storageKey = stored->storageKey;
    a.state = QStringLiteral("stored");
    return a;
}

Result<void> insertRefusalReply(Store *store, const FileIntake &intake, qint64 attachmentId,
                                const QString &text)
{
    const QJsonObject payload{{QStringLiteral("channel"), intake.channel},
                              {QStringLiteral("thread_ts"), intake.threadTs},
                              {QStringLiteral("text"), text},
                              {QStringLiteral("reason"), QStringLiteral("file_refused")},
                              {QStringLiteral("message_ts"), intake.messageTs}};
    NewJob job;
    job.lane = QStringLiteral("fast");
    job.kind = QStringLiteral("reply_outside_thread");
    job.orderingKey = QStringLiteral("ch:") + intake.channel;
    job.payload = compact(payload);
    job.dedupeKey = QStringLiteral("file-refused:%1").arg(attachmentId);
    job.requestId = intake.requestId;
    job.conversationId = intake.conversationId;
    auto r = store->enqueueJob(job);
    if (!r)
        return r.error();
    return {};
}

Result<int> recordSlackFiles(Store *store, const FilesOptions &options, const FileIntake &intake,
                             const QList<slack::SlackFile> &files)
{
    int recorded = 0;
    const qint64 now = store->now();
    for (const slack::SlackFile &f : files) {
        QString name = sanitizeFileName(f.name.isEmpty() ? f.title : f.name);
        const QString mime = f.mimeType.left(200);
        QString refusal;
        QString code;
        if (f.size > options.maxBytes) {
            refusal = QStringLiteral("it is %1 MB, larger than the %2 MB limit")
                          .arg(megabytes(f.size), megabytes(options.maxBytes));
            code = QStringLiteral("file_too_large");
        } else if (!mime.isEmpty() && !typeAllowed(mime, options.allowedTypes)) {
            refusal = QStringLiteral("files of type %1 are not accepted").arg(mime);
            code = QStringLiteral("type_not_allowed");
        }
        auto id = store->insert(
            QStringLiteral(
                "INSERT INTO attachments (update_id, name, mime_type, size, sha256, storage_key, "
                "created_at, state, last_error, slack_file_id) VALUES (?, ?, ?, ?, '', '', ?, ?, ?, ?) "
                "RETURNING id"),
            {intake.updateId, name, mime.isEmpty() ? QStringLiteral("application/octet-stream") : mime,
             std::max<qint64>(0, f.size), now,
             refusal.isEmpty() ? QStringLiteral("pending") : QStringLiteral("refused"),
             refusal.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(refusal),
             f.id.left(40)});
        if (!id)
            return id.error();
        if (!refusal.isEmpty()) {
            if (auto r = insertRefusalReply(store, intake, id.value(),
                                            FileTransfers::refusalText(name, refusal, code, options));
                !r)
                return r.error();
            ++recorded;
            continue;
        }
        QJsonObject file{{QStringLiteral("id"), f.id},
                         {QStringLiteral("name"), name},
                         {QStringLiteral("mimetype"), f.mimeType},
                         {QStringLiteral("size"), f.size},
                         {QStringLiteral("file_access"), f.fileAccess},
                         {QStringLiteral("url_private"), f.urlPrivate},
                         {QStringLiteral("url_private_download"), f.urlPrivateDownload}};
        const QJsonObject payload{{QStringLiteral("attachment_id"), id.value()},
                                  {QStringLiteral("file"), file},
                                  {QStringLiteral("channel"), intake.channel},
                                  {QStringLiteral("thread_ts"), intake.threadTs},
                                  {QStringLiteral("message_ts"), intake.messageTs},
                                  {QStringLiteral("conversation_id"), intake.conversationId}};
        NewJob download;
        download.lane = QStringLiteral("maintenance");
        download.kind = DownloadKind;
        download.orderingKey = QStringLiteral("file:%1").arg(id.value());
        download.payload = compact(payload);
        download.dedupeKey = QStringLiteral("download:%1").arg(id.value());
        download.requestId = intake.requestId;
        download.updateId = intake.updateId;
        auto job = store->enqueueJob(download);
        if (!job)
            return job.error();
        ++recorded;
    }
    return recorded;
}

} // namespace threadline::files
