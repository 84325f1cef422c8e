#include "remotedesk.h"

#include "futurewatch.h"
#include "guilogging.h"
#include "store/asyncstore.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QPromise>
#include <QRegularExpression>
#include <QSaveFile>

namespace threadline::gui {

namespace {

struct Applied
{
    qint64 localRequest = 0;
    QList<QPair<qint64, qint64>> updates; //!< server id, cache id
};

//! The cache person for an API key (Slack user id, else email); unknown keys become people.
Result<qint64> personFor(Store &store, const QString &key)
{
    if (key.isEmpty())
        return qint64(0);
    const bool email = key.contains(QLatin1Char('@'));
    auto known = email ? store.personByEmail(key) : store.personBySlackId(key);
    if (known)
        return known->id;
    auto made = store.upsertPerson(PersonInput{email ? QString() : key, key, email ? key : QString(), false});
    if (!made)
        return made.error();
    return made->id;
}

Result<Applied> applyTimeline(Store &store, const RemoteTimeline &remote, qint64 localId,
                              const QHash<qint64, qint64> &knownUpdates)
{
    return store.transaction([&]() -> Result<Applied> {
        Applied out;
        const RemoteRequest &r = remote.request;
        auto requester = personFor(store, r.requester);
        if (!requester)
            return requester.error();
        auto assignee = personFor(store, r.assignee);
        if (!assignee)
            return assignee.error();
        qint64 teamId = 0;
        if (!r.team.isEmpty()) {
            auto team = store.upsertTeam(r.team);
            if (!team)
                return team.error();
            teamId = team->id;
        }
        const RequestStatus status = requestStatusFromName(r.status).value_or(RequestStatus::New);
        Request local;
        if (localId == 0) {
            auto created = store.createRequest(
                NewRequest{r.title, r.body, *requester, *assignee, teamId, {}, *requester});
            if (!created)
                return created.error();
            local = created.value();
        } else {
            auto current = store.request(localId);
            if (!current)
                return current.error();
            local = current.value();
        }
        if (local.title != r.title) {
            auto changed = store.setTitle(local.id, r.title, local.version, *requester);
            if (!changed)
                return changed.error();
            local = changed.value();
        }
        if (local.status != status) {
            auto changed = store.setStatus(local.id, status, local.version, *requester);
            if (!changed)
                return changed.error();
            local = changed.value();
        }
        if (local.assigneeId != *assignee) {
            auto changed = store.setAssignee(local.id, *assignee, local.version, *requester);
            if (!changed)
                return changed.error();
            local = changed.value();
        }
        out.localRequest = local.id;

        // Followers: the server's list, as it is.
        auto followers = store.followers(local.id);
        if (!followers)
            return followers.error();
        QSet<qint64> wanted;
        for (const RemoteFollower &f : remote.followers) {
            auto person = personFor(store, f.user);
            if (!person)
                return person.error();
            wanted.insert(*person);
        }
        QSet<qint64> present;
        for (const Follower &f : followers.value()) {
            present.insert(f.personId);
            if (!wanted.contains(f.personId)) {
                if (auto removed = store.removeFollower(local.id, f.personId, *requester); !removed)
                    return removed.error();
            }
        }
        for (qint64 person : std::as_const(wanted)) {
            if (!present.contains(person)) {
                if (auto added = store.addFollower(local.id, person, *requester); !added)
                    return added.error();
            }
        }

        // Updates: new ones are posted, changed ones edited, deleted ones deleted.
        for (const RemoteUpdate &u : remote.updates) {
            auto author = personFor(store, u.author);
            if (!author)
                return author.error();
            qint64 updateId = knownUpdates.value(u.id);
            Update current;
            if (updateId == 0) {
                if (u.deleted)
                    continue; // deleted before this console saw it
                const UpdateSource source = updateSourceFromName(u.source).value_or(UpdateSource::Desk);
                auto posted = store.postUpdate(NewUpdate{local.id, *author, u.text, source, {}});
                if (!posted)
                    return posted.error();
                current = posted.value();
                updateId = current.id;
            } else {
                auto known = store.update(updateId);
                if (!known)
                    return known.error();
                current = known.value();
            }
            out.updates.append({u.id, updateId});
            if (!u.attachments.isEmpty()) {
                // The server's attachments as they are (metadata only: the bytes stay there).
                if (auto cleared = store.execAffected(
                        QStringLiteral("DELETE FROM attachments WHERE update_id = ?"), {updateId});
                    !cleared)
                    return cleared.error();
                for (const RemoteAttachment &a : u.attachments) {
                    auto inserted = store.execAffected(
                        QStringLiteral("INSERT INTO attachments (update_id, name, mime_type, size, sha256, "
                                       "storage_key, created_at, state, last_error) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                        {updateId, a.name.left(Store::MaxNameLength), a.mimeType.left(255),
                         qMax<qint64>(0, a.size), a.sha256.left(64), QStringLiteral("remote:%1").arg(a.id),
                         store.now(), a.state.isEmpty() ? QStringLiteral("stored") : a.state.left(32),
                         a.lastError.isEmpty() ? QVariant() : QVariant(a.lastError.left(2000))});
                    if (!inserted)
                        return inserted.error();
                }
            }
            if (u.deleted && !current.deletedAt.isValid()) {
                if (auto deleted = store.deleteUpdate(updateId, *author); !deleted)
                    return deleted.error();
            } else if (!u.deleted && current.text != u.text) {
                if (auto edited = store.editUpdate(updateId, u.text, *author); !edited)
                    return edited.error();
            }
        }
        return out;
    });
}

} // namespace

RemoteDesk::RemoteDesk(AsyncStore *cache, const QUrl &serverUrl, const QString &token, QObject *parent)
    : QObject(parent)
    , m_cache(cache)
    , m_nam(new QNetworkAccessManager(this))
    , m_api(new ApiClient(m_nam, serverUrl, token, this))
    , m_stream(new ApiStreamClient(serverUrl, token, this))
{
    connect(m_stream, &ApiStreamClient::eventReceived, this, &RemoteDesk::onEvent);
    connect(m_stream, &ApiStreamClient::authenticationFailed, this, [this](const QString &reason) {
        Q_EMIT failed(
            makeError(ErrorCode::Unauthorized, tr("The server refused the agent token: %1").arg(reason)));
    });
    // After a drop, what changed meanwhile is read again.
    connect(m_stream, &ApiStreamClient::connected, this, [this] {
        if (m_agentKey.isEmpty()) {
            m_agentKey = m_stream->user();
            finishInitial();
        }
        if (m_synced) {
            const QList<qint64> ids = m_requests.keys();
            for (qint64 id : ids)
                refresh(id);
        }
    });
}

RemoteDesk::~RemoteDesk() = default;

void RemoteDesk::start()
{
    m_stream->open(); // events that arrive while listing re-read their request: nothing is missed
    loadPeople({});
}

void RemoteDesk::loadPeople(const QString &cursor)
{
    whenFinished(this, m_api->people(cursor, 1000), [this](const Result<RemotePeoplePage> &page) {
        if (!page) {
            Q_EMIT failed(page.error());
            return;
        }
        const QList<RemotePerson> people = page->people;
        const QString next = page->nextCursor;
        whenFinished(this, m_cache->run<int>([people](Store &store) -> Result<int> {
            return store.transaction([&]() -> Result<int> {
                for (const RemotePerson &p : people) {
                    auto saved = store.upsertPerson(PersonInput{p.slackId, p.name, p.email, p.isAgent});
                    if (!saved)
                        return saved.error();
                }
                return int(people.size());
            });
        }),
                     [this, next](const Result<int> &saved) {
                         if (!saved) {
                             Q_EMIT failed(saved.error());
                             return;
                         }
                         if (!next.isEmpty())
                             loadPeople(next);
                         else
                             loadRequests({});
                     });
    });
}

void RemoteDesk::loadRequests(const QString &cursor)
{
    RemoteQuery query;
    query.cursor = cursor;
    whenFinished(this, m_api->listRequests(query), [this](const Result<RemotePage> &page) {
        if (!page) {
            Q_EMIT failed(page.error());
            return;
        }
        for (const RemoteRequest &r : page->requests) {
            ++m_initialPending;
            refresh(r.id);
        }
        if (!page->nextCursor.isEmpty()) {
            loadRequests(page->nextCursor);
            return;
        }
        m_listed = true;
        finishInitial();
    });
}

void RemoteDesk::finishInitial()
{
    if (m_synced || !m_listed || m_initialPending > 0 || m_agentKey.isEmpty())
        return;
    m_synced = true;
    qCInfo(lcGui) << "remote desk mirrored:" << m_requests.size() << "requests";
    Q_EMIT synced();
}

void RemoteDesk::refresh(qint64 remoteRequestId)
{
    if (m_busy.contains(remoteRequestId)) {
        m_again.insert(remoteRequestId);
        return;
    }
    m_busy.insert(remoteRequestId);
    whenFinished(this, m_api->request(remoteRequestId),
                 [this, remoteRequestId](const Result<RemoteTimeline> &t) {
                     if (!t) {
                         m_busy.remove(remoteRequestId);
                         if (!m_synced && m_initialPending > 0) {
                             --m_initialPending;
                             finishInitial();
                         }
                         if (t.error().code != ErrorCode::NotFound)
                             Q_EMIT failed(t.error());
                         return;
                     }
                     apply(t.value());
                 });
}

void RemoteDesk::apply(const RemoteTimeline &timeline)
{
    const qint64 remoteId = timeline.request.id;
    m_versions.insert(remoteId, timeline.request.version);
    const qint64 localId = m_requests.value(remoteId);
    QHash<qint64, qint64> known;
    for (const RemoteUpdate &u : timeline.updates) {
        if (m_updates.contains(u.id))
            known.insert(u.id, m_updates.value(u.id));
    }
    whenFinished(this, m_cache->run<Applied>([timeline, localId, known](Store &store) {
        return applyTimeline(store, timeline, localId, known);
    }),
                 [this, remoteId](const Result<Applied> &applied) {
                     m_busy.remove(remoteId);
                     if (!m_synced && m_initialPending > 0 && !m_requests.contains(remoteId)) {
                         --m_initialPending;
                     }
                     if (!applied) {
                         Q_EMIT failed(applied.error());
                     } else {
                         m_requests.insert(remoteId, applied->localRequest);
                         for (const auto &u : applied->updates)
                             m_updates.insert(u.first, u.second);
                         Q_EMIT requestMirrored(remoteId, applied->localRequest);
                     }
                     if (m_again.remove(remoteId))
                         refresh(remoteId);
                     finishInitial();
                 });
}

void RemoteDesk::onEvent(const QJsonObject &event)
{
    const qint64 requestId = event.value(QStringLiteral("request_id")).toInteger();
    const QString type = event.value(QStringLiteral("type")).toString();
    if (requestId <= 0 || type == QLatin1String("queues"))
        return;
    if (type == QLatin1String("thread.changed")) {
        Q_EMIT threadsChanged(requestId);
        return;
    }
    refresh(requestId);
}

} // namespace threadline::gui

