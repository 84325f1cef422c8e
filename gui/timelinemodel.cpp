#include "timelinemodel.h"

#include "futurewatch.h"

#include "attachments.h"
#include "session.h"

#include "files/filedetect.h"

#include <QApplication>
#include <QIcon>
#include <QLocale>
#include <QPainter>
#include <QStyle>

namespace threadline::gui {

TimelineModel::TimelineModel(Session *session, QObject *parent)
    : QAbstractListModel(parent)
    , m_session(session)
{
    connect(m_session, &Session::directoryChanged, this, [this] {
        if (!m_updates.isEmpty())
            Q_EMIT dataChanged(index(0), index(int(m_updates.size()) - 1));
    });
}

void TimelineModel::setThumbnails(ThumbnailCache *cache)
{
    m_thumbnails = cache;
    connect(cache, &ThumbnailCache::ready, this, [this](const QString &key) {
        for (const Update &u : std::as_const(m_updates))
            for (const Attachment &a : u.attachments)
                if (a.sha256 == key) {
                    // Entries grow by the thumbnail's height: the view lays them out again.
                    Q_EMIT layoutAboutToBeChanged();
                    Q_EMIT layoutChanged();
                    return;
                }
    });
}

void TimelineModel::fetchForThumbnail(const Attachment &attachment) const
{
    // Remote mode: the bytes are on the server; fetched once per file (images up to
    // MaxThumbnailSourceBytes), then the entry is laid out again and the thumbnail made as in
    // embedded mode.
    if (!m_session->remote() || m_fetching.contains(attachment.sha256))
        return;
    m_fetching.insert(attachment.sha256);
    auto *self = const_cast<TimelineModel *>(this);
    whenFinished(self, m_session->attachmentFile(attachment, MaxThumbnailSourceBytes),
                 [self](const Result<QString> &fetched) {
                     if (fetched) {
                         Q_EMIT self->layoutAboutToBeChanged();
                         Q_EMIT self->layoutChanged();
                     }
                 });
}

void TimelineModel::setUpdates(const QList<Update> &updates)
{
    beginResetModel();
    m_updates = updates;
    endResetModel();
}

int TimelineModel::rowOf(qint64 updateId) const
{
    for (int i = 0; i < m_updates.size(); ++i)
        if (m_updates.at(i).id == updateId)
            return i;
    return -1;
}

int TimelineModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_updates.size());
}

QVariant TimelineModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_updates.size())
        return {};
    const Update &u = m_updates.at(index.row());
    switch (role) {
    case UpdateIdRole:
        return u.id;
    case DeletedRole:
        return u.isDeleted();
    case SourceRole:
        return int(u.source);
    case AuthorIdRole:
        return u.authorId;
    case HeaderRole: {
        QStringList parts{m_session->personName(u.authorId),
                          u.source == UpdateSource::Slack ? tr("Slack") : tr("Desk"),
                          QLocale().toString(u.createdAt.toLocalTime(), QLocale::ShortFormat)};
        if (u.editedAt.isValid() && !u.isDeleted())
            parts << tr("edited");
        return parts.join(QStringLiteral(" · "));
    }
    case BodyRole:
    case Qt::DisplayRole:
        if (u.isDeleted())
            return tr("— deleted by %1, %2 —")
                .arg(m_session->personName(u.deletedBy),
                     QLocale().toString(u.deletedAt.toLocalTime(), QLocale::ShortFormat));
        return u.text;
    case AttachmentLabelsRole: {
        QStringList labels;
        if (!u.isDeleted())
            for (const Attachment &a : u.attachments)
                labels << attachmentLabel(a);
        return labels;
    }
    case AttachmentThumbnailsRole: {
        QVariantList thumbnails;
        if (!u.isDeleted())
            for (const Attachment &a : u.attachments) {
                QImage image;
                if (m_thumbnails && a.state == QLatin1String("stored") &&
                    files::isKnownImageType(a.mimeType)) {
                    const QString path = m_session->attachmentPath(a);
                    image = m_thumbnails->thumbnail(a.sha256, path);
                    if (path.isEmpty() && image.isNull())
                        fetchForThumbnail(a);
                }
                thumbnails << image;
            }
        return thumbnails;
    }
    case Qt::ToolTipRole:
        if (u.editedAt.isValid())
            return tr("Edited %1").arg(QLocale().toString(u.editedAt.toLocalTime(), QLocale::LongFormat));
        return {};
    case Qt::AccessibleTextRole:
        return QString(data(index, HeaderRole).toString() + QStringLiteral(": ") +
                       data(index, BodyRole).toString());
    default:
        return {};
    }
}

