#include "messagebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>
#include <QToolTip>

namespace threadline::gui {

MessageBar::MessageBar(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_label(new QLabel(this))
    , m_details(new QToolButton(this))
    , m_close(new QToolButton(this))
{
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::AlternateBase);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setText(tr("Details"));
    m_details->setAutoRaise(true);
    m_close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    m_close->setAutoRaise(true);
    m_close->setToolTip(tr("Dismiss"));
    m_close->setAccessibleName(tr("Dismiss"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->addWidget(m_icon);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_details);
    layout->addWidget(m_close);
    connect(m_close, &QToolButton::clicked, this, &QWidget::hide);
    connect(m_details, &QToolButton::clicked, this, [this] {
        QToolTip::showText(m_details->mapToGlobal(QPoint(0, m_details->height())), m_detail, m_details);
    });
    hide();
}

void MessageBar::showMessage(const QString &text, Kind kind, const QString &detail)
{
    m_kind = kind;
    m_detail = detail;
    m_label->setText(text);
    m_label->setToolTip(detail);
    m_details->setVisible(!detail.isEmpty());
    QStyle::StandardPixmap icon = QStyle::SP_MessageBoxInformation;
    if (kind == Kind::Warning)
        icon = QStyle::SP_MessageBoxWarning;
    else if (kind == Kind::Error)
        icon = QStyle::SP_MessageBoxCritical;
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_icon->setPixmap(style()->standardIcon(icon).pixmap(size, size));
    show();
}

QString MessageBar::text() const
{
    return m_label->text();
}

} // namespace threadline::gui
