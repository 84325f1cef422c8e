#pragma once

#include "core/result.h"
#include "store/storetypes.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace threadline::gui {

class Session;

//! The request list: a lazy, keyset-paged view of AsyncStore::listRequests(). Only the first page
//! is loaded when the filter changes; views pull the next page through canFetchMore()/fetchMore()
//! when they scroll near the end. Rows are ordered the way the store pages them (most recently
//! updated first) unless the agent sorts by a column: then it pages through Store::listRequestsSorted()
//! (keyset on the sort key, then the id) with the same filters. A text search always lists the best
//! matches, most recent first. The New column counts Slack replies the agent has not seen yet.
class RequestListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        IdColumn,
        TitleColumn,
        StatusColumn,
        AssigneeColumn,
        UpdatedColumn,
        NewRepliesColumn,
        ColumnCount
    };
    enum Role
    {
        RequestIdRole = Qt::UserRole + 1,
        VersionRole,
    };

    static constexpr int PageSize = 100;

    explicit RequestListModel(Session *session, QObject *parent = nullptr);

    //! Replaces the filter (cursor ignored) and loads its first page.
    void setQuery(const RequestQuery &query);
    const RequestQuery &query() const { return m_query; }
    //! Reloads the first page of the current filter.
    void reload();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    //! Sorts by id, title, status (workflow order), assignee or last update, and reloads.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }
    //! True when rows come in the store's order (last update, newest first, or a text search).
    bool isStoreOrder() const;
    void fetchMore(const QModelIndex &parent) override;

    bool isLoading() const { return m_loading; }
    bool atEnd() const { return m_atEnd; }
    int pagesLoaded() const { return m_pages; }
    Request requestAt(int row) const { return m_rows.value(row); }
    int rowOf(qint64 requestId) const;
    int newReplies(qint64 requestId) const { return m_newReplies.value(requestId); }

    //! The agent opened the request: its badge is cleared and "last seen" kept.
    void markSeen(qint64 requestId);

    static QString statusLabel(RequestStatus status);

Q_SIGNALS:
    //! A page arrived (first is true for the first page of a filter).
    void pageLoaded(int rows, bool first);
    void loadFailed(const threadline::Error &error);

private:
    void onStoreChanged(const threadline::StoreChange &change);
    void refreshRow(qint64 requestId);
    void addPage(const Result<RequestPage> &result);
    void loadBadges(const QList<qint64> &ids);

    Session *m_session;
    RequestQuery m_query;
    QList<Request> m_rows;
    QHash<qint64, int> m_rowIndex;
    QHash<qint64, int> m_newReplies;
    QString m_cursor;
    bool m_loading = false;
    bool m_atEnd = true;
    int m_pages = 0;
    quint64 m_generation = 0;
    int m_sortColumn = UpdatedColumn;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;
    QVariant m_sortKey; //!< keyset position of a sorted list: the last row's key and id
    qint64 m_sortId = 0;
};

} // namespace threadline::gui
