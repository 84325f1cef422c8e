#pragma once

#include "core/result.h"
#include "files/filesoptions.h"
#include "files/filestore.h"
#include "store/storetypes.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <functional>

namespace threadline {
class Store;
namespace slack {
class SlackClient;
struct SlackFile;
} // namespace slack
} // namespace threadline

namespace threadline::files {

//! The job kinds of the files pipeline (all in the maintenance lane).
inline const QString DownloadKind = QStringLiteral("file_download"); //!< Slack file → files store
inline const QString ShareKind = QStringLiteral("file_share");       //!< stored file → one thread
inline const QString UnshareKind = QStringLiteral("file_unshare");   //!< delete one thread's copy

//! One claimed job, as the scheduler hands it over.
struct TransferJob
{
    qint64 id = 0;
    QString kind;
    qint64 requestId = 0;
    qint64 conversationId = 0;
    qint64 updateId = 0;
    int attempts = 0;
    QJsonObject payload;
    //! The scheduler's lease fence, asked before each Slack call: the call is made only when
    //! `then(true)`; `then(false)` ends the job Lost without the call. Empty: every call is made.
    std::function<void(const QString &method, std::function<void(bool held)> then)> beforeCall;
};

//! How a transfer job ended (mirrors the scheduler's outcome kinds).
struct TransferOutcome
{
    enum class Kind
    {
        Done,
        Failed,      //!< give up: the job ends in `failed`
        Retry,       //!< transient: backoff, counted
        RateLimited, //!< 429: wait delayMs, not counted
        Deferred,    //!< not ready yet (rate budget, thread not posted yet): wait delayMs, not counted
        Reauthorize, //!< token problem: keep the job, pause
        Lost,        //!< the job's lease was lost (another process has it): the call was not made
    };
    Kind kind = Kind::Done;
    Error error;
    qint64 delayMs = 0;
};

/*!
 * Runs the files pipeline's jobs (docs/files.md):
 * - `file_download`: files.info for a stub, then the safe download (FileDownloader) into the
 *   content-addressed store; the attachment becomes `stored` (and its shares are planned), or
 *   `refused` with the reason and a reply in the sender's thread.
 * - `file_share`: files.getUploadURLExternal → streamed upload → files.completeUploadExternal
 *   (channel + thread_ts) into one follower's thread. The Slack file id is recorded before the
 *   upload, so after a crash the thread is searched for it before anything is shared again.
 * - `file_unshare`: chat.delete of one thread's copy (message_not_found = done).
 */
class FileTransfers : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(const TransferOutcome &)>;

    FileTransfers(Store *store, const FilesOptions &options, QObject *parent = nullptr);
    ~FileTransfers() override;

    void setSlackClient(slack::SlackClient *client) { m_slack = client; }
    const FilesOptions &options() const { return m_options; }
    const FileStore &fileStore() const { return m_fileStore; }

    static bool handles(const QString &kind);
    //! The first Slack method a job calls, for the rate limiter.
    static QString firstMethod(const QString &kind);

    //! Runs a claimed job; \a done is called exactly once, unless this object is destroyed first.
    void run(const TransferJob &job, Done done);
    //! Called inside the transaction that marks the job `failed`: the attachment (download) or the
    //! thread's copy (share) shows the reason, for the desk.
    Result<void> recordFailure(const TransferJob &job, const QString &error);

    //! The refusal text for a file (what happened and what to do), sent in the sender's thread.
    static QString refusalText(const QString &fileName, const QString &reason, const QString &code,
                               const FilesOptions &options);

Q_SIGNALS:
    //! Jobs were inserted (refusal replies): the scheduler should reload.
    void jobsInserted();

private:
    class Transfer;
    friend class Transfer;

    Store *m_store;
    slack::SlackClient *m_slack = nullptr;
    FilesOptions m_options;
    FileStore m_fileStore;
};

/*!
 * Records the files of a Slack file_share in a request thread, inside the inbound transaction
 * (docs/files.md, "From Slack"): one attachment row per file on the new update, `pending` with a
 * `file_download` job, or `refused` at once (declared size over the limit, type not allowed) with
 * the explanatory reply in the sender's thread.
 */
struct FileIntake
{
    qint64 requestId = 0;
    qint64 updateId = 0;
    qint64 conversationId = 0;
    QString channel;   //!< the sender's DM
    QString threadTs;  //!< the request thread
    QString messageTs; //!< the file_share message
};
Result<int> recordSlackFiles(Store *store, const FilesOptions &options, const FileIntake &intake,
                             const QList<slack::SlackFile> &files);

//! Stores a file attached on the desk: streamed into \a store (never whole in memory), checked like a
//! Slack file (size cap, allowed types, signature; the name sanitised). Returns the metadata for
//! NewUpdate::attachments (state `stored`); TooLarge / Invalid / Forbidden with the reason otherwise.
Result<Attachment> storeDeskFile(const FileStore &store, const FilesOptions &options, QIODevice &source,
                                 const QString &name, const QString &mimeType);

//! Inserts the reply that explains a refused file into the sender's thread (a `reply_outside_thread` job).
Result<void> insertRefusalReply(Store *store, const FileIntake &intake, qint64 attachmentId,
                                const QString &text);

} // namespace threadline::files
