#pragma once

#include "api/apiclient.h"
#include "core/result.h"
#include "store/storetypes.h"

#include <QFuture>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QUrl>

class QNetworkAccessManager;

namespace threadline {
class AsyncStore;
}

namespace threadline::gui {

/*!
 * The console's remote mode, read side: mirrors a threadlined server's desk (docs/api.md) into the
 * console's cache store so the views, which read that store, show the server's requests. People
 * are matched by their API key (Slack user id, else email); requests and updates keep a map from
 * the server's ids to the cache's. The stream (GET /api/v1/stream) keeps the mirror live: every
 * request or update event re-reads that request and applies the difference.
 *
 * All network work is asynchronous (ApiClient); all store work runs on the AsyncStore's thread.
 */
class RemoteDesk : public QObject
{
    Q_OBJECT

public:
    RemoteDesk(AsyncStore *cache, const QUrl &serverUrl, const QString &token, QObject *parent = nullptr);
    ~RemoteDesk() override;

    //! Reads every person and request, then opens the stream; emits synced() or failed().
    void start();
    bool isSynced() const { return m_synced; }
    //! The person the token belongs to (Slack user id or email; "admin" for the admin token), from
    //! the stream's hello; synced() waits for it.
    QString agentKey() const { return m_agentKey; }
    //! The server's version of a request as last read (PATCH needs it).
    qint64 serverVersion(qint64 remoteRequestId) const { return m_versions.value(remoteRequestId); }
    ApiClient *api() const { return m_api; }

    qint64 localRequestId(qint64 remoteId) const { return m_requests.value(remoteId); }
    qint64 remoteRequestId(qint64 localId) const { return m_requests.key(localId); }
    qint64 localUpdateId(qint64 remoteId) const { return m_updates.value(remoteId); }
    qint64 remoteUpdateId(qint64 localId) const { return m_updates.key(localId); }

    //! Re-reads one request of the server (by its server id) into the cache.
    void refresh(qint64 remoteRequestId);

    //! Where fetched attachment bytes are kept (`<sha256>` files; Session: remote-files in the data
    //! folder, emptied at each start like the cache database).
    void setFilesDirectory(const QString &directory) { m_filesDirectory = directory; }
    //! The local copy of a mirrored attachment's bytes when fetched already; else empty.
    QString cachedFile(const Attachment &attachment) const;
    //! Fetches a mirrored attachment's bytes (GET /api/v1/attachments/{id}/content, at most
    //! maxBytes) into the files directory, written and checked against its SHA-256 on a worker
    //! thread; the local path. One fetch per file at a time; a failed fetch is not retried when
    //! retryFailed is false (thumbnails ask again on every paint).
    QFuture<Result<QString>> fetchFile(const Attachment &attachment, qint64 maxBytes, bool retryFailed);

Q_SIGNALS:
    void synced();
    void failed(const threadline::Error &error);
    //! A request of the server is in the cache as it is now (ids: server, cache).
    void requestMirrored(qint64 remoteRequestId, qint64 localRequestId);
    //! The server's sync engine changed a Slack thread of this request (server id).
    void threadsChanged(qint64 remoteRequestId);

private:
    void loadPeople(const QString &cursor);
    void loadRequests(const QString &cursor);
    void apply(const RemoteTimeline &timeline);
    void onEvent(const QJsonObject &event);
    void finishInitial();

    AsyncStore *m_cache;
    QNetworkAccessManager *m_nam;
    ApiClient *m_api;
    ApiStreamClient *m_stream;
    QHash<qint64, qint64> m_requests; //!< server request id → cache request id
    QHash<qint64, qint64> m_updates;  //!< server update id → cache update id
    QHash<qint64, qint64> m_versions; //!< server request id → its version as last read
    QString m_filesDirectory;
    QHash<QString, QFuture<Result<QString>>> m_fetches; //!< by SHA-256: running or finished fetches
    QString m_agentKey;
    QSet<qint64> m_busy;  //!< server request ids being applied
    QSet<qint64> m_again; //!< changed again while being applied
    int m_initialPending = 0;
    bool m_listed = false;
    bool m_synced = false;
};

} // namespace threadline::gui
