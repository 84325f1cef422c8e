#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QVariant>

#include <optional>
#include <utility>

// Plain value types of the request desk store. They cross threads (AsyncStore) and signals, so
// they hold only values: ids, strings, enums and timestamps (UTC, millisecond precision).

namespace threadline {

//! Lifecycle of a request. Stored in the database by name (see requestStatusName()).
enum class RequestStatus
{
    New,      //!< just created, nobody looked at it yet
    Open,     //!< being worked on
    Waiting,  //!< waiting for the requester or a third party
    Resolved, //!< the desk considers it done; the requester may reopen it
    Closed,   //!< final
};

QString requestStatusName(RequestStatus status);
std::optional<RequestStatus> requestStatusFromName(const QString &name);

//! Why a person follows a request.
enum class FollowReason
{
    Requester,
    Assignee,
    Team,
    Manual,
};

QString followReasonName(FollowReason reason);
std::optional<FollowReason> followReasonFromName(const QString &name);

//! Where an update was written.
enum class UpdateSource
{
    Desk,
    Slack,
};

QString updateSourceName(UpdateSource source);
std::optional<UpdateSource> updateSourceFromName(const QString &name);

struct Person
{
    qint64 id = 0;
    QString slackId; //!< Slack user id (U…/W…); empty when the person is known by email only
    QString name;
    QString email; //!< lower-case; empty when unknown
    bool isAgent = false;
    QDateTime createdAt;
    QDateTime updatedAt;
};

//! Input of Store::upsertPerson(). The person is matched by slackId when given, else by email.
struct PersonInput
{
    QString slackId;
    QString name;
    QString email;
    bool isAgent = false;
};

struct Team
{
    qint64 id = 0;
    QString name;
    QDateTime createdAt;
};

struct Request
{
    qint64 id = 0;
    QString title;
    QString body;
    RequestStatus status = RequestStatus::New;
    qint64 requesterId = 0;
    qint64 assigneeId = 0; //!< 0: unassigned
    qint64 teamId = 0;     //!< 0: no team
    QDateTime createdAt;
    QDateTime updatedAt;
    qint64 version = 0; //!< row version for optimistic concurrency; +1 on every change of a request field
};

struct Follower
{
    qint64 requestId = 0;
    qint64 personId = 0;
    FollowReason reason = FollowReason::Manual;
    QDateTime createdAt;
};

//! Metadata of a file attached to an update. The bytes live in the files datastore under storageKey.
struct Attachment
{
    qint64 id = 0;
    qint64 updateId = 0;
    QString name;
    QString mimeType;
    qint64 size = 0;
    QString sha256;     //!< 64 lower-case hex digits
    QString storageKey; //!< where the files module keeps the bytes
    QDateTime createdAt;
    //! Transfer state (docs/files.md): `stored`, `pending` (being fetched from Slack), `refused`
    //! (lastError says why) or `failed` (lastError; retryable). Only `stored` has bytes.
    QString state = QStringLiteral("stored");
    QString lastError = {};
    QString slackFileId = {}; //!< the Slack file it came from (F…), when it came from Slack
};

struct Update
{
    qint64 id = 0;
    qint64 requestId = 0;
    qint64 authorId = 0;
    QString text; //!< empty for a deleted update in a timeline
    UpdateSource source = UpdateSource::Desk;
    QDateTime createdAt;
    QDateTime editedAt;  //!< null when never edited
    QDateTime deletedAt; //!< null when not deleted
    qint64 deletedBy = 0;
    QList<Attachment> attachments;

