#pragma once

#include "store/storetypes.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;

namespace threadline::gui {

class Session;

//! "New request": title, body, requester, assignee, team and followers, with people pickers that
//! complete from the desk's people. Submitting emits submitted(); the owner creates the request
//! through AsyncStore and calls finish() or showError(). Shown with open(), never run modally.
class NewRequestDialog : public QDialog
{
    Q_OBJECT

public:
    explicit NewRequestDialog(Session *session, QWidget *parent = nullptr);

    NewRequest request() const;
    void showError(const QString &message);
    void setBusy(bool busy);

    QLineEdit *titleEdit() const { return m_title; }
    QPlainTextEdit *bodyEdit() const { return m_body; }
    QComboBox *requesterPicker() const { return m_requester; }
    QComboBox *assigneePicker() const { return m_assignee; }
    QComboBox *teamPicker() const { return m_team; }
    QComboBox *followerPicker() const { return m_followerPicker; }
    QListWidget *followerList() const { return m_followers; }

    void accept() override;

Q_SIGNALS:
    void submitted(const threadline::NewRequest &request);

private:
    QComboBox *makePersonPicker(bool allowNone);
    qint64 pickedPerson(const QComboBox *picker) const;
    void addFollower();
    void validate();

    Session *m_session;
    QLineEdit *m_title;
    QPlainTextEdit *m_body;
    QComboBox *m_requester;
    QComboBox *m_assignee;
    QComboBox *m_team;
    QComboBox *m_followerPicker;
    QListWidget *m_followers;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
};

} // namespace threadline::gui