QSize TimelineDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const int width =
        qMax(100, option.rect.width() > 0 ? option.rect.width()
                                          : (option.widget ? option.widget->width() - 20 : 400));
    QFont bold = option.font;
    bold.setBold(true);
    const QFontMetrics headerMetrics(bold);
    const QFontMetrics bodyMetrics(option.font);
    const QRect body = bodyMetrics.boundingRect(QRect(0, 0, width - 2 * Margin, 100000), Qt::TextWordWrap,
                                                index.data(TimelineModel::BodyRole).toString());
    return {width,
            Margin + headerMetrics.height() + 2 + body.height() + attachmentsHeight(option, index) + Margin};
}

int TimelineDelegate::attachmentsHeight(const QStyleOptionViewItem &option, const QModelIndex &index)
{
    const QStringList labels = index.data(TimelineModel::AttachmentLabelsRole).toStringList();
    const QVariantList thumbnails = index.data(TimelineModel::AttachmentThumbnailsRole).toList();
    const int line = qMax(IconSize, QFontMetrics(option.font).height());
    int height = 0;
    for (int i = 0; i < labels.size(); ++i) {
        const QImage image = thumbnails.value(i).value<QImage>();
        height += 4 + (image.isNull() ? line : qMax(line, int(image.height() / image.devicePixelRatio())));
    }
    return height;
}

void TimelineDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);

    const bool selected = option.state & QStyle::State_Selected;
    const QPalette::ColorRole textRole = selected ? QPalette::HighlightedText : QPalette::Text;
    const bool deleted = index.data(TimelineModel::DeletedRole).toBool();
    const QRect r = option.rect.adjusted(Margin, Margin, -Margin, -Margin);

    painter->save();
    QFont bold = option.font;
    bold.setBold(true);
    painter->setFont(bold);
    const QFontMetrics hm(bold);
    painter->setPen(option.palette.color(QPalette::Active, textRole));
    painter->drawText(
        QRect(r.left(), r.top(), r.width(), hm.height()), Qt::AlignLeft | Qt::AlignVCenter,
        hm.elidedText(index.data(TimelineModel::HeaderRole).toString(), Qt::ElideRight, r.width()));
    QFont bodyFont = option.font;
    bodyFont.setItalic(deleted);
    painter->setFont(bodyFont);
    painter->setPen(deleted && !selected ? option.palette.color(QPalette::Disabled, QPalette::Text)
                                         : option.palette.color(QPalette::Active, textRole));
    const QString bodyText = index.data(TimelineModel::BodyRole).toString();
    const QRect bodyRect = painter->fontMetrics().boundingRect(
        QRect(r.left(), r.top() + hm.height() + 2, r.width(), 100000), Qt::TextWordWrap, bodyText);
    painter->drawText(QRect(r.left(), r.top() + hm.height() + 2, r.width(), bodyRect.height()),
                      Qt::TextWordWrap, bodyText);

    // Attachments: a thumbnail for an image, else a file icon; the name, size and state beside it.
    const QStringList labels = index.data(TimelineModel::AttachmentLabelsRole).toStringList();
    const QVariantList thumbnails = index.data(TimelineModel::AttachmentThumbnailsRole).toList();
    painter->setFont(option.font);
    painter->setPen(option.palette.color(QPalette::Active, textRole));
    const int line = qMax(IconSize, painter->fontMetrics().height());
    int y = r.top() + hm.height() + 2 + bodyRect.height();
    static const QIcon fileIcon(QStringLiteral(":/icons/file.svg"));
    for (int i = 0; i < labels.size(); ++i) {
        y += 4;
        const QImage image = thumbnails.value(i).value<QImage>();
        int height = line;
        int textLeft = r.left() + IconSize + 6;
        if (!image.isNull()) {
            const QSize shown = image.size() / image.devicePixelRatio();
            height = qMax(line, shown.height());
            painter->drawImage(QRect(QPoint(r.left(), y), shown), image);
            textLeft = r.left() + shown.width() + 8;
        } else {
            fileIcon.paint(painter, QRect(r.left(), y + (line - IconSize) / 2, IconSize, IconSize));
        }
        painter->drawText(
            QRect(textLeft, y, r.right() - textLeft, height), Qt::AlignLeft | Qt::AlignVCenter,
            painter->fontMetrics().elidedText(labels.at(i), Qt::ElideMiddle, r.right() - textLeft));
        y += height;
    }
    painter->restore();
}

} // namespace threadline::gui
