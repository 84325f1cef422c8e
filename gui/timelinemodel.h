#pragma once

#include "store/storetypes.h"

#include <QAbstractListModel>
#include <QSet>
#include <QStyledItemDelegate>

namespace threadline::gui {

class Session;
class ThumbnailCache;

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
        AttachmentLabelsRole,     //!< QStringList: "name · size" (and the state when not stored)
        AttachmentThumbnailsRole, //!< QVariantList of QImage, one per attachment (null: none yet)
    };

    explicit TimelineModel(Session *session, QObject *parent = nullptr);

    //! Image attachments get thumbnails from cache (requested as rows are painted).
    void setThumbnails(ThumbnailCache *cache);

    void setUpdates(const QList<Update> &updates);
    const QList<Update> &updates() const { return m_updates; }
    Update updateAt(int row) const { return m_updates.value(row); }
    int rowOf(qint64 updateId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    //! Remote mode: the largest image fetched from the server for a thumbnail.
    static constexpr qint64 MaxThumbnailSourceBytes = 20LL * 1024 * 1024;

private:
    void fetchForThumbnail(const Attachment &attachment) const;

    Session *m_session;
    ThumbnailCache *m_thumbnails = nullptr;
    QList<Update> m_updates;
    mutable QSet<QString> m_fetching; //!< SHA-256 of images fetched (or being fetched) for thumbnails
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
    static constexpr int IconSize = 16;
    //! The height of the attachment lines of an entry.
    static int attachmentsHeight(const QStyleOptionViewItem &option, const QModelIndex &index);
};

} // namespace threadline::gui
