#pragma once

#include <QDialog>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QRadioButton;

namespace threadline::gui {

class Session;

//! Settings: mode (embedded or remote), database, language (restart notice), notifications and
//! tokens. Tokens are masked and never shown back: an empty field keeps the stored one.
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    explicit SettingsDialog(Session *session, QWidget *parent = nullptr);

    void accept() override;

    QComboBox *languageCombo() const { return m_language; }
    QLineEdit *botTokenEdit() const { return m_botToken; }
    QLineEdit *appTokenEdit() const { return m_appToken; }
    QLabel *tokenStorageWarning() const { return m_tokenWarning; }

Q_SIGNALS:
    //! Settings were saved; restartNeeded when the language changed.
    void saved(bool restartNeeded);

private:
    Session *m_session;
    QRadioButton *m_embedded;
    QRadioButton *m_remote;
    QComboBox *m_language;
    QLabel *m_restartNotice;
    QCheckBox *m_notifications;
    QLineEdit *m_botToken;
    QLineEdit *m_appToken;
    QLineEdit *m_serverUrl;
    QLineEdit *m_serverToken;
    QLabel *m_tokenWarning;
    QLabel *m_error;
    QString m_initialLanguage;
};

} // namespace threadline::gui
