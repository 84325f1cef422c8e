#include "requestlistmodel.h"

#include "futurewatch.h"
#include "guilogging.h"
#include "session.h"

#include "store/asyncstore.h"
#include "store/store.h"

#include <QDateTime>
#include <QFont>
#include <QLocale>
#include <QSqlQuery>

namespace threadline::gui {

RequestListModel::RequestListModel(Session *session, QObject *parent)
    : QAbstractTableModel(parent)
    , m_session(session)
{
    connect(m_session, &Session::changed, this, &RequestListModel::onStoreChanged);
    connect(m_session, &Session::directoryChanged, this, [this] {
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, AssigneeColumn), index(int(m_rows.size()) - 1, AssigneeColumn));
    });
}

QString RequestListModel::statusLabel(RequestStatus status)
{
    switch (status) {
    case RequestStatus::New:
        return tr("New");
    case RequestStatus::Open:
        return tr("Open");
    case RequestStatus::Waiting:
        return tr("Waiting");
    case RequestStatus::Resolved:
        return tr("Resolved");
    case RequestStatus::Closed:
        return tr("Closed");
    }
    return {};
}

void RequestListModel::setQuery(const RequestQuery &query)
{
    m_query = query;
    m_query.cursor.clear();
    m_query.limit = PageSize;
    reload();
}

void RequestListModel::reload()
{
    beginResetModel();
    m_rows.clear();
    m_rowIndex.clear();
    m_newReplies.clear();
    m_cursor.clear();
    m_sortKey.clear();
    m_sortId = 0;
    m_atEnd = false;
    m_loading = false;
    m_pages = 0;
    ++m_generation;
    endResetModel();
    fetchMore({});
}

int RequestListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RequestListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RequestListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Request &r = m_rows.at(index.row());
    switch (role) {
    case RequestIdRole:
        return r.id;
    case VersionRole:
        return r.version;
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn:
            return r.id;
        case TitleColumn:
            return r.title;
        case StatusColumn:
            return statusLabel(r.status);
        case AssigneeColumn:
            return r.assigneeId ? m_session->personName(r.assigneeId) : QString();
        case UpdatedColumn:
            return QLocale().toString(r.updatedAt.toLocalTime(), QLocale::ShortFormat);
        case NewRepliesColumn: {
            const int n = m_newReplies.value(r.id);
            return n > 0 ? QVariant(n) : QVariant();
        }
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == NewRepliesColumn && m_newReplies.value(r.id) > 0)
            return tr("%n new Slack reply(s) since you last opened this request", nullptr,
                      m_newReplies.value(r.id));
        if (index.column() == TitleColumn)
            return r.title;
        return {};
    case Qt::FontRole:
        if (index.column() == NewRepliesColumn ||
            (index.column() == TitleColumn && m_newReplies.value(r.id) > 0)) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == IdColumn || index.column() == NewRepliesColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant RequestListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole && section == NewRepliesColumn)
        return tr("New Slack replies since you last opened the request");
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn:
        return tr("#");
    case TitleColumn:
        return tr("Title");
    case StatusColumn:
        return tr("Status");
    case AssigneeColumn:
        return tr("Assignee");
    case UpdatedColumn:
        return tr("Updated");
    case NewRepliesColumn:
        return tr("New");
    default:
        return {};
    }
}

namespace {

RequestSortKey sortKey(int column)
{
    switch (column) {
    case RequestListModel::IdColumn:
        return RequestSortKey::Id;
    case RequestListModel::TitleColumn:
        return RequestSortKey::Title;
    case RequestListModel::StatusColumn:
        return RequestSortKey::Status;
    case RequestListModel::AssigneeColumn:
        return RequestSortKey::Assignee;
    default:
        return RequestSortKey::UpdatedAt;
    }
}

} // namespace

bool RequestListModel::isStoreOrder() const
{
    return !m_query.text.isEmpty() || (m_sortColumn == UpdatedColumn && m_sortOrder == Qt::DescendingOrder);
}

void RequestListModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column == NewRepliesColumn || column >= ColumnCount)
        return;
    if (column == m_sortColumn && order == m_sortOrder)
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    if (m_pages > 0 || m_loading)
        reload();
}

bool RequestListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd && !m_loading && m_session->isOpen();
}

void RequestListModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    m_loading = true;
    RequestQuery q = m_query;
    q.cursor = m_cursor;
    q.limit = PageSize;
    const quint64 generation = m_generation;
    if (!isStoreOrder()) {
        const RequestSortKey key = sortKey(m_sortColumn);
        const bool ascending = m_sortOrder == Qt::AscendingOrder;
        const QVariant afterKey = m_sortKey;
        const qint64 afterId = m_sortId;
        whenFinished(
            this,
            m_session->store().run<SortedRequestPage>([q, key, ascending, afterKey, afterId](Store &store) {
                return store.listRequestsSorted(q, key, ascending, afterKey, afterId);
            }),
            [this, generation](const Result<SortedRequestPage> &result) {
                if (generation != m_generation)
                    return;
                RequestPage page;
                if (result) {
                    page.requests = result->requests;
                    if (!result->atEnd) {
                        m_sortKey = result->lastKey;
                        m_sortId = result->lastId;
                        page.nextCursor = QStringLiteral("sorted");
                    }
                    addPage(Result<RequestPage>(page));
                } else {
                    addPage(Result<RequestPage>(result.error()));
                }
            });
        return;
    }
    whenFinished(this, m_session->store().listRequests(q),
                 [this, generation](const Result<RequestPage> &result) {
                     if (generation != m_generation)
                         return; // the filter changed meanwhile
                     addPage(result);
                 });
}

