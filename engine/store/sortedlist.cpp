// The request list sorted by a column (docs/store.md, "Sorted lists"): keyset pages on (key, id).
// Title and assignee are served by the version-6 indexes (migrations.cpp), the id by the primary
// key and the last update by requests_updated; the status key is a workflow rank that no index
// holds, so that sort reads the (filtered) table.

#include "store/store.h"

namespace threadline {

namespace {

QString sortKeyExpression(RequestSortKey key, DatabaseUrl::Backend backend)
{
    const bool sqlite = backend == DatabaseUrl::Backend::Sqlite;
    switch (key) {
    case RequestSortKey::Id:
        return QStringLiteral("r.id");
    case RequestSortKey::Title:
        return sqlite ? QStringLiteral("r.title COLLATE NOCASE") : QStringLiteral("lower(r.title)");
    case RequestSortKey::Status:
        return QStringLiteral("(CASE r.status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'waiting' THEN 2 "
                              "WHEN 'resolved' THEN 3 ELSE 4 END)");
    case RequestSortKey::Assignee:
        return sqlite ? QStringLiteral("r.assignee_sort COLLATE NOCASE")
                      : QStringLiteral("lower(r.assignee_sort)");
    case RequestSortKey::UpdatedAt:
        break;
    }
    return QStringLiteral("r.updated_at");
}

} // namespace

std::pair<QString, QVariantList> Store::sortedRequestsStatement(const RequestQuery &filter,
                                                                RequestSortKey key, bool ascending,
                                                                const QVariant &afterKey,
                                                                qint64 afterId) const
{
    const QString expr = sortKeyExpression(key, m_url.backend);
    QStringList where;
    QVariantList binds;
    requestFilterConditions(filter, where, binds);
    const QString op = ascending ? QStringLiteral(">") : QStringLiteral("<");
    if (afterId) {
        // A row value, so both backends start the index range at the cursor instead of walking to it.
        where << QStringLiteral("(%1, r.id) %2 (?, ?)").arg(expr, op);
        binds << afterKey << afterId;
    }
    const QString dir = ascending ? QStringLiteral("ASC") : QStringLiteral("DESC");
    const QString sql =
        QStringLiteral("SELECT r.id, %1 FROM requests r %2 ORDER BY %1 %3, r.id %3 LIMIT ?")
            .arg(expr,
                 where.isEmpty() ? QString() : QStringLiteral("WHERE ") + where.join(QStringLiteral(" AND ")),
                 dir);
    binds << filter.limit + 1;
    return {sql, binds};
}

Result<SortedRequestPage> Store::listRequestsSorted(const RequestQuery &filter, RequestSortKey key,
                                                    bool ascending, const QVariant &afterKey, qint64 afterId)
{
    if (filter.limit < 1 || filter.limit > MaxPageSize)
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("The page size must be between 1 and %1").arg(MaxPageSize),
                         QStringLiteral("limit"));
    // A text search lists by its own order (listRequests); it is refused here rather than ignored.
    if (!filter.text.isEmpty())
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("A text search cannot be sorted by a column; list it without a sort"),
                         QStringLiteral("text"));
    // The position is the last row of the previous page: its key is text for title and assignee,
    // a number otherwise. Anything else could not have come from a page and is refused.
    QVariant position;
    if (afterId) {
        const bool text = key == RequestSortKey::Title || key == RequestSortKey::Assignee;
        bool number = false;
        const qint64 n = afterKey.toLongLong(&number);
        if (text && afterKey.typeId() == QMetaType::QString && !afterKey.toString().contains(QChar(0)))
            position = afterKey.toString();
        else if (!text && number)
            position = n;
        if (!position.isValid())
            return makeError(ErrorCode::Invalid, QStringLiteral("The page position is not valid"),
                             QStringLiteral("cursor"));
    }
    const auto [sql, binds] = sortedRequestsStatement(filter, key, ascending, position, afterId);
    return readTransaction([&, &sql = sql, &binds = binds]() -> Result<SortedRequestPage> {
        QList<std::pair<qint64, QVariant>> ids;
        {
            auto q = exec(sql, binds);
            if (!q)
                return q.error();
            QueryGuard guard(q.value());
            while (q.value()->next())
                ids.append({q.value()->value(0).toLongLong(), q.value()->value(1)});
        }
        SortedRequestPage page;
        page.atEnd = ids.size() <= filter.limit;
        if (!page.atEnd)
            ids.removeLast();
        for (const auto &[id, sortKey] : ids) {
            auto r = request(id);
            if (!r) {
                if (r.error().code == ErrorCode::NotFound)
                    continue; // deleted meanwhile
                return r.error();
            }
            page.requests.append(*r);
            page.lastKey = sortKey;
            page.lastId = id;
        }
        return page;
    });
}

} // namespace threadline
