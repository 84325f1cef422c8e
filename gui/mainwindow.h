#pragma once

#include "core/result.h"
#include "store/storetypes.h"

#include <QMainWindow>
#include <QPointer>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QSystemTrayIcon;
class QTableView;
class QTimer;

namespace threadline::gui {

class MessageBar;
class NewRequestDialog;
class RequestListModel;
class RequestView;
class Session;

//! The console's main window: toolbar (new request, search, filters), the lazy request list and
//! the request detail side by side, menus carrying every action with its shortcut, a status bar
//! with the Slack state, and a tray icon.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(Session *session, QWidget *parent = nullptr);
    ~MainWindow() override;

    //! Loads the first page of requests (call once the session is ready).
    void start();
    //! Shows the sync engine's state once it runs (called by start(), and when Settings starts it).
    void attachEngine();
    //! Shows the sandbox banner ("nothing reaches real Slack").
    void setSandboxBanner(bool on);
    //! A sentence for the agent in the window's message bar.
    void showMessage(const QString &text, bool warning = false);
    //! Selects (and opens) a request when it is loaded in the list.
    bool selectRequest(qint64 requestId);
    //! Brings the window up on the request of the last notification (a click on it).
    void openNotifiedRequest();

    QTableView *requestList() const { return m_list; }
    RequestListModel *requestModel() const { return m_model; }
    RequestView *requestView() const { return m_view; }
    QLineEdit *searchEdit() const { return m_search; }
    QComboBox *statusFilter() const { return m_statusFilter; }
    QComboBox *teamFilter() const { return m_teamFilter; }
    QCheckBox *assignedToMe() const { return m_assignedToMe; }
    QAction *newRequestAction() const { return m_newRequestAction; }
    QAction *settingsAction() const { return m_settingsAction; }
    QAction *aboutAction() const { return m_aboutAction; }
    QAction *nextRequestAction() const { return m_nextAction; }
    QAction *previousRequestAction() const { return m_previousAction; }
    QLabel *sandboxBanner() const { return m_banner; }
    QLabel *slackStatus() const { return m_slackStatus; }
    MessageBar *messageBar() const { return m_messageBar; }
    NewRequestDialog *newRequestDialog() const { return m_newRequestDialog; }

Q_SIGNALS:
    //! The first page of the current filter is on screen.
    void firstPageShown(int rows);
    //! A new Slack reply on a request assigned to the agent (shown in the tray when there is one).
    void notified(qint64 requestId, const QString &title, const QString &text);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createMenus();
    void applyFilter();
    void fillTeamFilter();
    void onCurrentRowChanged(const QModelIndex &current);
    void onNewRequest();
    void onRequestSubmitted(const threadline::NewRequest &request);
    void onRequestCreated(NewRequestDialog *dialog, qint64 requestId);
    //! Selects the request; when the filters hide it, resets them and selects it once listed.
    void showRequestUnfiltered(qint64 requestId);
    void onSettings();
    void onStoreChanged(const threadline::StoreChange &change);
    void moveSelection(int delta);
    void updateSlackStatus();
    void updateTray();
    void showAbout();
    void restoreLayout();
    void updateSortIndicator();

    Session *m_session;
    RequestListModel *m_model;
    QTableView *m_list;
    RequestView *m_view;
    QSplitter *m_splitter;
    QLabel *m_banner;
    MessageBar *m_messageBar;
    QLineEdit *m_search;
    QComboBox *m_statusFilter;
    QComboBox *m_teamFilter;
    QCheckBox *m_assignedToMe;
    QLabel *m_slackStatus;
    QLabel *m_countStatus;
    QTimer *m_searchTimer;
    QTimer *m_trayTimer;
    QSystemTrayIcon *m_tray = nullptr;
    QPointer<NewRequestDialog> m_newRequestDialog;
    qint64 m_pendingSelection = 0;
    qint64 m_notifiedRequest = 0;

    QAction *m_newRequestAction = nullptr;
    QAction *m_searchAction = nullptr;
    QAction *m_settingsAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_nextAction = nullptr;
    QAction *m_previousAction = nullptr;
    QAction *m_reloadAction = nullptr;
    QAction *m_assignedAction = nullptr;
    QAction *m_aboutAction = nullptr;
};

} // namespace threadline::gui
