// Idempotency keys of the REST API (docs/api.md, "Idempotency keys"): the answer of a write sent
// with an Idempotency-Key header is stored in the write's own transaction, so a retry of a write
// whose answer was lost finds it instead of writing again.

#include "store/store.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace threadline {

namespace {

QString headersJson(const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    QJsonArray out;
    for (const auto &h : headers)
        out.append(QJsonArray{QString::fromLatin1(h.first), QString::fromLatin1(h.second)});
    return QString::fromUtf8(QJsonDocument(out).toJson(QJsonDocument::Compact));
}

QList<std::pair<QByteArray, QByteArray>> headersFromJson(const QString &text)
{
    QList<std::pair<QByteArray, QByteArray>> out;
    const QJsonArray list = QJsonDocument::fromJson(text.toUtf8()).array();
    for (const QJsonValue &v : list) {
        const QJsonArray pair = v.toArray();
        if (pair.size() == 2)
            out.append({pair.at(0).toString().toLatin1(), pair.at(1).toString().toLatin1()});
    }
    return out;
}

//! An empty text, never NULL (the columns are NOT NULL; a null QString binds as NULL).
QString notNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

} // namespace

Result<std::optional<IdempotentAnswer>> Store::claimIdempotencyKey(qint64 principalId, const QString &key,
                                                                   const QString &fingerprint)
{
    if (!inTransaction())
        return makeError(ErrorCode::Internal,
                         QStringLiteral("An idempotency key is claimed inside a transaction"));
    if (key.isEmpty() || key.size() > MaxIdempotencyKeyLength)
        return makeError(ErrorCode::Invalid, QStringLiteral("The idempotency key is empty or too long"),
                         QStringLiteral("key"));
    const qint64 now = this->now();
    // An expired use of the key is forgotten: the key starts again.
    if (auto r = execAffected(QStringLiteral("DELETE FROM idempotency_keys WHERE principal_id = ? AND "
                                             "idem_key = ? AND created_at < ?"),
                              {principalId, key, now - IdempotencyKeyLifetimeMs});
        !r)
        return r.error();
    auto inserted = execAffected(
        QStringLiteral(
            "INSERT INTO idempotency_keys (principal_id, idem_key, fingerprint, status, created_at) "
            "VALUES (?, ?, ?, 0, ?) ON CONFLICT (principal_id, idem_key) DO NOTHING"),
        {principalId, key, fingerprint, now});
    if (!inserted)
        return inserted.error();
    if (inserted.value() == 1)
        return std::optional<IdempotentAnswer>();
    auto q = exec(QStringLiteral("SELECT fingerprint, status, content_type, headers, body, created_at "
                                 "FROM idempotency_keys WHERE principal_id = ? AND idem_key = ?"),
                  {principalId, key});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return makeError(
            ErrorCode::Conflict,
            QStringLiteral("The idempotency key is in use by a request still running; try again"),
            QStringLiteral("key"));
    IdempotentAnswer a;
    a.fingerprint = q.value()->value(0).toString();
    a.status = q.value()->value(1).toInt();
    a.contentType = q.value()->value(2).toString().toLatin1();
    a.headers = headersFromJson(q.value()->value(3).toString());
    a.body = q.value()->value(4).toString().toUtf8();
    a.createdAt = q.value()->value(5).toLongLong();
    return std::optional<IdempotentAnswer>(a);
}

Result<void> Store::saveIdempotentAnswer(qint64 principalId, const QString &key,
                                         const IdempotentAnswer &answer)
{
    auto r = execAffected(
        QStringLiteral("UPDATE idempotency_keys SET status = ?, content_type = ?, headers = ?, "
                       "body = ? WHERE principal_id = ? AND idem_key = ?"),
        {answer.status, notNull(QString::fromLatin1(answer.contentType)), headersJson(answer.headers),
         notNull(QString::fromUtf8(answer.body)), principalId, key});
    if (!r)
        return r.error();
    if (r.value() != 1)
        return makeError(ErrorCode::Internal, QStringLiteral("The idempotency key was not claimed"));
    return {};
}

Result<int> Store::pruneIdempotencyKeys(qint64 before, int batch)
{
    return execAffected(
        QStringLiteral("DELETE FROM idempotency_keys WHERE (principal_id, idem_key) IN "
                       "(SELECT principal_id, idem_key FROM idempotency_keys WHERE created_at < ? "
                       "ORDER BY created_at LIMIT ?)"),
        {before, batch});
}

} // namespace threadline
