#pragma once

#include <QFrame>

class QLabel;
class QToolButton;

namespace threadline::gui {

//! A non-blocking message strip above a view: a sentence for the agent, the technical detail one
//! click away (tooltip and "Details"), and a close button. Never a modal box.
class MessageBar : public QFrame
{
    Q_OBJECT

public:
    enum class Kind
    {
        Information,
        Warning,
        Error,
    };

    explicit MessageBar(QWidget *parent = nullptr);

    void showMessage(const QString &text, Kind kind = Kind::Information, const QString &detail = {});
    QString text() const;
    Kind kind() const { return m_kind; }

private:
    QLabel *m_icon;
    QLabel *m_label;
    QToolButton *m_details;
    QToolButton *m_close;
    QString m_detail;
    Kind m_kind = Kind::Information;
};

} // namespace threadline::gui
