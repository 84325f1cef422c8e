#pragma once

#include "core/result.h"
#include "store/storetypes.h"
#include "sync/synctypes.h"

#include <QJsonObject>
#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QStackedWidget;
class QTimer;

namespace threadline::gui {

class EngineHost;
class RemoteDesk;
class MessageBar;
class Session;
class ThumbnailCache;
class TimelineModel;

//! The request detail: header (editable title, status and assignee, requester, team, followers
//! with reasons), then tabs Timeline | Threads | Activity, and the reply composer. Every change goes
//! through AsyncStore with the row version; a Conflict reloads and says so in the message bar.
class RequestView : public QWidget
{
    Q_OBJECT

public:
    explicit RequestView(Session *session, QWidget *parent = nullptr);

    //! Shows the sync engine's thread matrix and state (sandbox mode).
    void setEngine(EngineHost *engine);
    //! Remote mode: the thread matrix and Retry go through the server.
    void setRemote(RemoteDesk *remote);
    QTableWidget *threadsTable() const { return m_threads; }
    //! The state (pending, posted, failed, …) and shown text of one cell of the thread matrix: row 0
    //! is the summary, row n the n-th update; one column per follower.
    QString threadCellState(int row, int column) const;
    QString threadCellText(int row, int column) const;
    //! The files of a cell's update as copied into that thread: "name: state" (shared, pending, …).
    QStringList threadCellFiles(int row, int column) const;
    static QString fileStateMark(const QString &state);
    static QString fileStateText(const QString &state);
    //! A sentence for a Slack error code ("Slack was unavailable (service_unavailable)").
    static QString slackErrorText(const QString &code);
    void showRequest(qint64 requestId);
    void clear();
    qint64 requestId() const { return m_request.id; }
    const Timeline &timeline() const { return m_timeline; }
    //! Reloads the shown request from the store.
    void reload();

    QAction *sendAction() const { return m_sendAction; }
    QAction *editUpdateAction() const { return m_editAction; }
    QAction *deleteUpdateAction() const { return m_deleteAction; }
    QAction *copyLinkAction() const { return m_copyLinkAction; }
    QAction *addFollowerAction() const { return m_addFollowerAction; }
    QAction *removeFollowerAction() const { return m_removeFollowerAction; }
    QAction *attachAction() const { return m_attachAction; }

    //! Files to send with the next reply (Attach files…, or dropped on the composer).
    void addPendingFiles(const QStringList &paths);
    QStringList pendingFiles() const { return m_pendingFiles; }
    QListWidget *pendingFilesList() const { return m_pendingList; }
    ThumbnailCache *thumbnails() const { return m_thumbnails; }

    // For tests and the main window.
    QLineEdit *titleEdit() const { return m_title; }
    QComboBox *statusCombo() const { return m_status; }
    QComboBox *assigneeCombo() const { return m_assignee; }
    QPlainTextEdit *composer() const { return m_composer; }
    QListView *timelineView() const { return m_timelineView; }
    TimelineModel *timelineModel() const { return m_timelineModel; }
    MessageBar *messageBar() const { return m_messageBar; }
    QTabWidget *tabs() const { return m_tabs; }
    bool isSending() const { return m_sending; }

Q_SIGNALS:
    //! The timeline of requestId was (re)loaded and is on screen.
    void timelineLoaded(qint64 requestId);
    //! A reply was committed to the desk.
    void replySent(qint64 updateId);
    //! The thread matrix of requestId was (re)loaded.
    void threadsLoaded(qint64 requestId);

public:
    //! Adds Open / Save as… of each attachment whose bytes can be reached to a timeline entry's
    //! context menu (public for tests).
    void addAttachmentActions(QMenu *menu, const Update &update);

private:
    void onTimelineLoaded(quint64 generation, const Result<Timeline> &result);
    void onStatusActivated(int index);
    void sendRemoteChange(const QJsonObject &changes);
    void onAssigneeActivated(int index);
    void onTitleEdited();
    void onSend();
    void onEditUpdate();
    void onDeleteUpdate();
    void onCopyLink();
    void onAttachFiles();
    void postReply(const QString &text, const QList<Attachment> &attachments);
    void postRemoteReply(const QString &text, const QStringList &files);
    void saveAttachment(const Attachment &attachment);
    void openAttachment(const Attachment &attachment);
    void onAddFollower();
    void onRemoveFollower();
    //! Asks which of `ids` (listed as `names`) to add as a follower, or to remove, and does it.
    void pickFollower(bool add, const QStringList &names, const QList<qint64> &ids);
    void onStoreChanged(const threadline::StoreChange &change);
    void onDirectoryChanged();
    void reloadThreads();
    void showThreads(quint64 generation, const threadline::Result<threadline::sync::RequestThreads> &result);
    threadline::Result<threadline::sync::RequestThreads>
    remoteThreads(qint64 localRequest, const threadline::Result<QJsonObject> &answer) const;
    void setThreadCell(int row, int column, const QString &state, const QString &error, qint64 conversationId,
                       qint64 updateId);
    void updateActivityState();
    //! Handles the result of a field change: Conflict reloads and tells the agent.
    void handleFieldResult(const Result<Request> &result);
    //! A refused change of a field: a Conflict is a warning, anything else an error; then reloads.
    void changeRefused(const Error &error);
    void showError(const QString &what, const Error &error);
    //! A whenFinished() callback that shows `what` with the error when the call failed.
    template<typename T>
    auto reportFailure(const QString &what);
    void fillAssignees();
    void updateHeader();
    void updateActions();
    int selectedUpdateRow() const;
    void setSending(bool sending);
    //! Ends a send of a reply to `requestId`: shows the error and returns false when it failed;
    //! otherwise empties the composer if it still shows that request.
    template<typename T>
    bool finishSending(qint64 requestId, const Result<T> &result);
    void clearComposer();
    bool eventFilter(QObject *watched, QEvent *event) override;

    Session *m_session;
    Timeline m_timeline;
    Request m_request;
    quint64 m_generation = 0;
    bool m_sending = false;

    MessageBar *m_messageBar;
    QLabel *m_idLabel;
    QLineEdit *m_title;
    QComboBox *m_status;
    QComboBox *m_assignee;
    QLabel *m_people;
    QLabel *m_followers;
    QLabel *m_body;
    QPushButton *m_followButton;
    QTabWidget *m_tabs;
    QListView *m_timelineView;
    TimelineModel *m_timelineModel;
    QPlainTextEdit *m_composer;
    QPushButton *m_sendButton;
    QPushButton *m_attachButton;
    QListWidget *m_pendingList;
    QStringList m_pendingFiles;
    ThumbnailCache *m_thumbnails;
    QProgressBar *m_busy;
    QLabel *m_threadsPlaceholder;
    QTableWidget *m_threads;
    QStackedWidget *m_threadsStack;
    EngineHost *m_engine = nullptr;
    quint64 m_threadsGeneration = 0;
    QLabel *m_activityState;
    QListWidget *m_activity;
    QTimer *m_reloadTimer;

    QAction *m_sendAction;
    QAction *m_editAction;
    QAction *m_deleteAction;
    QAction *m_copyLinkAction;
    QAction *m_addFollowerAction;
    QAction *m_removeFollowerAction;
    QAction *m_attachAction;
};

} // namespace threadline::gui
