#pragma once

#include "store/storetypes.h"

#include <QAbstractListModel>
#include <QStyledItemDelegate>

namespace threadline::gui {

class Session;

//! The updates of one request, in desk order.
class TimelineModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role
    {
        UpdateIdRole = Qt::UserRole + 1,
        HeaderRole,  //!< "Author · Slack · 10:02 · edited"
        BodyRole,    //!< the text, or the deleted marker
        DeletedRole, //!< bool
        SourceRole,  //!< UpdateSource as int
        AuthorIdRole,
    };

    explicit TimelineModel(Session *session, QObject *parent = nullptr);

    void setUpdates(const QList<Update> &updates);
    const QList<Update> &updates() const { return m_updates; }
    Update updateAt(int row) const { return m_updates.value(row); }
    int rowOf(qint64 updateId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    Session *m_session;
    QList<Update> m_updates;
};

//! Paints a timeline entry: a header line (author, source, time, markers) and the wrapped text.
class TimelineDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    static constexpr int Margin = 6;
};

} // namespace threadline::gui
