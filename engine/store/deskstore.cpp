// Desk operations of the Store: people, teams, requests, followers, updates, timelines, lists.
// Every write runs in one transaction, validates its input first, writes an audit row and
// announces its change (emitted after COMMIT).

#include "store/store.h"
#include "store/textvalidation.h"

#include "core/logging.h"

#include <QRegularExpression>
#include <QSet>
#include <QSqlError>
#include <QSqlRecord>

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

namespace threadline {

namespace {

const QString kRequestColumns =
    QStringLiteral("r.id, r.title, r.body, r.status, r.requester_id, r.assignee_id, r.team_id, r.created_at, "
                   "r.updated_at, r.version");
const QString kUpdateColumns = QStringLiteral("u.id, u.request_id, u.author_id, u.text, u.source, "
                                              "u.created_at, u.edited_at, u.deleted_at, u.deleted_by");
const QString kPersonColumns = QStringLiteral("id, slack_id, name, email, is_agent, created_at, updated_at");
const QString kTeamColumns = QStringLiteral("id, name, created_at");
const QString kAttachmentColumns =
    QStringLiteral("a.id, a.update_id, a.name, a.mime_type, a.size, a.sha256, a.storage_key, a.created_at, "
                   "a.state, a.last_error, a.slack_file_id");

QDateTime toTime(const QVariant &v)
{
    if (v.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

QVariant nullableId(qint64 id)
{
    return id > 0 ? QVariant(id) : QVariant(QMetaType::fromType<qint64>());
}

QVariant nullableText(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

Request readRequest(const QSqlQuery &q)
{
    Request r;
    r.id = q.value(0).toLongLong();
    r.title = q.value(1).toString();
    r.body = q.value(2).toString();
    r.status = requestStatusFromName(q.value(3).toString()).value_or(RequestStatus::New);
    r.requesterId = q.value(4).toLongLong();
    r.assigneeId = q.value(5).toLongLong();
    r.teamId = q.value(6).toLongLong();
    r.createdAt = toTime(q.value(7));
    r.updatedAt = toTime(q.value(8));
    r.version = q.value(9).toLongLong();
    return r;
}

Update readUpdate(const QSqlQuery &q)
{
    Update u;
    u.id = q.value(0).toLongLong();
    u.requestId = q.value(1).toLongLong();
    u.authorId = q.value(2).toLongLong();
    u.text = q.value(3).toString();
    u.source = updateSourceFromName(q.value(4).toString()).value_or(UpdateSource::Desk);
    u.createdAt = toTime(q.value(5));
    u.editedAt = toTime(q.value(6));
    u.deletedAt = toTime(q.value(7));
    u.deletedBy = q.value(8).toLongLong();
    return u;
}

Person readPerson(const QSqlQuery &q)
{
    Person p;
    p.id = q.value(0).toLongLong();
    p.slackId = q.value(1).toString();
    p.name = q.value(2).toString();
    p.email = q.value(3).toString();
    p.isAgent = q.value(4).toBool();
    p.createdAt = toTime(q.value(5));
    p.updatedAt = toTime(q.value(6));
    return p;
}

Team readTeam(const QSqlQuery &q)
{
    return Team{q.value(0).toLongLong(), q.value(1).toString(), toTime(q.value(2))};
}

Attachment readAttachment(const QSqlQuery &q)
{
    Attachment a;
    a.id = q.value(0).toLongLong();
    a.updateId = q.value(1).toLongLong();
    a.name = q.value(2).toString();
    a.mimeType = q.value(3).toString();
    a.size = q.value(4).toLongLong();
    a.sha256 = q.value(5).toString();
    a.storageKey = q.value(6).toString();
    a.createdAt = toTime(q.value(7));
    a.state = q.value(8).toString();
    a.lastError = q.value(9).toString();
    a.slackFileId = q.value(10).toString();
    return a;
}

// Runs a query for at most one row and reads it with read(); missing when there is no row.
template<typename Reader>
auto readOne(Store &store, const QString &sql, const QVariantList &binds, Reader read, const Error &missing)
    -> Result<std::invoke_result_t<Reader, const QSqlQuery &>>
{
    auto q = store.exec(sql, binds);
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return missing;
    return read(*q.value());
}

StoreChange membershipChange(qint64 teamId, qint64 personId)
{
    StoreChange change;
    change.kind = StoreChange::Kind::TeamMembershipChanged;
    change.teamId = teamId;
    change.personId = personId;
    return change;
}

// The change announced when an update is posted, edited or deleted.
StoreChange updateChange(StoreChange::Kind kind, const Update &u, qint64 actorId)
{
    StoreChange change;
    change.kind = kind;
    change.requestId = u.requestId;
    change.updateId = u.id;
    change.personId = u.authorId;
    change.actorId = actorId;
    change.source = u.source;
    return change;
}

// New activity on a request's updates moves it up the desk.
Result<void> touchRequest(Store &store, qint64 requestId, qint64 t)
{
    auto touched =
        store.execAffected(QStringLiteral("UPDATE requests SET updated_at = ? WHERE id = ?"), {t, requestId});
    if (!touched)
        return touched.error();
    return {};
}

Error updateWasDeleted(qint64 updateId)
{
    return makeError(ErrorCode::Conflict, QStringLiteral("Update %1 was deleted").arg(updateId),
                     QStringLiteral("updateId"));
}

QVariantMap requestSnapshot(const Request &r)
{
    return {{QStringLiteral("title"), r.title},
            {QStringLiteral("status"), requestStatusName(r.status)},
            {QStringLiteral("requester_id"), r.requesterId},
            {QStringLiteral("assignee_id"), r.assigneeId},
            {QStringLiteral("team_id"), r.teamId},
            {QStringLiteral("version"), r.version}};
}

Error notFound(const QString &what, qint64 id, const QString &field)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("%1 %2 does not exist").arg(what).arg(id), field);
}

Result<QString> checkEmail(const QString &email)
{
    auto text = checkText(email, QStringLiteral("email"), QStringLiteral("The email address"),
                          {Store::MaxEmailLength, false, false, true});
    if (!text || text.value().isEmpty())
        return text;
    static const QRegularExpression pattern(QStringLiteral("^[^@\\s]+@[^@\\s]+$"));
    if (!pattern.match(text.value()).hasMatch())
        return makeError(ErrorCode::Invalid, QStringLiteral("The email address is not valid"),
                         QStringLiteral("email"));
    return text.value().toLower();
}

Result<QString> checkSlackId(const QString &slackId)
{
    if (slackId.isEmpty())
        return slackId;
    static const QRegularExpression pattern(QStringLiteral("^[A-Z][A-Z0-9]{1,31}$"));
    if (!pattern.match(slackId).hasMatch())
        return makeError(ErrorCode::Invalid, QStringLiteral("The Slack user id is not valid"),
                         QStringLiteral("slackId"));
    return slackId;
}

Result<void> checkAttachment(const Attachment &a)
{
    auto name = checkText(a.name, QStringLiteral("attachments.name"), QStringLiteral("The file name"),
                          {Store::MaxNameLength, true, false, false});
    if (!name)
        return name.error();
    static const QRegularExpression mime(QStringLiteral("^[a-zA-Z0-9!#$&^_.+-]+/[a-zA-Z0-9!#$&^_.+-]+$"));
    if (a.mimeType.size() > 255 || !mime.match(a.mimeType).hasMatch())
        return makeError(ErrorCode::Invalid, QStringLiteral("The file type is not a valid MIME type"),
                         QStringLiteral("attachments.mimeType"));
    if (a.size < 0)
        return makeError(ErrorCode::Invalid, QStringLiteral("The file size must not be negative"),
                         QStringLiteral("attachments.size"));
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{64}$"));
    if (!sha.match(a.sha256).hasMatch())
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("The SHA-256 hash must be 64 lower-case hex digits"),
                         QStringLiteral("attachments.sha256"));
    auto key = checkText(a.storageKey, QStringLiteral("attachments.storageKey"),
                         QStringLiteral("The storage key"), {500, true, false, false});
    if (!key)
        return key.error();
    return {};
}

// Turns search text into words: runs of letters and digits, lower-cased, at most 8 distinct
// words of at most 64 code points. Everything else separates words, so quotes, operators and
// other query syntax never reach the full-text engine.
QStringList searchWords(const QString &text)
{
    QStringList words;
    QString current;
    int length = 0;
    auto flush = [&] {
        if (!current.isEmpty()) {
            const QString word = current.toLower();
            if (words.size() < 8 && !words.contains(word))
                words << word;
        }
        current.clear();
        length = 0;
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        char32_t c = text.at(i).unicode();
        qsizetype units = 1;
        if (text.at(i).isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            c = QChar::surrogateToUcs4(text.at(i), text.at(i + 1));
            units = 2;
        }
        if (QChar::isLetterOrNumber(c)) {
            if (length < 64)
                current += text.mid(i, units);
            ++length;
        } else {
            flush();
        }
        i += units - 1;
    }
    flush();
    return words;
}

// Page cursors are opaque to clients: their text in unpadded base64url.
QString toCursor(const QString &text)
{
    return QString::fromLatin1(
        text.toLatin1().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<QByteArray> fromCursor(const QString &cursor)
{
    auto decoded = QByteArray::fromBase64Encoding(
        cursor.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return std::move(decoded.decoded);
}

QString encodeCursor(qint64 updatedAt, qint64 id)
{
    return toCursor(QStringLiteral("%1:%2").arg(updatedAt).arg(id));
}

bool decodeCursor(const QString &cursor, qint64 *updatedAt, qint64 *id)
{
    const auto decoded = fromCursor(cursor);
    if (!decoded)
        return false;
    const QList<QByteArray> parts = decoded->split(':');
    if (parts.size() != 2)
        return false;
    bool ok1 = false, ok2 = false;
    *updatedAt = parts.at(0).toLongLong(&ok1);
    *id = parts.at(1).toLongLong(&ok2);
    return ok1 && ok2 && *id > 0;
}

// A search page cursor: the search key (a search_docs id) of the last request on the page.
QString encodeSearchCursor(qint64 key)
{
    return toCursor(QStringLiteral("s:%1").arg(key));
}

bool decodeSearchCursor(const QString &cursor, qint64 *key)
{
    const auto decoded = fromCursor(cursor);
    if (!decoded || !decoded->startsWith("s:"))
        return false;
    bool ok = false;
    *key = decoded->mid(2).toLongLong(&ok);
    return ok && *key > 0;
}

// Text search (docs/store.md, "Search"). A document is a request's title + body or one live
// update's text prefixed with the request's title; a request matches when one of its documents
// holds every word (each as a word prefix). A request's search key is its newest matching
// document's id: requests come most recent match first, and a page cursor is the key of the page's
// last request.
// SQLite: one FTS5 MATCH of all the words, walked by rowid descending (FTS5 walks its doclists in
// that order without sorting) and joined to the request filters; requests are de-duplicated while
// stepping and the walk stops at limit + 1 distinct requests (the extra one tells that a next page
// exists). A request's first row is its key; a next page walks again from the newest document and
// passes over the requests keyed at or above the cursor, so a request with older matching documents
// below the cursor never shows twice.
// PostgreSQL: one grouped statement per page over the GIN index.
Result<RequestPage> searchRequests(Store &store, const QStringList &words, const QString &filterSql,
                                   const QVariantList &filterBinds, const QString &cursor, int limit)
{
    qint64 below = std::numeric_limits<qint64>::max();
    if (!cursor.isEmpty() && !decodeSearchCursor(cursor, &below))
        return makeError(ErrorCode::Invalid, QStringLiteral("The page cursor is not valid"),
                         QStringLiteral("cursor"));

    RequestPage page;
    QList<qint64> ids;  // the page's requests, in order
    QList<qint64> keys; // their search keys
    QStringList terms;  // words are letters and digits only (searchWords), never query syntax
    if (store.backend() == DatabaseUrl::Backend::Sqlite) {
        for (const QString &w : words)
            terms << QLatin1Char('"') + w + QStringLiteral("\"*");
        const QString requests =
            filterSql.isEmpty() ? QString() : QStringLiteral(" CROSS JOIN requests r ON r.id = d.request_id");
        const QString sql = QStringLiteral("SELECT f.rowid, d.request_id FROM search_fts f CROSS JOIN "
                                           "search_docs d ON d.id = f.rowid") +
                            requests + QStringLiteral(" WHERE search_fts MATCH ?") + filterSql +
                            QStringLiteral(" ORDER BY f.rowid DESC");
        auto q = store.exec(sql, QVariantList{terms.join(QStringLiteral(" AND "))} + filterBinds);
        if (!q)
            return q.error();
        QueryGuard guard(q.value()); // forward-only (Store::exec): rows are stepped, never buffered
        QSet<qint64> seen;
        while (q.value()->next()) {
            const qint64 doc = q.value()->value(0).toLongLong();
            const qint64 requestId = q.value()->value(1).toLongLong();
            if (seen.contains(requestId))
                continue;
            seen.insert(requestId);
            if (doc >= below)
                continue; // on an earlier page
            if (ids.size() == limit) {
                page.nextCursor = encodeSearchCursor(keys.constLast());
                break;
            }
            ids << requestId;
            keys << doc;
        }
        if (q.value()->lastError().isValid()) {
            Error e =
                makeError(ErrorCode::Internal, QStringLiteral("The search failed"), QStringLiteral("text"));
            e.detail = q.value()->lastError().text();
            return e;
        }
    } else {
        for (const QString &w : words)
            terms << w + QStringLiteral(":*");
        const QString requests =
            filterSql.isEmpty() ? QString() : QStringLiteral(" JOIN requests r ON r.id = d.request_id");
        // The key is the newest matching document of all (HAVING, not WHERE d.id < cursor: a
        // request on an earlier page may have older matching documents below the cursor).
        const QString sql =
            QStringLiteral("SELECT d.request_id, max(d.id) AS k FROM search_docs d") + requests +
            QStringLiteral(" WHERE d.search @@ to_tsquery('simple', ?)") + filterSql +
            QStringLiteral(" GROUP BY d.request_id HAVING max(d.id) < ? ORDER BY k DESC LIMIT ?");
        auto q = store.exec(sql, QVariantList{terms.join(QStringLiteral(" & "))} + filterBinds +
                                     QVariantList{below, limit + 1});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        while (q.value()->next()) {
            if (ids.size() == limit) {
                page.nextCursor = encodeSearchCursor(keys.constLast());
                break;
            }
            ids << q.value()->value(0).toLongLong();
            keys << q.value()->value(1).toLongLong();
        }
    }
    if (ids.isEmpty())
        return page;
    // The page's rows in one statement, put in search order.
    QString sql = QStringLiteral("SELECT ") + kRequestColumns +
                  QStringLiteral(" FROM requests r WHERE r.id IN (") +
                  QStringList(ids.size(), QStringLiteral("?")).join(QLatin1Char(',')) + QLatin1Char(')');
    QVariantList binds;
    for (qint64 id : std::as_const(ids))
        binds << id;
    auto q = store.exec(sql, binds);
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    QHash<qint64, Request> rows;
    while (q.value()->next()) {
        Request r = readRequest(*q.value());
        rows.insert(r.id, r);
    }
    for (qint64 id : std::as_const(ids))
        page.requests << rows.value(id);
    return page;
}

} // namespace

// ---- helpers ---------------------------------------------------------------------------------

Result<void> Store::requirePerson(qint64 id, const QString &field)
{
    if (id <= 0)
        return makeError(ErrorCode::Invalid, QStringLiteral("A person is required"), field);
    auto found = scalar(QStringLiteral("SELECT 1 FROM people WHERE id = ?"), {id});
    if (!found)
        return found.error();
    if (!found.value())
        return notFound(QStringLiteral("Person"), id, field);
    return {};
}

Result<void> Store::requireTeam(qint64 id, const QString &field)
{
    auto found = scalar(QStringLiteral("SELECT 1 FROM teams WHERE id = ?"), {id});
    if (!found)
        return found.error();
    if (!found.value())
        return notFound(QStringLiteral("Team"), id, field);
    return {};
}

Result<Request> Store::loadRequest(qint64 id, const QString &field)
{
    return readOne(*this,
                   QStringLiteral("SELECT ") + kRequestColumns +
                       QStringLiteral(" FROM requests r WHERE r.id = ?"),
                   {id}, readRequest, notFound(QStringLiteral("Request"), id, field));
}

// ---- people and teams ------------------------------------------------------------------------

Result<Person> Store::upsertPerson(const PersonInput &input)
{
    auto slackId = checkSlackId(input.slackId.trimmed());
    if (!slackId)
        return slackId.error();
    auto email = checkEmail(input.email);
    if (!email)
        return email.error();
    auto name = checkText(input.name, QStringLiteral("name"), QStringLiteral("The name"),
                          {MaxNameLength, true, false, true});
    if (!name)
        return name.error();
    if (slackId.value().isEmpty() && email.value().isEmpty())
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("A person needs a Slack user id or an email address"),
                         QStringLiteral("slackId"));

    return transaction([&]() -> Result<Person> {
        std::optional<Person> existing;
        auto find = [&](const QString &sql, const QString &key) -> Result<void> {
            auto q = exec(sql, {key});
            if (!q)
                return q.error();
            QueryGuard guard(q.value());
            if (q.value()->next())
                existing = readPerson(*q.value());
            return {};
        };
        if (!slackId.value().isEmpty()) {
            if (auto r = find(QStringLiteral("SELECT ") + kPersonColumns +
                                  QStringLiteral(" FROM people WHERE slack_id = ?"),
                              slackId.value());
                !r)
                return r.error();
        }
        if (!existing && !email.value().isEmpty()) {
            // A person first known by email gets their Slack id when Slack tells us.
            if (auto r = find(QStringLiteral("SELECT ") + kPersonColumns +
                                  QStringLiteral(" FROM people WHERE email = ?"),
                              email.value());
                !r)
                return r.error();
            if (existing && !existing->slackId.isEmpty() && !slackId.value().isEmpty() &&
                existing->slackId != slackId.value())
                return makeError(ErrorCode::Conflict,
                                 QStringLiteral("The email address belongs to another Slack user"),
                                 QStringLiteral("email"));
        }
        const qint64 t = now();
        Person after;
        if (!existing) {
            auto id =
                insert(QStringLiteral("INSERT INTO people (slack_id, name, email, is_agent, created_at, "
                                      "updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
                       {nullableText(slackId.value()), name.value(), nullableText(email.value()),
                        input.isAgent, t, t});
            if (!id)
                return id.error();
            after = Person{id.value(),    slackId.value(), name.value(), email.value(),
                           input.isAgent, toTime(t),       toTime(t)};
        } else {
            after = *existing;
            if (!slackId.value().isEmpty())
                after.slackId = slackId.value();
            if (!email.value().isEmpty())
                after.email = email.value();
            after.name = name.value();
            after.isAgent = input.isAgent;
            if (after.slackId == existing->slackId && after.email == existing->email &&
                after.name == existing->name && after.isAgent == existing->isAgent)
                return after; // nothing changed
            after.updatedAt = toTime(t);
            auto r = execAffected(
                QStringLiteral("UPDATE people SET slack_id = ?, name = ?, email = ?, is_agent = ?, "
                               "updated_at = ? WHERE id = ?"),
                {nullableText(after.slackId), after.name, nullableText(after.email), after.isAgent, t,
                 after.id});
            if (!r)
                return r.error();
        }
        auto snapshot = [](const Person &p) {
            return QVariantMap{{QStringLiteral("slack_id"), p.slackId},
                               {QStringLiteral("name"), p.name},
                               {QStringLiteral("email"), p.email},
                               {QStringLiteral("is_agent"), p.isAgent}};
        };
        if (auto r = audit(0, QStringLiteral("person.upsert"), QStringLiteral("person"), after.id,
                           existing ? snapshot(*existing) : QVariantMap(), snapshot(after));
            !r)
            return r.error();
        StoreChange change;
        change.kind = StoreChange::Kind::PersonUpserted;
        change.personId = after.id;
        announce(change);
        return after;
    });
}

Result<Person> Store::person(qint64 id)
{
    return readOne(*this,
                   QStringLiteral("SELECT ") + kPersonColumns + QStringLiteral(" FROM people WHERE id = ?"),
                   {id}, readPerson, notFound(QStringLiteral("Person"), id, QStringLiteral("personId")));
}

Result<Person> Store::personBySlackId(const QString &slackId)
{
    return readOne(
        *this, QStringLiteral("SELECT ") + kPersonColumns + QStringLiteral(" FROM people WHERE slack_id = ?"),
        {slackId}, readPerson,
        makeError(ErrorCode::NotFound, QStringLiteral("No person has this Slack user id"),
                  QStringLiteral("slackId")));
}

Result<Person> Store::personByEmail(const QString &email)
{
    return readOne(
        *this, QStringLiteral("SELECT ") + kPersonColumns + QStringLiteral(" FROM people WHERE email = ?"),
        {email.trimmed().toLower()}, readPerson,
        makeError(ErrorCode::NotFound, QStringLiteral("No person has this email address"),
                  QStringLiteral("email")));
}

Result<Team> Store::upsertTeam(const QString &rawName)
{
    auto name = checkText(rawName, QStringLiteral("name"), QStringLiteral("The team name"),
                          {MaxNameLength, true, false, true});
    if (!name)
        return name.error();
    return transaction([&]() -> Result<Team> {
        auto existing = teamByName(name.value());
        if (existing)
            return existing;
        if (existing.error().code != ErrorCode::NotFound)
            return existing.error();
        const qint64 t = now();
        auto id = insert(QStringLiteral("INSERT INTO teams (name, created_at) VALUES (?, ?) RETURNING id"),
                         {name.value(), t});
        if (!id)
            return id.error();
        if (auto r = audit(0, QStringLiteral("team.create"), QStringLiteral("team"), id.value(), {},
                           {{QStringLiteral("name"), name.value()}});
            !r)
            return r.error();
        StoreChange change;
        change.kind = StoreChange::Kind::TeamUpserted;
        change.teamId = id.value();
        announce(change);
        return Team{id.value(), name.value(), toTime(t)};
    });
}

Result<Team> Store::team(qint64 id)
{
    return readOne(*this,
                   QStringLiteral("SELECT ") + kTeamColumns + QStringLiteral(" FROM teams WHERE id = ?"),
                   {id}, readTeam, notFound(QStringLiteral("Team"), id, QStringLiteral("teamId")));
}

Result<Team> Store::teamByName(const QString &name)
{
    return readOne(
        *this, QStringLiteral("SELECT ") + kTeamColumns + QStringLiteral(" FROM teams WHERE name = ?"),
        {name.trimmed()}, readTeam,
        makeError(ErrorCode::NotFound, QStringLiteral("No team has this name"), QStringLiteral("name")));
}

Result<void> Store::addTeamMember(qint64 teamId, qint64 personId)
{
    return transaction([&]() -> Result<void> {
        if (auto r = requireTeam(teamId, QStringLiteral("teamId")); !r)
            return r;
        if (auto r = requirePerson(personId, QStringLiteral("personId")); !r)
            return r;
        auto n = execAffected(QStringLiteral("INSERT INTO team_members (team_id, person_id) VALUES (?, ?) "
                                             "ON CONFLICT DO NOTHING"),
                              {teamId, personId});
        if (!n)
            return n.error();
        if (n.value() == 0)
            return {};
        if (auto r = audit(0, QStringLiteral("team.member.add"), QStringLiteral("team"), teamId, {},
                           {{QStringLiteral("person_id"), personId}});
            !r)
            return r;
        announce(membershipChange(teamId, personId));
        return {};
    });
}

Result<void> Store::removeTeamMember(qint64 teamId, qint64 personId)
{
    return transaction([&]() -> Result<void> {
        auto n = execAffected(QStringLiteral("DELETE FROM team_members WHERE team_id = ? AND person_id = ?"),
                              {teamId, personId});
        if (!n)
            return n.error();
        if (n.value() == 0)
            return makeError(ErrorCode::NotFound, QStringLiteral("The person is not a member of the team"),
                             QStringLiteral("personId"));
        if (auto r = audit(0, QStringLiteral("team.member.remove"), QStringLiteral("team"), teamId,
                           {{QStringLiteral("person_id"), personId}}, {});
            !r)
            return r;
        announce(membershipChange(teamId, personId));
        return {};
    });
}

Result<QList<qint64>> Store::teamMembers(qint64 teamId)
{
    return ids(QStringLiteral("SELECT person_id FROM team_members WHERE team_id = ? ORDER BY person_id"),
               {teamId});
}

// ---- requests --------------------------------------------------------------------------------

Result<Request> Store::createRequest(const NewRequest &input)
{
    auto title = checkText(input.title, QStringLiteral("title"), QStringLiteral("The title"),
                           {MaxTitleLength, true, false, true});
    if (!title)
        return title.error();
    auto body = checkText(input.body, QStringLiteral("body"), QStringLiteral("The body"),
                          {MaxBodyLength, false, true, true});
    if (!body)
        return body.error();

    return transaction([&]() -> Result<Request> {
        if (auto r = requirePerson(input.requesterId, QStringLiteral("requesterId")); !r)
            return r.error();
        if (input.assigneeId != 0) {
            if (auto r = requirePerson(input.assigneeId, QStringLiteral("assigneeId")); !r)
                return r.error();
        }
        if (input.teamId != 0) {
            if (auto r = requireTeam(input.teamId, QStringLiteral("teamId")); !r)
                return r.error();
        }
        for (qint64 id : input.followerIds) {
            if (auto r = requirePerson(id, QStringLiteral("followerIds")); !r)
                return r.error();
        }
        // One follower row per person, with the strongest reason (lowest enum value).
        std::map<qint64, FollowReason> follow;
        auto want = [&](qint64 personId, FollowReason reason) {
            auto it = follow.find(personId);
            if (it == follow.end() || int(reason) < int(it->second))
                follow[personId] = reason;
        };
        for (qint64 id : input.followerIds)
            want(id, FollowReason::Manual);
        if (input.teamId != 0) {
            auto members = teamMembers(input.teamId);
            if (!members)
                return members.error();
            for (qint64 id : members.value())
                want(id, FollowReason::Team);
        }
        if (input.assigneeId != 0)
            want(input.assigneeId, FollowReason::Assignee);
        want(input.requesterId, FollowReason::Requester);

        const qint64 t = now();
        auto id =
            insert(QStringLiteral("INSERT INTO requests (title, body, status, requester_id, assignee_id, "
                                  "team_id, created_at, updated_at, version) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id"),
                   {title.value(), body.value(), requestStatusName(RequestStatus::New), input.requesterId,
                    nullableId(input.assigneeId), nullableId(input.teamId), t, t});
        if (!id)
            return id.error();
        for (const auto &[personId, reason] : follow) {
            auto r = execAffected(
                QStringLiteral("INSERT INTO followers (request_id, person_id, reason, created_at) "
                               "VALUES (?, ?, ?, ?)"),
                {id.value(), personId, followReasonName(reason), t});
            if (!r)
                return r.error();
        }
        auto created = loadRequest(id.value(), QStringLiteral("requestId"));
        if (!created)
            return created;
        const qint64 actor = input.actorId > 0 ? input.actorId : input.requesterId;
        if (auto r = audit(actor, QStringLiteral("request.create"), QStringLiteral("request"), id.value(), {},
                           requestSnapshot(created.value()));
            !r)
            return r.error();
        StoreChange change;
        change.kind = StoreChange::Kind::RequestCreated;
        change.requestId = id.value();
        change.actorId = actor;
        change.version = created.value().version;
        announce(change);
        return created;
    });
}

Result<Request> Store::request(qint64 id)
{
    return loadRequest(id, QStringLiteral("requestId"));
}

Result<Request> Store::changeRequestField(qint64 requestId, qint64 expectedVersion, qint64 actorId,
                                          const QString &column, const QVariant &value, const QString &field,
                                          StoreChange::Kind kind)
{
    auto before = loadRequest(requestId, QStringLiteral("requestId"));
    if (!before)
        return before;
    if (before.value().version != expectedVersion)
        return makeError(ErrorCode::Conflict,
                         QStringLiteral("The request was changed by someone else (version %1, expected %2)")
                             .arg(before.value().version)
                             .arg(expectedVersion),
                         QStringLiteral("version"));
    // column is one of a fixed set chosen by the callers below, never user input.
    auto n = execAffected(
        QStringLiteral("UPDATE requests SET ") + column +
            QStringLiteral(" = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?"),
        {value, now(), requestId, expectedVersion});
    if (!n)
        return n.error();
    if (n.value() != 1)
        return makeError(ErrorCode::Conflict, QStringLiteral("The request was changed by someone else"),
                         QStringLiteral("version"));
    auto after = loadRequest(requestId, QStringLiteral("requestId"));
    if (!after)
        return after;
    if (auto r = audit(actorId, QStringLiteral("request.") + field, QStringLiteral("request"), requestId,
                       requestSnapshot(before.value()), requestSnapshot(after.value()));
        !r)
        return r.error();
    StoreChange change;
    change.kind = kind;
    change.requestId = requestId;
    change.actorId = actorId;
    change.version = after.value().version;
    announce(change);
    return after;
}

Result<Request> Store::setStatus(qint64 requestId, RequestStatus status, qint64 expectedVersion,
                                 qint64 actorId)
{
    return transaction([&]() -> Result<Request> {
        auto current = loadRequest(requestId, QStringLiteral("requestId"));
        if (current && current.value().version == expectedVersion && current.value().status == status)
            return current;
        return changeRequestField(requestId, expectedVersion, actorId, QStringLiteral("status"),
                                  requestStatusName(status), QStringLiteral("status"),
                                  StoreChange::Kind::StatusChanged);
    });
}

Result<Request> Store::setTitle(qint64 requestId, const QString &rawTitle, qint64 expectedVersion,
                                qint64 actorId)
{
    auto title = checkText(rawTitle, QStringLiteral("title"), QStringLiteral("The title"),
                           {MaxTitleLength, true, false, true});
    if (!title)
        return title.error();
    return transaction([&]() -> Result<Request> {
        auto current = loadRequest(requestId, QStringLiteral("requestId"));
        if (current && current.value().version == expectedVersion && current.value().title == title.value())
            return current;
        return changeRequestField(requestId, expectedVersion, actorId, QStringLiteral("title"), title.value(),
                                  QStringLiteral("title"), StoreChange::Kind::TitleChanged);
    });
}

Result<Request> Store::setAssignee(qint64 requestId, qint64 assigneeId, qint64 expectedVersion,
                                   qint64 actorId)
{
    return transaction([&]() -> Result<Request> {
        auto current = loadRequest(requestId, QStringLiteral("requestId"));
        if (!current)
            return current;
        if (assigneeId != 0) {
            if (auto r = requirePerson(assigneeId, QStringLiteral("assigneeId")); !r)
                return r.error();
        }
        if (current.value().version == expectedVersion && current.value().assigneeId == assigneeId)
            return current;
        const qint64 previous = current.value().assigneeId;
        auto after = changeRequestField(requestId, expectedVersion, actorId, QStringLiteral("assignee_id"),
                                        nullableId(assigneeId), QStringLiteral("assignee"),
                                        StoreChange::Kind::AssigneeChanged);
        if (!after)
            return after;
        if (previous != 0) {
            auto r =
                execAffected(QStringLiteral("UPDATE followers SET reason = 'manual' WHERE request_id = ? AND "
                                            "person_id = ? AND reason = 'assignee'"),
                             {requestId, previous});
            if (!r)
                return r.error();
        }
        if (assigneeId != 0) {
            if (auto r = setFollowReason(requestId, assigneeId, FollowReason::Assignee, actorId, true); !r)
                return r.error();
        }
        return after;
    });
}

Result<void> Store::setFollowReason(qint64 requestId, qint64 personId, FollowReason reason, qint64 actorId,
                                    bool announceIt)
{
    auto existing =
        scalar(QStringLiteral("SELECT reason FROM followers WHERE request_id = ? AND person_id = ?"),
               {requestId, personId});
    if (!existing)
        return existing.error();
    if (existing.value()) {
        const auto old = followReasonFromName(existing.value()->toString()).value_or(FollowReason::Manual);
        if (int(reason) >= int(old))
            return {};
        auto r = execAffected(
            QStringLiteral("UPDATE followers SET reason = ? WHERE request_id = ? AND person_id = ?"),
            {followReasonName(reason), requestId, personId});
        if (!r)
            return r.error();
        return {};
    }
    auto r = execAffected(QStringLiteral("INSERT INTO followers (request_id, person_id, reason, created_at) "
                                         "VALUES (?, ?, ?, ?)"),
                          {requestId, personId, followReasonName(reason), now()});
    if (!r)
        return r.error();
    if (auto a = audit(
            actorId, QStringLiteral("follower.add"), QStringLiteral("request"), requestId, {},
            {{QStringLiteral("person_id"), personId}, {QStringLiteral("reason"), followReasonName(reason)}});
        !a)
        return a;
    if (announceIt) {
        StoreChange change;
        change.kind = StoreChange::Kind::FollowerAdded;
        change.requestId = requestId;
        change.personId = personId;
        change.actorId = actorId;
        announce(change);
    }
    return {};
}

Result<Follower> Store::addFollower(qint64 requestId, qint64 personId, qint64 actorId)
{
    return transaction([&]() -> Result<Follower> {
        if (auto r = loadRequest(requestId, QStringLiteral("requestId")); !r)
            return r.error();
        if (auto r = requirePerson(personId, QStringLiteral("personId")); !r)
            return r.error();
        if (auto r = setFollowReason(requestId, personId, FollowReason::Manual, actorId, true); !r)
            return r.error();
        auto q = exec(
            QStringLiteral("SELECT reason, created_at FROM followers WHERE request_id = ? AND person_id = ?"),
            {requestId, personId});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        if (!q.value()->next())
            return makeError(ErrorCode::Internal, QStringLiteral("The follower row vanished"));
        return Follower{requestId, personId,
                        followReasonFromName(q.value()->value(0).toString()).value_or(FollowReason::Manual),
                        toTime(q.value()->value(1))};
    });
}

Result<void> Store::removeFollower(qint64 requestId, qint64 personId, qint64 actorId)
{
    return transaction([&]() -> Result<void> {
        if (auto r = loadRequest(requestId, QStringLiteral("requestId")); !r)
            return r.error();
        auto reason =
            scalar(QStringLiteral("SELECT reason FROM followers WHERE request_id = ? AND person_id = ?"),
                   {requestId, personId});
        if (!reason)
            return reason.error();
        if (!reason.value())
            return makeError(
                ErrorCode::NotFound,
                QStringLiteral("Person %1 does not follow request %2").arg(personId).arg(requestId),
                QStringLiteral("personId"));
        auto n = execAffected(QStringLiteral("DELETE FROM followers WHERE request_id = ? AND person_id = ?"),
                              {requestId, personId});
        if (!n)
            return n.error();
        if (auto r = audit(actorId, QStringLiteral("follower.remove"), QStringLiteral("request"), requestId,
                           {{QStringLiteral("person_id"), personId},
                            {QStringLiteral("reason"), reason.value()->toString()}},
                           {});
            !r)
            return r;
        StoreChange change;
        change.kind = StoreChange::Kind::FollowerRemoved;
        change.requestId = requestId;
        change.personId = personId;
        change.actorId = actorId;
        announce(change);
        return {};
    });
}

Result<QList<Follower>> Store::followers(qint64 requestId)
{
    auto q = exec(QStringLiteral("SELECT person_id, reason, created_at FROM followers WHERE request_id = ? "
                                 "ORDER BY person_id"),
                  {requestId});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    QList<Follower> out;
    while (q.value()->next())
        out << Follower{requestId, q.value()->value(0).toLongLong(),
                        followReasonFromName(q.value()->value(1).toString()).value_or(FollowReason::Manual),
                        toTime(q.value()->value(2))};
    return out;
}

void Store::requestFilterConditions(const RequestQuery &query, QStringList &where, QVariantList &binds)
{
    if (!query.statuses.isEmpty()) {
        QStringList marks;
        for (RequestStatus s : query.statuses) {
            marks << QStringLiteral("?");
            binds << requestStatusName(s);
        }
        where << QStringLiteral("r.status IN (%1)").arg(marks.join(QLatin1Char(',')));
    }
    if (query.assigneeId) {
        if (*query.assigneeId == 0) {
            where << QStringLiteral("r.assignee_id IS NULL");
        } else {
            where << QStringLiteral("r.assignee_id = ?");
            binds << *query.assigneeId;
        }
    }
    if (query.teamId) {
        if (*query.teamId == 0) {
            where << QStringLiteral("r.team_id IS NULL");
        } else {
            where << QStringLiteral("r.team_id = ?");
            binds << *query.teamId;
        }
    }
}

Result<RequestPage> Store::listRequests(const RequestQuery &query)
{
    if (query.limit < 1 || query.limit > MaxPageSize)
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("The page size must be between 1 and %1").arg(MaxPageSize),
                         QStringLiteral("limit"));
    QStringList conditions;
    QVariantList binds;
    requestFilterConditions(query, conditions, binds);
    QString sql; // the filters, each " AND …"
    for (const QString &c : std::as_const(conditions))
        sql += QStringLiteral(" AND ") + c;
    if (!query.text.isEmpty()) {
        auto text = checkText(query.text, QStringLiteral("text"), QStringLiteral("The search text"),
                              {MaxSearchLength, false, false, true});
        if (!text)
            return text.error();
        const QStringList words = searchWords(text.value());
        if (words.isEmpty())
            return makeError(ErrorCode::Invalid, QStringLiteral("The search text has no words to look for"),
                             QStringLiteral("text"));
        return readTransaction([&]() -> Result<RequestPage> {
            return searchRequests(*this, words, sql, binds, query.cursor, query.limit);
        });
    }
    sql.prepend(QStringLiteral("SELECT ") + kRequestColumns + QStringLiteral(" FROM requests r WHERE 1 = 1"));
    if (!query.cursor.isEmpty()) {
        qint64 updatedAt = 0, id = 0;
        if (!decodeCursor(query.cursor, &updatedAt, &id))
            return makeError(ErrorCode::Invalid, QStringLiteral("The page cursor is not valid"),
                             QStringLiteral("cursor"));
        sql += QStringLiteral(" AND (r.updated_at < ? OR (r.updated_at = ? AND r.id < ?))");
        binds << updatedAt << updatedAt << id;
    }
    sql += QStringLiteral(" ORDER BY r.updated_at DESC, r.id DESC LIMIT ?");
    binds << query.limit + 1;

    auto q = exec(sql, binds);
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    RequestPage page;
    while (q.value()->next())
        page.requests << readRequest(*q.value());
    if (page.requests.size() > query.limit) {
        page.requests.resize(query.limit);
        const Request &last = page.requests.constLast();
        page.nextCursor = encodeCursor(last.updatedAt.toMSecsSinceEpoch(), last.id);
    }
    return page;
}

// ---- updates ---------------------------------------------------------------------------------

Result<QList<Attachment>> Store::insertAttachments(qint64 updateId, const QList<Attachment> &attachments)
{
    QList<Attachment> out;
    const qint64 t = now();
    for (Attachment a : attachments) {
        auto id = insert(QStringLiteral("INSERT INTO attachments (update_id, name, mime_type, size, sha256, "
                                        "storage_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"),
                         {updateId, a.name, a.mimeType, a.size, a.sha256, a.storageKey, t});
        if (!id)
            return id.error();
        a.id = id.value();
        a.updateId = updateId;
        a.createdAt = toTime(t);
        out << a;
    }
    return out;
}

Result<Update> Store::postUpdate(const NewUpdate &input)
{
    auto text = checkText(input.text, QStringLiteral("text"), QStringLiteral("The update text"),
                          {MaxUpdateLength, true, true, true});
    if (!text)
        return text.error();
    for (const Attachment &a : input.attachments) {
        if (auto r = checkAttachment(a); !r)
            return r.error();
    }
    return transaction([&]() -> Result<Update> {
        if (auto r = loadRequest(input.requestId, QStringLiteral("requestId")); !r)
            return r.error();
        if (auto r = requirePerson(input.authorId, QStringLiteral("authorId")); !r)
            return r.error();
        const qint64 t = now();
        auto id =
            insert(QStringLiteral("INSERT INTO updates (request_id, author_id, text, source, created_at) "
                                  "VALUES (?, ?, ?, ?, ?) RETURNING id"),
                   {input.requestId, input.authorId, text.value(), updateSourceName(input.source), t});
        if (!id)
            return id.error();
        Update u;
        u.id = id.value();
        u.requestId = input.requestId;
        u.authorId = input.authorId;
        u.text = text.value();
        u.source = input.source;
        u.createdAt = toTime(t);
        auto attachments = insertAttachments(u.id, input.attachments);
        if (!attachments)
            return attachments.error();
        u.attachments = attachments.value();
        if (auto r = touchRequest(*this, input.requestId, t); !r)
            return r.error();
        if (auto r = audit(input.authorId, QStringLiteral("update.post"), QStringLiteral("update"), u.id, {},
                           {{QStringLiteral("request_id"), u.requestId},
                            {QStringLiteral("source"), updateSourceName(u.source)},
                            {QStringLiteral("attachments"), u.attachments.size()}});
            !r)
            return r.error();
        announce(updateChange(StoreChange::Kind::UpdatePosted, u, u.authorId));
        return u;
    });
}

Result<Update> Store::update(qint64 updateId)
{
    auto u = readOne(
        *this, QStringLiteral("SELECT ") + kUpdateColumns + QStringLiteral(" FROM updates u WHERE u.id = ?"),
        {updateId}, readUpdate, notFound(QStringLiteral("Update"), updateId, QStringLiteral("updateId")));
    if (!u)
        return u;
    auto a = exec(QStringLiteral("SELECT ") + kAttachmentColumns +
                      QStringLiteral(" FROM attachments a WHERE a.update_id = ? ORDER BY a.id"),
                  {updateId});
    if (!a)
        return a.error();
    QueryGuard guard(a.value());
    while (a.value()->next())
        u.value().attachments << readAttachment(*a.value());
    return u;
}

Result<Attachment> Store::attachment(qint64 attachmentId)
{
    return readOne(*this,
                   QStringLiteral("SELECT ") + kAttachmentColumns +
                       QStringLiteral(" FROM attachments a WHERE a.id = ?"),
                   {attachmentId}, readAttachment,
                   notFound(QStringLiteral("Attachment"), attachmentId, QStringLiteral("attachmentId")));
}

Result<Update> Store::loadUpdateFor(qint64 updateId, qint64 actorId)
{
    auto u = update(updateId);
    if (!u)
        return u;
    if (actorId != 0) {
        if (auto r = requirePerson(actorId, QStringLiteral("actorId")); !r)
            return r.error();
    }
    return u;
}

Result<Update> Store::editUpdate(qint64 updateId, const QString &rawText, qint64 actorId)
{
    auto text = checkText(rawText, QStringLiteral("text"), QStringLiteral("The update text"),
                          {MaxUpdateLength, true, true, true});
    if (!text)
        return text.error();
    return transaction([&]() -> Result<Update> {
        auto before = loadUpdateFor(updateId, actorId);
        if (!before)
            return before;
        if (before.value().isDeleted())
            return updateWasDeleted(updateId);
        if (before.value().text == text.value())
            return before;
        const qint64 t = now();
        auto n = execAffected(QStringLiteral("UPDATE updates SET text = ?, edited_at = ? WHERE id = ? AND "
                                             "deleted_at IS NULL"),
                              {text.value(), t, updateId});
        if (!n)
            return n.error();
        if (n.value() != 1)
            return updateWasDeleted(updateId);
        if (auto r = touchRequest(*this, before.value().requestId, t); !r)
            return r.error();
        if (auto r = audit(actorId, QStringLiteral("update.edit"), QStringLiteral("update"), updateId,
                           {{QStringLiteral("text"), before.value().text}},
                           {{QStringLiteral("text"), text.value()}});
            !r)
            return r.error();
        Update after = before.value();
        after.text = text.value();
        after.editedAt = toTime(t);
        announce(updateChange(StoreChange::Kind::UpdateEdited, after, actorId));
        return after;
    });
}

Result<Update> Store::deleteUpdate(qint64 updateId, qint64 actorId)
{
    return transaction([&]() -> Result<Update> {
        auto before = loadUpdateFor(updateId, actorId);
        if (!before)
            return before;
        if (before.value().isDeleted())
            return before;
        const qint64 t = now();
        auto n =
            execAffected(QStringLiteral("UPDATE updates SET deleted_at = ?, deleted_by = ? WHERE id = ? AND "
                                        "deleted_at IS NULL"),
                         {t, nullableId(actorId), updateId});
        if (!n)
            return n.error();
        if (auto r = touchRequest(*this, before.value().requestId, t); !r)
            return r.error();
        if (auto r =
                audit(actorId, QStringLiteral("update.delete"), QStringLiteral("update"), updateId,
                      {{QStringLiteral("text"), before.value().text}}, {{QStringLiteral("deleted_at"), t}});
            !r)
            return r.error();
        Update after = before.value();
        after.deletedAt = toTime(t);
        after.deletedBy = actorId;
        announce(updateChange(StoreChange::Kind::UpdateDeleted, after, actorId));
        return after;
    });
}

Result<Attachment> Store::addAttachment(qint64 updateId, const Attachment &attachment)
{
    if (auto r = checkAttachment(attachment); !r)
        return r.error();
    return transaction([&]() -> Result<Attachment> {
        auto u = update(updateId);
        if (!u)
            return u.error();
        if (u.value().isDeleted())
            return updateWasDeleted(updateId);
        auto inserted = insertAttachments(updateId, {attachment});
        if (!inserted)
            return inserted.error();
        const Attachment a = inserted.value().constFirst();
        if (auto r = audit(0, QStringLiteral("attachment.add"), QStringLiteral("update"), updateId, {},
                           {{QStringLiteral("attachment_id"), a.id}, {QStringLiteral("sha256"), a.sha256}});
            !r)
            return r.error();
        StoreChange change;
        change.kind = StoreChange::Kind::AttachmentAdded;
        change.requestId = u.value().requestId;
        change.updateId = updateId;
        change.source = u.value().source;
        announce(change);
        return a;
    });
}

Result<Timeline> Store::timeline(qint64 requestId)
{
    return readTransaction([&]() -> Result<Timeline> { return loadTimeline(requestId); });
}

Result<Timeline> Store::loadTimeline(qint64 requestId)
{
    Timeline t;
    auto r = loadRequest(requestId, QStringLiteral("requestId"));
    if (!r)
        return r.error();
    t.request = r.value();
    auto f = followers(requestId);
    if (!f)
        return f.error();
    t.followers = f.value();
    {
        auto q = exec(QStringLiteral("SELECT ") + kUpdateColumns +
                          QStringLiteral(" FROM updates u WHERE u.request_id = ? ORDER BY u.id"),
                      {requestId});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        while (q.value()->next()) {
            Update u = readUpdate(*q.value());
            if (u.isDeleted())
                u.text.clear();
            t.updates << u;
        }
    }
    auto a = exec(QStringLiteral("SELECT ") + kAttachmentColumns +
                      QStringLiteral(" FROM attachments a JOIN updates u ON u.id = a.update_id "
                                     "WHERE u.request_id = ? ORDER BY a.update_id, a.id"),
                  {requestId});
    if (!a)
        return a.error();
    QueryGuard guard(a.value());
    QHash<qint64, qsizetype> index;
    for (qsizetype i = 0; i < t.updates.size(); ++i)
        index.insert(t.updates.at(i).id, i);
    while (a.value()->next()) {
        Attachment att = readAttachment(*a.value());
        auto it = index.constFind(att.updateId);
        if (it != index.constEnd())
            t.updates[it.value()].attachments << att;
    }
    return t;
}

} // namespace threadline
