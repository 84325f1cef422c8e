#pragma once

#include <QDialog>

class QCommandLinkButton;
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;

namespace threadline::gui {

//! First run: "Welcome to Threadline" with three choices. It only reports the choice through
//! signals; the console acts on it. Shown with open(), never run modally.
class WelcomeDialog : public QDialog
{
    Q_OBJECT

public:
    explicit WelcomeDialog(QWidget *parent = nullptr);

    //! The server page's error line (a refused token, a server that does not answer); the page is
    //! usable again.
    void showServerError(const QString &message);

    QCommandLinkButton *sandboxButton() const { return m_sandbox; }
    QCommandLinkButton *slackButton() const { return m_slack; }
    QCommandLinkButton *serverButton() const { return m_server; }
    QLineEdit *botTokenEdit() const { return m_botToken; }
    QLineEdit *appTokenEdit() const { return m_appToken; }
    QLineEdit *serverUrlEdit() const { return m_serverUrl; }
    QLineEdit *serverTokenEdit() const { return m_serverToken; }

Q_SIGNALS:
    void sandboxChosen();
    void slackChosen(const QString &botToken, const QString &appToken);
    void serverChosen(const QString &url, const QString &agentToken);

private:
    QWidget *makeChoicePage();
    QWidget *makeSlackPage();
    QWidget *makeServerPage();

    QStackedWidget *m_pages;
    QCommandLinkButton *m_sandbox = nullptr;
    QCommandLinkButton *m_slack = nullptr;
    QCommandLinkButton *m_server = nullptr;
    QLineEdit *m_botToken = nullptr;
    QLineEdit *m_appToken = nullptr;
    QLineEdit *m_serverUrl = nullptr;
    QLineEdit *m_serverToken = nullptr;
    QLabel *m_slackError = nullptr;
    QLabel *m_serverError = nullptr;
    QPushButton *m_serverConnect = nullptr;
};

} // namespace threadline::gui
