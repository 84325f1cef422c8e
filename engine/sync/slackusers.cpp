#include "sync/slackusers.h"

#include "store/store.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace threadline::sync::SlackUsers {

namespace {

constexpr int MaxNameLength = 80;

QString placeholderPattern(const QString &slackId)
{
    // "@U123" but not "@U1234": the id must not run on into more id characters.
    return QStringLiteral("@") + QRegularExpression::escape(slackId) + QStringLiteral("(?![A-Za-z0-9])");
}

} // namespace

bool isValidUserId(const QString &id)
{
    static const QRegularExpression re(
        QRegularExpression::anchoredPattern(QStringLiteral("[UW][A-Z0-9]{2,20}")));
    return re.match(id).hasMatch();
}

QString cleanName(const QString &name)
{
    QString out;
    out.reserve(std::min<qsizetype>(name.size(), MaxNameLength + 1));
    bool space = false;
    for (const QChar c : name) {
        if (c.isSpace() || c.category() == QChar::Other_Control || c.category() == QChar::Other_Format) {
            space = !out.isEmpty();
            continue;
        }
        if (space)
            out += QLatin1Char(' ');
        space = false;
        out += c;
        if (out.size() >= MaxNameLength)
            break;
    }
    // Never end in half a surrogate pair.
    if (!out.isEmpty() && out.back().isHighSurrogate())
        out.chop(1);
    return out;
}

Result<std::optional<QString>> cachedName(Store *store, const QString &slackId)
{
    auto v = store->scalar(
        QStringLiteral(
            "SELECT name FROM slack_users WHERE slack_id = ? AND state IN ('resolved','deactivated')"),
        {slackId});
    if (!v)
        return v.error();
    if (!v.value() || v.value()->toString().isEmpty())
        return std::optional<QString>();
    return std::optional<QString>(v.value()->toString());
}

Result<void> requestLookup(Store *store, const QString &slackId)
{
    if (!isValidUserId(slackId))
        return {};
    const qint64 now = store->now();
    auto row = store->execAffected(
        QStringLiteral("INSERT INTO slack_users (slack_id, state, updated_at) VALUES (?, 'pending', ?) "
                       "ON CONFLICT DO NOTHING"),
        {slackId, now});
    if (!row)
        return row.error();
    if (row.value() == 0)
        return {}; // queued, resolved or given up before
    const QJsonObject payload{{QStringLiteral("user"), slackId}, {QStringLiteral("since"), now}};
    NewJob job;
    job.lane = QStringLiteral("maintenance");
    job.kind = QStringLiteral("users_info");
    job.orderingKey = QStringLiteral("user:") + slackId;
    job.payload = QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    job.dedupeKey = QStringLiteral("users_info:") + slackId;
    job.notBefore = now;
    if (auto r = store->enqueueJob(job); !r)
        return r.error();
    return {};
}

Result<int> recordName(Store *store, const QString &slackId, const QString &name, qint64 since)
{
    const qint64 now = store->now();
    auto r = store->execAffected(
        QStringLiteral(
            "UPDATE slack_users SET name = ?, state = CASE WHEN state = 'deactivated' THEN state "
            "ELSE 'resolved' END, last_error = NULL, fetched_at = ?, updated_at = ? WHERE slack_id = ?"),
        {name, now, now, slackId});
    if (!r)
        return r.error();
    if (r.value() == 0) {
        auto i = store->execAffected(
            QStringLiteral("INSERT INTO slack_users (slack_id, name, state, fetched_at, updated_at) VALUES "
                           "(?, ?, 'resolved', ?, ?)"),
            {slackId, name, now, now});
        if (!i)
            return i.error();
    }
    // The updates that still show the placeholder: an edit as their author refreshes the desk and,
    // through the planner, every copy in Slack.
    QString like = QStringLiteral("%@") + slackId + QLatin1Char('%');
    struct Found
    {
        qint64 id;
        qint64 author;
        QString text;
    };
    QList<Found> found;
    {
        auto q = store->exec(QStringLiteral("SELECT id, author_id, text FROM updates WHERE source = 'slack' "
                                            "AND deleted_at IS NULL AND created_at >= ? AND text LIKE ? "
                                            "ORDER BY id"),
                             {since - 60'000, like});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        while (q.value()->next())
            found.append({q.value()->value(0).toLongLong(), q.value()->value(1).toLongLong(),
                          q.value()->value(2).toString()});
    }
    const QRegularExpression re(placeholderPattern(slackId));
    QString replacement = QStringLiteral("@") + name;
    replacement.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    int edited = 0;
    for (const Found &f : std::as_const(found)) {
        QString text = f.text;
        text.replace(re, replacement);
        if (text == f.text)
            continue;
        if (text.size() > Store::MaxUpdateLength)
            continue; // a longer name would not fit: the placeholder stays
        auto e = store->editUpdate(f.id, text, f.author);
        if (!e) {
            if (e.error().code == ErrorCode::Unavailable)
                return e.error();
            continue; // deleted or changed meanwhile: the placeholder stays in that one
        }
        ++edited;
    }
    return edited;
}

QString displayName(const QString &displayName, const QString &realName, const QString &handle)
{
    for (const QString *candidate : {&displayName, &realName, &handle}) {
        const QString cleaned = cleanName(*candidate);
        if (!cleaned.isEmpty())
            return cleaned;
    }
    return {};
}

Result<void> recordProfile(Store *store, const QString &slackId, const QString &name, bool deactivated)
{
    if (!isValidUserId(slackId))
        return makeError(ErrorCode::Invalid, QStringLiteral("Not a Slack user id"),
                         QStringLiteral("slackId"));
    const qint64 now = store->now();
    const QString state = deactivated ? QStringLiteral("deactivated") : QStringLiteral("resolved");
    // A profile without a printable name keeps the name cached before (if any).
    auto r = store->execAffected(
        QStringLiteral("UPDATE slack_users SET name = COALESCE(?, name), state = ?, last_error = NULL, "
                       "fetched_at = ?, updated_at = ? WHERE slack_id = ?"),
        {name.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(name), state, now, now,
         slackId});
    if (!r)
        return r.error();
    if (r.value() > 0)
        return {};
    auto i = store->execAffected(
        QStringLiteral("INSERT INTO slack_users (slack_id, name, state, fetched_at, updated_at) VALUES "
                       "(?, ?, ?, ?, ?)"),
        {slackId, name.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(name), state, now,
         now});
    if (!i)
        return i.error();
    return {};
}

Result<void> recordFailure(Store *store, const QString &slackId, const QString &state, const QString &error)
{
    const qint64 now = store->now();
    auto r = store->execAffected(
        QStringLiteral(
            "UPDATE slack_users SET state = ?, last_error = ?, fetched_at = ?, updated_at = ? WHERE "
            "slack_id = ?"),
        {state, error.left(500), now, now, slackId});
    if (!r)
        return r.error();
    return {};
}

} // namespace threadline::sync::SlackUsers