    bool isDeleted() const { return deletedAt.isValid(); }
};

//! Input of Store::createRequest().
struct NewRequest
{
    QString title;
    QString body;
    qint64 requesterId = 0;
    qint64 assigneeId = 0;     //!< 0: unassigned
    qint64 teamId = 0;         //!< 0: no team; members of the team follow with reason Team
    QList<qint64> followerIds; //!< extra followers, reason Manual
    qint64 actorId = 0;        //!< who created it (audit); 0: the requester
};

//! Input of Store::postUpdate().
struct NewUpdate
{
    qint64 requestId = 0;
    qint64 authorId = 0;
    QString text;
    UpdateSource source = UpdateSource::Desk;
    QList<Attachment> attachments; //!< metadata only; id, updateId and createdAt are ignored
};

//! A request with everything the desk shows about it.
struct Timeline
{
    Request request;
    QList<Follower> followers;
    QList<Update> updates; //!< in desk order (oldest first), with attachment metadata
};

//! Filters and page position of Store::listRequests().
struct RequestQuery
{
    QList<RequestStatus> statuses;    //!< empty: any status
    std::optional<qint64> assigneeId; //!< set to 0 for "unassigned"
    std::optional<qint64> teamId;
    //! Search text (docs/store.md, "Search"): its words (letters and digits, at most 8) each match
    //! as a word prefix; a request matches when there is one part of it, its body or one live
    //! update, such that every word is in the title or in that part. Empty: a plain list.
    QString text;
    QString cursor; //!< RequestPage::nextCursor of the previous page; empty for the first page
    int limit = 50; //!< 1..200
};

//! One page of requests. A list: most recently updated first (ties broken by id, descending). A
//! search (RequestQuery::text set): most recent matching document first. The cursor of one kind is
//! refused by the other.
struct RequestPage
{
    QList<Request> requests;
    QString nextCursor; //!< empty when this is the last page
};

//! A column the request list can be sorted by (Store::listRequestsSorted()).
enum class RequestSortKey
{
    Id,
    Title,    //!< case-insensitive
    Status,   //!< workflow order: new, open, waiting, resolved, closed
    Assignee, //!< the assignee's name, case-insensitive; unassigned sorts as an empty name
    UpdatedAt,
};

//! One page of a sorted list. The next page starts after (lastKey, lastId).
struct SortedRequestPage
{
    QList<Request> requests;
    QVariant lastKey; //!< the last row's sort key
    qint64 lastId = 0;
    bool atEnd = true;
};

//! What a committed change did. Emitted by Store::changed() only after COMMIT.
struct StoreChange
{
    enum class Kind
    {
        RequestCreated,
        StatusChanged,
        AssigneeChanged,
        TitleChanged,
        FollowerAdded,
        FollowerRemoved,
        UpdatePosted,
        UpdateEdited,
        UpdateDeleted,
        AttachmentAdded,
        PersonUpserted,
        TeamUpserted,
        TeamMembershipChanged,
    };

    Kind kind = Kind::RequestCreated;
    qint64 requestId = 0;
    qint64 updateId = 0;
    qint64 personId = 0; //!< the follower, the person upserted, or the team member
    qint64 teamId = 0;
    qint64 actorId = 0; //!< who did it, when known
    qint64 version = 0; //!< the request's row version after the change, when a request changed
    UpdateSource source = UpdateSource::Desk; //!< for update changes

    bool operator==(const StoreChange &) const = default;
};

QString storeChangeKindName(StoreChange::Kind kind);

//! A sync job to queue (Store::enqueueJob; docs/sync.md). Ids of 0 are stored as NULL.
struct NewJob
{
    QString lane;        //!< "fast" or "maintenance"
    QString kind;        //!< what the scheduler runs, e.g. post_reply
    QString orderingKey; //!< jobs with one key run one at a time, in id order
    QString payload;     //!< a JSON object; empty: {}
    QString dedupeKey;   //!< unique among jobs: queuing the same key again does nothing
    qint64 requestId = 0;
    qint64 conversationId = 0;
    qint64 updateId = 0;
    qint64 notBefore = 0; //!< UTC ms; 0: now
};

//! The answer a REST write sent with an Idempotency-Key stored with it (Store::claimIdempotencyKey).
struct IdempotentAnswer
{
    QString fingerprint; //!< of the request it answered (method, path, If-Match, body)
    int status = 0;
    QByteArray contentType;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    qint64 createdAt = 0; //!< UTC ms
};

} // namespace threadline

Q_DECLARE_METATYPE(threadline::StoreChange)
Q_DECLARE_METATYPE(threadline::Request)
Q_DECLARE_METATYPE(threadline::Update)