namespace threadline::gui {

namespace {

//! The server's attachment id of a mirrored attachment (storage key `remote:<id>`); 0 otherwise.
qint64 remoteAttachmentId(const Attachment &a)
{
    static const QString prefix = QStringLiteral("remote:");
    if (!a.storageKey.startsWith(prefix))
        return 0;
    bool ok = false;
    const qint64 id = a.storageKey.mid(prefix.size()).toLongLong(&ok);
    return ok && id > 0 ? id : 0;
}

bool isHash(const QString &s)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    return hex.match(s).hasMatch();
}

} // namespace

QString RemoteDesk::cachedFile(const Attachment &attachment) const
{
    if (m_filesDirectory.isEmpty() || attachment.state != QLatin1String("stored") ||
        !remoteAttachmentId(attachment) || !isHash(attachment.sha256))
        return {};
    const QString path = QDir(m_filesDirectory).filePath(attachment.sha256);
    const auto running = m_fetches.constFind(attachment.sha256);
    // Only a finished, successful fetch of this run counts (a file left from before is not trusted).
    if (running == m_fetches.cend() || !running->isFinished() || !running->result().ok())
        return {};
    return QFileInfo::exists(path) ? path : QString();
}

QFuture<Result<QString>> RemoteDesk::fetchFile(const Attachment &attachment, qint64 maxBytes,
                                               bool retryFailed)
{
    const qint64 id = remoteAttachmentId(attachment);
    const auto fail = [](const Error &e) {
        QPromise<Result<QString>> promise;
        promise.start();
        promise.addResult(e);
        promise.finish();
        return promise.future();
    };
    if (!id || attachment.state != QLatin1String("stored") || !isHash(attachment.sha256) ||
        m_filesDirectory.isEmpty())
        return fail(
            makeError(ErrorCode::NotFound, tr("The server keeps no bytes for %1.").arg(attachment.name)));
    const QString sha = attachment.sha256;
    if (auto known = m_fetches.constFind(sha); known != m_fetches.cend()) {
        if (!known->isFinished() || known->result().ok() || !retryFailed)
            return *known;
    }
    const QString path = QDir(m_filesDirectory).filePath(sha);
    const QString directory = m_filesDirectory;
    QFuture<Result<QString>> future =
        m_api->attachmentContent(id, maxBytes)
            .then(QtFuture::Launch::Async,
                  [sha, path, directory](const Result<QByteArray> &bytes) -> Result<QString> {
                      if (!bytes)
                          return bytes.error();
                      if (QString::fromLatin1(
                              QCryptographicHash::hash(bytes.value(), QCryptographicHash::Sha256).toHex()) !=
                          sha)
                          return makeError(
                              ErrorCode::Invalid,
                              QCoreApplication::translate("threadline::gui::RemoteDesk",
                                                          "The server sent other bytes than the file's."));
                      QDir().mkpath(directory);
                      QSaveFile file(path);
                      if (!file.open(QIODevice::WriteOnly) ||
                          file.write(bytes.value()) != bytes.value().size() || !file.commit())
                          return makeError(ErrorCode::Unavailable,
                                           QCoreApplication::translate("threadline::gui::RemoteDesk",
                                                                       "%1 cannot be written.")
                                               .arg(QDir::toNativeSeparators(path)));
                      return path;
                  });
    m_fetches.insert(sha, future);
    return future;
}

} // namespace threadline::gui
