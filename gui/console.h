#pragma once

#include "core/result.h"
#include "welcomedialog.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>

namespace threadline::gui {

class MainWindow;
class Session;

//! What the command line asks of the console.
struct ConsoleOptions
{
    QString dataDir;        //!< empty: QStandardPaths::AppDataLocation
    bool sandbox = false;   //!< --sandbox: skip the welcome dialog, start the sandbox workspace
    QString screenshotPath; //!< --screenshot FILE: render the main views to FILE (and siblings), then quit
};

//! The console application: opens the session, shows the welcome dialog on the first run, then the
//! main window. Nothing here blocks: each step continues from a signal.
class Console : public QObject
{
    Q_OBJECT

public:
    explicit Console(ConsoleOptions options, QObject *parent = nullptr);
    ~Console() override;

    void start();

    Session *session() const { return m_session.get(); }
    MainWindow *mainWindow() const { return m_window.get(); }
    WelcomeDialog *welcomeDialog() const { return m_welcome; }

    static QString defaultDataDir();

Q_SIGNALS:
    //! The welcome dialog is on screen (first run).
    void welcomeShown();
    //! The main window is on screen with the first page of requests.
    void ready();
    //! Screenshots were written (or failed: ok false); the application quits after this.
    void screenshotsTaken(bool ok);
    void failed(const threadline::Error &error);

private:
    void onOpened();
    void onFailed(const threadline::Error &error);
    void showWelcome();
    void startSandbox();
    void startSlack();
    void startRemote();
    void startLocal(const QString &notice);
    void showMain();
    void takeScreenshots();

    ConsoleOptions m_options;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<MainWindow> m_window;
    QPointer<WelcomeDialog> m_welcome;
    QString m_pendingNotice;
    bool m_shown = false;
    bool m_connecting = false; //!< the welcome dialog's first connection to a server is under way
};

} // namespace threadline::gui