void RequestListModel::addPage(const Result<RequestPage> &result)
{
    m_loading = false;
    if (!result) {
        m_atEnd = true;
        qCWarning(lcGuiStore) << "cannot list requests:" << result.error().toString();
        Q_EMIT loadFailed(result.error());
        return;
    }
    const RequestPage &page = *result;
    const bool first = m_pages == 0;
    ++m_pages;
    m_cursor = page.nextCursor;
    m_atEnd = page.nextCursor.isEmpty();
    QList<qint64> ids;
    QList<Request> fresh;
    for (const Request &r : page.requests)
        if (!m_rowIndex.contains(r.id)) { // a row that moved up while paging is shown once
            fresh.append(r);
            ids.append(r.id);
        }
    if (!fresh.isEmpty()) {
        const int start = int(m_rows.size());
        beginInsertRows({}, start, start + int(fresh.size()) - 1);
        for (const Request &r : fresh) {
            m_rowIndex.insert(r.id, int(m_rows.size()));
            m_rows.append(r);
        }
        endInsertRows();
        loadBadges(ids);
    }
    Q_EMIT pageLoaded(int(fresh.size()), first);
}

int RequestListModel::rowOf(qint64 requestId) const
{
    return m_rowIndex.value(requestId, -1);
}

void RequestListModel::loadBadges(const QList<qint64> &ids)
{
    QList<QPair<qint64, qint64>> seen;
    seen.reserve(ids.size());
    for (qint64 id : ids)
        seen.append({id, m_session->lastSeen(id)});
    const quint64 generation = m_generation;
    whenFinished(
        this, m_session->store().run<QHash<qint64, int>>([seen](Store &store) -> Result<QHash<qint64, int>> {
            QHash<qint64, int> counts;
            for (const auto &[id, since] : seen) {
                auto q =
                    store.exec(QStringLiteral("SELECT COUNT(*) FROM updates WHERE request_id = ? AND "
                                              "source = 'slack' AND deleted_at IS NULL AND created_at > ?"),
                               {id, since});
                if (!q)
                    return q.error();
                QueryGuard guard(q.value());
                if (q.value()->next() && q.value()->value(0).toInt() > 0)
                    counts.insert(id, q.value()->value(0).toInt());
            }
            return counts;
        }),
        [this, generation, ids](const Result<QHash<qint64, int>> &result) {
            if (generation != m_generation || !result)
                return;
            for (qint64 id : ids) {
                const int n = result->value(id);
                if (m_newReplies.value(id) == n)
                    continue;
                if (n)
                    m_newReplies.insert(id, n);
                else
                    m_newReplies.remove(id);
                const int row = rowOf(id);
                if (row >= 0)
                    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
            }
        });
}

void RequestListModel::markSeen(qint64 requestId)
{
    m_session->markSeen(requestId, QDateTime::currentMSecsSinceEpoch());
    if (m_newReplies.remove(requestId)) {
        const int row = rowOf(requestId);
        if (row >= 0)
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
}

void RequestListModel::refreshRow(qint64 requestId)
{
    const quint64 generation = m_generation;
    whenFinished(
        this, m_session->store().run<Request>([requestId](Store &store) { return store.request(requestId); }),
        [this, generation](const Result<Request> &result) {
            if (generation != m_generation || !result)
                return;
            const int row = rowOf(result->id);
            if (row < 0)
                return;
            m_rows[row] = *result;
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        });
}

void RequestListModel::onStoreChanged(const StoreChange &change)
{
    if (!change.requestId)
        return;
    if (change.kind == StoreChange::Kind::RequestCreated) {
        // A new request is the most recently updated one: it belongs on top when it matches a
        // filter that can be checked here (a text filter needs the store: the next reload shows it).
        if (!isStoreOrder() || !m_query.text.isEmpty() || rowOf(change.requestId) >= 0)
            return;
        const quint64 generation = m_generation;
        const RequestQuery filter = m_query;
        whenFinished(this, m_session->store().run<Request>([id = change.requestId](Store &store) {
            return store.request(id);
        }),
                     [this, generation, filter](const Result<Request> &result) {
                         if (generation != m_generation || !result || rowOf(result->id) >= 0)
                             return;
                         const Request &r = *result;
                         if (!filter.statuses.isEmpty() && !filter.statuses.contains(r.status))
                             return;
                         if (filter.assigneeId && *filter.assigneeId != r.assigneeId)
                             return;
                         if (filter.teamId && *filter.teamId != r.teamId)
                             return;
                         beginInsertRows({}, 0, 0);
                         m_rows.prepend(r);
                         m_rowIndex.clear();
                         for (int i = 0; i < m_rows.size(); ++i)
                             m_rowIndex.insert(m_rows.at(i).id, i);
                         endInsertRows();
                     });
        return;
    }
    if (rowOf(change.requestId) < 0)
        return;
    if (change.kind == StoreChange::Kind::UpdatePosted && change.source == UpdateSource::Slack)
        loadBadges({change.requestId});
    refreshRow(change.requestId);
}

} // namespace threadline::gui
