#include "requestview.h"

#include "attachments.h"
#include "enginehost.h"
#include "futurewatch.h"
#include "guilogging.h"
#include "messagebar.h"
#include "remotedesk.h"
#include "requestlistmodel.h"
#include "session.h"
#include "timelinemodel.h"

#include "store/asyncstore.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDragMoveEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHash>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace threadline::gui {

namespace {

QString reasonLabel(FollowReason reason)
{
    switch (reason) {
    case FollowReason::Requester:
        return RequestView::tr("requester");
    case FollowReason::Assignee:
        return RequestView::tr("assignee");
    case FollowReason::Team:
        return RequestView::tr("team");
    case FollowReason::Manual:
        return RequestView::tr("follower");
    }
    return {};
}

QString changeLabel(const StoreChange &c, const Session *session)
{
    const QString who = c.actorId ? session->personName(c.actorId) : RequestView::tr("someone");
    switch (c.kind) {
    case StoreChange::Kind::RequestCreated:
        return RequestView::tr("%1 created the request").arg(who);
    case StoreChange::Kind::StatusChanged:
        return RequestView::tr("%1 changed the status").arg(who);
    case StoreChange::Kind::AssigneeChanged:
        return RequestView::tr("%1 changed the assignee").arg(who);
    case StoreChange::Kind::TitleChanged:
        return RequestView::tr("%1 changed the title").arg(who);
    case StoreChange::Kind::FollowerAdded:
        return RequestView::tr("%1 now follows").arg(session->personName(c.personId));
    case StoreChange::Kind::FollowerRemoved:
        return RequestView::tr("%1 no longer follows").arg(session->personName(c.personId));
    case StoreChange::Kind::UpdatePosted:
        return c.source == UpdateSource::Slack ? RequestView::tr("%1 replied in Slack").arg(who)
                                               : RequestView::tr("%1 posted an update").arg(who);
    case StoreChange::Kind::UpdateEdited:
        return RequestView::tr("%1 edited an update").arg(who);
    case StoreChange::Kind::UpdateDeleted:
        return RequestView::tr("%1 deleted an update").arg(who);
    case StoreChange::Kind::AttachmentAdded:
        return RequestView::tr("A file was attached");
    case StoreChange::Kind::PersonUpserted:
    case StoreChange::Kind::TeamUpserted:
    case StoreChange::Kind::TeamMembershipChanged:
        return {};
    }
    return {};
}

} // namespace

RequestView::RequestView(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_messageBar(new MessageBar(this))
    , m_idLabel(new QLabel(this))
    , m_title(new QLineEdit(this))
    , m_status(new QComboBox(this))
    , m_assignee(new QComboBox(this))
    , m_people(new QLabel(this))
    , m_followers(new QLabel(this))
    , m_body(new QLabel(this))
    , m_followButton(new QPushButton(tr("Fo&llow…"), this))
    , m_tabs(new QTabWidget(this))
    , m_timelineView(new QListView(this))
    , m_timelineModel(new TimelineModel(session, this))
    , m_composer(new QPlainTextEdit(this))
    , m_sendButton(new QPushButton(tr("&Send"), this))
    , m_attachButton(new QPushButton(tr("Attach &files…"), this))
    , m_pendingList(new QListWidget(this))
    , m_thumbnails(new ThumbnailCache(this))
    , m_busy(new QProgressBar(this))
    , m_threadsPlaceholder(new QLabel(this))
    , m_threads(new QTableWidget(this))
    , m_threadsStack(new QStackedWidget(this))
    , m_activityState(new QLabel(this))
    , m_activity(new QListWidget(this))
    , m_reloadTimer(new QTimer(this))
{
    m_title->setAccessibleName(tr("Title"));
    m_title->setPlaceholderText(tr("Title"));
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setFrame(false);
    m_status->setAccessibleName(tr("Status"));
    m_status->setToolTip(tr("Status"));
    for (RequestStatus s : {RequestStatus::New, RequestStatus::Open, RequestStatus::Waiting,
                            RequestStatus::Resolved, RequestStatus::Closed})
        m_status->addItem(RequestListModel::statusLabel(s), int(s));
    m_assignee->setAccessibleName(tr("Assignee"));
    m_assignee->setToolTip(tr("Assignee"));
    m_assignee->setMinimumContentsLength(14);
    m_assignee->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_followers->setWordWrap(true);
    m_followers->setTextFormat(Qt::PlainText);
    m_people->setTextFormat(Qt::PlainText);
    m_people->setWordWrap(true);
    m_body->setWordWrap(true);
    m_body->setTextFormat(Qt::PlainText);
    m_body->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_body->setAccessibleName(tr("Request details"));
    m_body->setMaximumHeight(m_body->fontMetrics().lineSpacing() * 6);
    m_body->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    auto *header = new QHBoxLayout;
    header->addWidget(m_idLabel);
    header->addWidget(m_title, 1);
    header->addWidget(m_status);
    header->addWidget(m_assignee);
    auto *peopleRow = new QHBoxLayout;
    auto *peopleColumn = new QVBoxLayout;
    peopleColumn->addWidget(m_people);
    peopleColumn->addWidget(m_followers);
    peopleRow->addLayout(peopleColumn, 1);
    peopleRow->addWidget(m_followButton, 0, Qt::AlignTop);

    // Timeline tab
    m_timelineView->setModel(m_timelineModel);
    m_timelineView->setItemDelegate(new TimelineDelegate(m_timelineView));
    m_timelineView->setWordWrap(true);
    m_timelineView->setResizeMode(QListView::Adjust);
    m_timelineView->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_timelineView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_timelineView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_timelineView->setAccessibleName(tr("Timeline"));
    m_composer->setPlaceholderText(tr("Reply to everyone following… (Ctrl+Enter)"));
    m_composer->setAccessibleName(tr("Reply"));
    m_composer->setTabChangesFocus(true);
    m_composer->setMaximumHeight(m_composer->fontMetrics().lineSpacing() * 6);
    m_busy->setRange(0, 0);
    m_busy->setMaximumWidth(80);
    m_busy->setTextVisible(false);
    m_busy->setAccessibleName(tr("Sending"));
    m_busy->hide();
    m_sendButton->setIcon(QIcon(QStringLiteral(":/icons/send.svg")));
    m_attachButton->setIcon(QIcon(QStringLiteral(":/icons/attach.svg")));
    m_attachButton->setToolTip(tr("Attach files to the next reply (or drop them on the reply field)"));
    m_pendingList->setObjectName(QStringLiteral("pendingAttachments"));
    m_pendingList->setAccessibleName(tr("Files to send"));
    m_pendingList->setToolTip(tr("Sent with the next reply. Del removes the selected file."));
    m_pendingList->setMaximumHeight(m_pendingList->fontMetrics().lineSpacing() * 4);
    m_pendingList->hide();
    m_timelineModel->setThumbnails(m_thumbnails);
    m_composer->viewport()->installEventFilter(this);
    m_composer->setAcceptDrops(true);
    m_pendingList->installEventFilter(this);
    auto *composerRow = new QHBoxLayout;
    auto *composerColumn = new QVBoxLayout;
    composerColumn->addWidget(m_composer, 1);
    composerColumn->addWidget(m_pendingList);
    composerRow->addLayout(composerColumn, 1);
    auto *sendColumn = new QVBoxLayout;
    sendColumn->addWidget(m_sendButton);
    sendColumn->addWidget(m_attachButton);
    sendColumn->addWidget(m_busy);
    sendColumn->addStretch();
    composerRow->addLayout(sendColumn);
    auto *timelineTab = new QWidget(this);
    auto *timelineLayout = new QVBoxLayout(timelineTab);
    timelineLayout->setContentsMargins(0, 0, 0, 0);
    timelineLayout->addWidget(m_timelineView, 1);
    timelineLayout->addLayout(composerRow);

    // Threads tab: the per-follower thread state comes from the sync engine.
    m_threadsPlaceholder->setText(
        tr("Slack sync is not running.\n\nConnect Slack in Settings (Ctrl+,): this tab then shows every "
           "update's copy in every follower's Slack thread (posted, on its way, failed with the reason and "
           "Retry, deleted, retained by its author)."));
    m_threadsPlaceholder->setWordWrap(true);
    m_threadsPlaceholder->setAlignment(Qt::AlignCenter);
    m_threadsPlaceholder->setMargin(24);

    // Activity tab
    auto *activityTab = new QWidget(this);
    auto *activityLayout = new QVBoxLayout(activityTab);
    m_activityState->setWordWrap(true);
    m_activityState->setText(
        tr("Slack sync is not running, so there are no lanes, queues or Slack errors to show. Changes to "
           "this request made in this session:"));
    m_activity->setAccessibleName(tr("Recent changes"));
    activityLayout->addWidget(m_activityState);
    activityLayout->addWidget(m_activity, 1);

    m_tabs->addTab(timelineTab, tr("&Timeline"));
    m_threads->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_threads->setAccessibleName(tr("Slack threads"));
    m_threads->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_threadsStack->addWidget(m_threadsPlaceholder);
    m_threadsStack->addWidget(m_threads);
    m_tabs->addTab(m_threadsStack, tr("Threa&ds"));
    m_tabs->addTab(activityTab, tr("&Activity"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_messageBar);
    layout->addLayout(header);
    layout->addLayout(peopleRow);
    layout->addWidget(m_body);
    layout->addWidget(m_tabs, 1);

    // Actions (the main window puts them in its menus too).
    m_sendAction = new QAction(QIcon(QStringLiteral(":/icons/send.svg")), tr("&Send reply"), this);
    m_sendAction->setShortcuts(
        {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    m_sendAction->setShortcutContext(Qt::WindowShortcut);
    m_editAction =
        new QAction(QIcon(QStringLiteral(":/icons/edit.svg")), tr("&Edit update everywhere…"), this);
    m_editAction->setShortcut(QKeySequence(Qt::Key_F2));
    m_deleteAction =
        new QAction(QIcon(QStringLiteral(":/icons/delete.svg")), tr("&Delete update everywhere…"), this);
    m_deleteAction->setShortcut(QKeySequence::Delete);
    m_deleteAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_timelineView->addAction(m_deleteAction);
    m_timelineView->addAction(m_editAction);
    m_copyLinkAction =
        new QAction(QIcon(QStringLiteral(":/icons/link.svg")), tr("&Copy link to update"), this);
    m_copyLinkAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    m_addFollowerAction =
        new QAction(QIcon(QStringLiteral(":/icons/follow.svg")), tr("Add &follower…"), this);
    m_addFollowerAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    m_attachAction = new QAction(QIcon(QStringLiteral(":/icons/attach.svg")), tr("&Attach files…"), this);
    m_attachAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    m_removeFollowerAction = new QAction(tr("&Remove follower…"), this);
    m_removeFollowerAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    for (QAction *a : {m_sendAction, m_editAction, m_copyLinkAction, m_addFollowerAction,
                       m_removeFollowerAction, m_attachAction})
        addAction(a);

    auto *followMenu = new QMenu(m_followButton);
    followMenu->addAction(m_addFollowerAction);
    followMenu->addAction(m_removeFollowerAction);
    m_followButton->setMenu(followMenu);
    m_followButton->setIcon(QIcon(QStringLiteral(":/icons/follow.svg")));

    connect(m_sendAction, &QAction::triggered, this, &RequestView::onSend);
    connect(m_sendButton, &QPushButton::clicked, this, &RequestView::onSend);
    connect(m_attachAction, &QAction::triggered, this, &RequestView::onAttachFiles);
    connect(m_attachButton, &QPushButton::clicked, this, &RequestView::onAttachFiles);
    connect(m_editAction, &QAction::triggered, this, &RequestView::onEditUpdate);
    connect(m_deleteAction, &QAction::triggered, this, &RequestView::onDeleteUpdate);
    connect(m_copyLinkAction, &QAction::triggered, this, &RequestView::onCopyLink);
    connect(m_addFollowerAction, &QAction::triggered, this, &RequestView::onAddFollower);
    connect(m_removeFollowerAction, &QAction::triggered, this, &RequestView::onRemoveFollower);
    connect(m_status, &QComboBox::activated, this, &RequestView::onStatusActivated);
    connect(m_assignee, &QComboBox::activated, this, &RequestView::onAssigneeActivated);
    connect(m_title, &QLineEdit::editingFinished, this, &RequestView::onTitleEdited);
    connect(m_composer, &QPlainTextEdit::textChanged, this, &RequestView::updateActions);
    connect(m_timelineView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &RequestView::updateActions);
    connect(m_timelineView, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        auto *menu = new QMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->addAction(m_editAction);
        menu->addAction(m_deleteAction);
        menu->addAction(m_copyLinkAction);
        addAttachmentActions(menu, m_timelineModel->updateAt(m_timelineView->indexAt(pos).row()));
        menu->popup(m_timelineView->viewport()->mapToGlobal(pos));
    });
    connect(m_session, &Session::changed, this, &RequestView::onStoreChanged);
    connect(m_session, &Session::directoryChanged, this, &RequestView::onDirectoryChanged);
    m_reloadTimer->setSingleShot(true);
    m_reloadTimer->setInterval(30);
    connect(m_reloadTimer, &QTimer::timeout, this, &RequestView::reload);

    setTabOrder(m_title, m_status);
    setTabOrder(m_status, m_assignee);
    setTabOrder(m_assignee, m_followButton);
    setTabOrder(m_followButton, m_tabs);
    setTabOrder(m_tabs, m_timelineView);
    setTabOrder(m_timelineView, m_composer);
    setTabOrder(m_composer, m_sendButton);
    setTabOrder(m_sendButton, m_attachButton);

    fillAssignees();
    clear();
}

void RequestView::setRemote(RemoteDesk *remote)
{
    m_threadsStack->setCurrentWidget(m_threads);
    // The mirror may change what the cache shows without a store event (attachment states).
    connect(remote, &RemoteDesk::requestMirrored, this, [this](qint64, qint64 localRequestId) {
        if (localRequestId == m_timeline.request.id)
            m_reloadTimer->start();
    });
    connect(remote, &RemoteDesk::threadsChanged, this, [this, remote](qint64 remoteRequestId) {
        if (remote->localRequestId(remoteRequestId) == m_timeline.request.id)
            reloadThreads();
    });
    reloadThreads();
}

void RequestView::setEngine(EngineHost *engine)
{
    m_engine = engine;
    m_threadsStack->setCurrentWidget(m_threads);
    connect(engine, &EngineHost::threadStateChanged, this, [this](qint64 requestId) {
        if (requestId == m_timeline.request.id)
            reloadThreads();
    });
    connect(engine, &EngineHost::queueStatsChanged, this, &RequestView::updateActivityState);
    connect(engine, &EngineHost::stateChanged, this, &RequestView::updateActivityState);
    connect(engine, &EngineHost::slackStateChanged, this, &RequestView::updateActivityState);
    updateActivityState();
    reloadThreads();
}

void RequestView::updateActivityState()
{
    if (!m_engine)
        return;
    const sync::QueueStats &q = m_engine->queueStats();
    m_activityState->setText(
        tr("Slack sync: %1 · Slack: %2 · fast lane %3 · maintenance lane %4 · in flight %5 · failed %6 · "
           "rate-limit waits %7. Changes to this request made in this session:")
            .arg(EngineHost::stateLabel(m_engine->state()),
                 EngineHost::slackStateLabel(m_engine->slackState()))
            .arg(q.fastPending)
            .arg(q.maintenancePending)
            .arg(q.inFlight)
            .arg(q.failed)
            .arg(q.rateLimitWaits));
}

void RequestView::reloadThreads()
{
    RemoteDesk *remote = m_session->remote();
    if ((!m_engine && !remote) || !m_timeline.request.id)
        return;
    const quint64 generation = ++m_threadsGeneration;
    if (remote) {
        const qint64 localRequest = m_timeline.request.id;
        whenFinished(this, remote->api()->threads(remote->remoteRequestId(localRequest)),
                     [this, generation, localRequest](const Result<QJsonObject> &answer) {
                         showThreads(generation, remoteThreads(localRequest, answer));
                     });
        return;
    }
    whenFinished(
        this, m_engine->requestThreads(m_timeline.request.id),
        [this, generation](const Result<sync::RequestThreads> &result) { showThreads(generation, result); });
}

Result<sync::RequestThreads> RequestView::remoteThreads(qint64 localRequest,
                                                        const Result<QJsonObject> &answer) const
{
    // The server's threads route, with its update ids turned into the cache's.
    RemoteDesk *remote = m_session->remote();
    if (!answer)
        return answer.error();
    if (!remote)
        return makeError(ErrorCode::Unavailable, tr("The server connection is closed."));
    sync::RequestThreads out;
    out.requestId = localRequest;
    const QJsonArray threads = answer->value(QStringLiteral("threads")).toArray();
    for (const QJsonValue &v : threads) {
        const QJsonObject t = v.toObject();
        sync::ThreadState state;
        state.conversationId = t.value(QStringLiteral("conversation_id")).toInteger();
        state.slackUserId = t.value(QStringLiteral("user")).toString();
        state.personName = t.value(QStringLiteral("name")).toString();
        state.channelId = t.value(QStringLiteral("channel")).toString();
        state.summaryTs = t.value(QStringLiteral("thread_ts")).toString();
        state.state = t.value(QStringLiteral("summary_state")).toString();
        state.lastError = t.value(QStringLiteral("last_error")).toString();
        const QDateTime synced =
            QDateTime::fromString(t.value(QStringLiteral("last_sync_at")).toString(), Qt::ISODateWithMs);
        state.lastSyncMs = synced.isValid() ? synced.toMSecsSinceEpoch() : 0;
        const QJsonArray updates = t.value(QStringLiteral("updates")).toArray();
        for (const QJsonValue &m : updates) {
            const QJsonObject o = m.toObject();
            state.messages.append({remote->localUpdateId(o.value(QStringLiteral("update_id")).toInteger()),
                                   o.value(QStringLiteral("ts")).toString(),
                                   o.value(QStringLiteral("state")).toString(),
                                   o.value(QStringLiteral("last_error")).toString()});
        }
        const QJsonArray files = t.value(QStringLiteral("files")).toArray();
        for (const QJsonValue &fv : files) {
            const QJsonObject f = fv.toObject();
            files::ThreadFileState file;
            file.attachmentId = f.value(QStringLiteral("attachment_id")).toInteger();
            file.updateId = remote->localUpdateId(f.value(QStringLiteral("update_id")).toInteger());
            file.name = f.value(QStringLiteral("name")).toString();
            file.state = f.value(QStringLiteral("state")).toString();
            file.ts = f.value(QStringLiteral("ts")).toString();
            file.lastError = f.value(QStringLiteral("last_error")).toString();
            state.files.append(file);
        }
        out.threads.append(state);
    }
    return out;
}

void RequestView::showThreads(quint64 generation, const Result<sync::RequestThreads> &result)
{
    if (generation != m_threadsGeneration)
        return;
    m_threads->setRowCount(0); // drops the cell widgets (Retry) with their rows
    m_threads->clear();
    if (!result) {
        m_threads->setRowCount(0);
        m_threads->setColumnCount(0);
        return;
    }
    const QList<sync::ThreadState> &threads = result->threads;
    m_threads->setColumnCount(int(threads.size()));
    m_threads->setRowCount(int(m_timeline.updates.size()) + 1);
    QStringList rows{tr("summary")};
    for (const Update &u : m_timeline.updates)
        rows << tr("%1 %2").arg(m_session->personName(u.authorId),
                                QLocale().toString(u.createdAt.toLocalTime().time(), QLocale::ShortFormat));
    m_threads->setVerticalHeaderLabels(rows);
    for (int c = 0; c < threads.size(); ++c) {
        const sync::ThreadState &t = threads.at(c);
        // The header: the follower and when their thread last took a write from the desk.
        const QDateTime syncedAt = QDateTime::fromMSecsSinceEpoch(t.lastSyncMs).toLocalTime();
        const QString synced =
            t.lastSyncMs <= 0 ? tr("not synced yet")
            : syncedAt.date() == QDate::currentDate()
                ? tr("synced %1").arg(QLocale().toString(syncedAt.time(), QLocale::ShortFormat))
                : tr("synced %1").arg(QLocale().toString(syncedAt, QLocale::ShortFormat));
        auto *header = new QTableWidgetItem(QStringLiteral("%1\n%2").arg(t.personName, synced));
        header->setData(Qt::UserRole, t.lastSyncMs);
        header->setToolTip(t.channelId.isEmpty() ? tr("No DM channel yet")
                                                 : tr("DM channel %1").arg(t.channelId));
        m_threads->setHorizontalHeaderItem(c, header);
        setThreadCell(0, c, t.state, t.lastError, t.conversationId, 0);
        for (const sync::ThreadMessageState &m : t.messages) {
            const int row = m_timelineModel->rowOf(m.updateId);
            if (row >= 0)
                setThreadCell(row + 1, c, m.state, m.lastError, 0, m.updateId);
        }
        // The files of an update: their copies in this thread, in the update's cell.
        for (const files::ThreadFileState &f : t.files) {
            const int row = m_timelineModel->rowOf(f.updateId);
            QTableWidgetItem *item = row >= 0 ? m_threads->item(row + 1, c) : nullptr;
            if (!item)
                continue;
            QStringList states = item->data(Qt::UserRole + 2).toStringList();
            states << QStringLiteral("%1: %2").arg(f.name, f.state);
            item->setData(Qt::UserRole + 2, states);
            const QString line = f.lastError.isEmpty()
                                     ? tr("%1: %2").arg(f.name, fileStateText(f.state))
                                     : tr("%1: %2 (%3)").arg(f.name, fileStateText(f.state), f.lastError);
            item->setToolTip(item->toolTip() + QLatin1Char('\n') + line);
            if (!m_threads->cellWidget(row + 1, c))
                item->setText(tr("%1 · file %2").arg(item->text(), fileStateMark(f.state)));
        }
        // The author's own thread holds no copy of their update.
        for (int u = 0; u < m_timeline.updates.size(); ++u)
            if (!m_threads->item(u + 1, c) && m_timeline.updates.at(u).authorId == t.personId)
                setThreadCell(u + 1, c, QStringLiteral("original"), {}, 0, m_timeline.updates.at(u).id);
    }
    m_threads->resizeRowsToContents();
    Q_EMIT threadsLoaded(m_timeline.request.id);
}

QString RequestView::fileStateMark(const QString &state)
{
    if (state == QLatin1String("shared"))
        return QStringLiteral("✓");
    if (state == QLatin1String("pending"))
        return QStringLiteral("⏳");
    if (state == QLatin1String("failed") || state == QLatin1String("refused"))
        return QStringLiteral("⚠");
    if (state == QLatin1String("deleted"))
        return QStringLiteral("🗑");
    if (state == QLatin1String("original"))
        return tr("author");
    return QStringLiteral("—");
}

QString RequestView::fileStateText(const QString &state)
{
    if (state == QLatin1String("shared"))
        return tr("in the thread");
    if (state == QLatin1String("pending"))
        return tr("on its way");
    if (state == QLatin1String("failed"))
        return tr("failed");
    if (state == QLatin1String("refused"))
        return tr("refused");
    if (state == QLatin1String("deleted"))
        return tr("deleted");
    if (state == QLatin1String("original"))
        return tr("the author's own file");
    return tr("not copied");
}

QStringList RequestView::threadCellFiles(int row, int column) const
{
    const QTableWidgetItem *item = m_threads->item(row, column);
    return item ? item->data(Qt::UserRole + 2).toStringList() : QStringList();
}

QString RequestView::slackErrorText(const QString &code)
{
    if (code.isEmpty())
        return tr("failed");
    static const QHash<QString, const char *> sentences = {
        {QStringLiteral("service_unavailable"), QT_TR_NOOP("Slack was unavailable")},
        {QStringLiteral("internal_error"), QT_TR_NOOP("Slack had an internal error")},
        {QStringLiteral("fatal_error"), QT_TR_NOOP("Slack had an internal error")},
        {QStringLiteral("request_timeout"), QT_TR_NOOP("Slack did not answer in time")},
        {QStringLiteral("ratelimited"), QT_TR_NOOP("Slack's rate limit")},
        {QStringLiteral("channel_not_found"), QT_TR_NOOP("the conversation no longer exists")},
        {QStringLiteral("is_archived"), QT_TR_NOOP("the conversation is archived")},
        {QStringLiteral("not_in_channel"), QT_TR_NOOP("the app is not in the conversation")},
        {QStringLiteral("user_not_found"), QT_TR_NOOP("Slack does not know this person")},
        {QStringLiteral("account_inactive"), QT_TR_NOOP("the person's account is deactivated")},
        {QStringLiteral("user_disabled"), QT_TR_NOOP("the person's account is deactivated")},
        {QStringLiteral("msg_too_long"), QT_TR_NOOP("the message is too long for Slack")},
        {QStringLiteral("message_not_found"), QT_TR_NOOP("the Slack message is gone")},
        {QStringLiteral("cant_update_message"), QT_TR_NOOP("Slack does not let the app change it")},
        {QStringLiteral("cant_delete_message"), QT_TR_NOOP("Slack does not let the app delete it")},
        {QStringLiteral("invalid_auth"), QT_TR_NOOP("Slack refused the token")},
        {QStringLiteral("token_revoked"), QT_TR_NOOP("Slack refused the token")},
    };
    // The stored reason may carry detail after the code ("service_unavailable: HTTP 503").
    const QString key = code.section(QLatin1Char(':'), 0, 0).trimmed();
    const auto it = sentences.constFind(key);
    if (it == sentences.constEnd())
        return code;
    return tr("%1 (%2)").arg(tr(it.value()), key);
}

void RequestView::setThreadCell(int row, int column, const QString &state, const QString &error,
                                qint64 conversationId, qint64 updateId)
{
    QString mark = state;
    if (state == QLatin1String("posted") || state == QLatin1String("active"))
        mark = QStringLiteral("✓");
    else if (state == QLatin1String("pending"))
        mark = QStringLiteral("⏳");
    else if (state == QLatin1String("original"))
        mark = tr("author");
    else if (state == QLatin1String("retained"))
        mark = tr("retained by author");
    else if (state == QLatin1String("deleted"))
        mark = QStringLiteral("🗑");
    else if (state == QLatin1String("closed"))
        mark = tr("closed");
    else if (state == QLatin1String("skipped"))
        mark = QStringLiteral("—");
    else if (state == QLatin1String("failed"))
        mark = QStringLiteral("⚠ ") + slackErrorText(error);
    auto *item = new QTableWidgetItem(mark);
    item->setData(Qt::UserRole, state);
    item->setData(Qt::UserRole + 1, error);
    item->setToolTip(error.isEmpty() ? state : state + QStringLiteral(": ") + error);
    m_threads->setItem(row, column, item);
    if (state != QLatin1String("failed"))
        return;
    // A failed copy shows its reason and a Retry button in the cell itself.
    auto *cell = new QWidget(m_threads);
    auto *layout = new QHBoxLayout(cell);
    layout->setContentsMargins(4, 0, 2, 0);
    auto *label = new QLabel(mark, cell);
    label->setToolTip(item->toolTip());
    auto *retry = new QPushButton(tr("Retry"), cell);
    retry->setObjectName(QStringLiteral("retryButton"));
    retry->setToolTip(updateId ? tr("Post this update again to every thread where it failed")
                               : tr("Post the summary and the updates again in this thread"));
    layout->addWidget(label, 1);
    layout->addWidget(retry);
    item->setText(QString()); // the cell widget shows it; the item keeps state and reason
    item->setData(Qt::AccessibleTextRole, mark);
    m_threads->setCellWidget(row, column, cell);
    connect(retry, &QPushButton::clicked, this, [this, retry, conversationId, updateId] {
        RemoteDesk *remote = m_session->remote();
        if (!m_engine && !remote)
            return;
        retry->setEnabled(false);
        QFuture<Result<int>> future;
        if (remote)
            future = updateId ? remote->api()->retryUpdate(remote->remoteUpdateId(updateId))
                              : remote->api()->retryConversation(conversationId);
        else
            future = updateId ? m_engine->retryUpdate(updateId) : m_engine->retryConversation(conversationId);
        whenFinished(this, future, [this](const Result<int> &result) {
            if (!result) {
                showError(tr("Nothing was retried."), result.error());
                return;
            }
            reloadThreads();
        });
    });
}

QString RequestView::threadCellState(int row, int column) const
{
    const QTableWidgetItem *item = m_threads->item(row, column);
    return item ? item->data(Qt::UserRole).toString() : QString();
}

QString RequestView::threadCellText(int row, int column) const
{
    const QTableWidgetItem *item = m_threads->item(row, column);
    if (!item)
        return {};
    return item->text().isEmpty() ? item->data(Qt::AccessibleTextRole).toString() : item->text();
}

void RequestView::clear()
{
    ++m_generation;
    m_request = {};
    m_timeline = {};
    m_timelineModel->setUpdates({});
    m_activity->clear();
    m_messageBar->hide();
    updateHeader();
    updateActions();
}

void RequestView::showRequest(qint64 requestId)
{
    if (requestId == m_request.id)
        return;
    m_messageBar->hide();
    m_activity->clear();
    clearComposer();
    m_request = {};
    m_request.id = requestId;
    reload();
}

void RequestView::reload()
{
    if (!m_request.id)
        return;
    const quint64 generation = ++m_generation;
    whenFinished(
        this, m_session->store().timeline(m_request.id),
        [this, generation](const Result<Timeline> &result) { onTimelineLoaded(generation, result); });
}

void RequestView::onTimelineLoaded(quint64 generation, const Result<Timeline> &result)
{
    if (generation != m_generation)
        return;
    if (!result) {
        showError(tr("The request could not be loaded."), result.error());
        return;
    }
    const qint64 selected = m_timelineModel->updateAt(selectedUpdateRow()).id;
    const bool wasAtEnd = m_timeline.request.id != result->request.id;
    m_timeline = *result;
    m_request = m_timeline.request;
    m_timelineModel->setUpdates(m_timeline.updates);
    const int row = m_timelineModel->rowOf(selected);
    if (row >= 0)
        m_timelineView->setCurrentIndex(m_timelineModel->index(row));
    if (wasAtEnd || row < 0)
        m_timelineView->scrollToBottom();
    updateHeader();
    updateActions();
    reloadThreads();
    Q_EMIT timelineLoaded(m_request.id);
}

void RequestView::fillAssignees()
{
    const qint64 current = m_assignee->currentData().toLongLong();
    QSignalBlocker block(m_assignee);
    m_assignee->clear();
    m_assignee->addItem(tr("Unassigned"), qint64(0));
    for (const Person &p : m_session->people())
        m_assignee->addItem(p.isAgent ? tr("%1 (agent)").arg(p.name) : p.name, p.id);
    m_assignee->setCurrentIndex(qMax(0, m_assignee->findData(current)));
}

void RequestView::onDirectoryChanged()
{
    fillAssignees();
    updateHeader();
}

void RequestView::updateHeader()
{
    const bool has = m_timeline.request.id != 0;
    for (QWidget *w : std::initializer_list<QWidget *>{m_title, m_status, m_assignee, m_followButton, m_tabs})
        w->setEnabled(has);
    if (!has) {
        m_idLabel->clear();
        m_title->clear();
        m_people->setText(tr("Select a request in the list, or create one with Ctrl+N."));
        m_followers->clear();
        m_body->clear();
        m_body->hide();
        return;
    }
    const Request &r = m_timeline.request;
    m_idLabel->setText(tr("#%1").arg(r.id));
    if (!m_title->hasFocus() || m_title->text() == r.title)
        m_title->setText(r.title);
    m_title->setCursorPosition(0);
    {
        QSignalBlocker block(m_status);
        m_status->setCurrentIndex(m_status->findData(int(r.status)));
    }
    {
        QSignalBlocker block(m_assignee);
        int index = m_assignee->findData(r.assigneeId);
        if (index < 0) {
            m_assignee->addItem(m_session->personName(r.assigneeId), r.assigneeId);
            index = m_assignee->count() - 1;
        }
        m_assignee->setCurrentIndex(index);
    }
    m_people->setText(tr("Requester: %1 · Team: %2 · Created %3")
                          .arg(m_session->personName(r.requesterId), m_session->teamName(r.teamId),
                               QLocale().toString(r.createdAt.toLocalTime(), QLocale::ShortFormat)));
    m_body->setText(r.body);
    m_body->setVisible(!r.body.isEmpty());
    QStringList names;
    for (const Follower &f : m_timeline.followers)
        names << tr("%1 (%2)").arg(m_session->personName(f.personId), reasonLabel(f.reason));
    m_followers->setText(tr("%n follower(s): %1", nullptr, int(m_timeline.followers.size()))
                             .arg(names.join(QStringLiteral(", "))));
}

int RequestView::selectedUpdateRow() const
{
    const QModelIndex current = m_timelineView->currentIndex();
    return current.isValid() ? current.row() : -1;
}

void RequestView::updateActions()
{
    const bool has = m_timeline.request.id != 0;
    const Update u = m_timelineModel->updateAt(selectedUpdateRow());
    const bool live = u.id != 0 && !u.isDeleted();
    m_sendAction->setEnabled(has && !m_sending &&
                             (!m_composer->toPlainText().trimmed().isEmpty() || !m_pendingFiles.isEmpty()));
    m_sendButton->setEnabled(m_sendAction->isEnabled());
    // Files go through the embedded desk's files store, or to the server.
    m_attachAction->setEnabled(has && !m_sending);
    m_attachButton->setEnabled(m_attachAction->isEnabled());
    m_composer->setEnabled(has && !m_sending);
    m_editAction->setEnabled(live);
    m_deleteAction->setEnabled(live);
    m_copyLinkAction->setEnabled(u.id != 0);
    m_addFollowerAction->setEnabled(has);
    m_removeFollowerAction->setEnabled(has && !m_timeline.followers.isEmpty());
}

void RequestView::setSending(bool sending)
{
    m_sending = sending;
    m_busy->setVisible(sending);
    updateActions();
}

void RequestView::showError(const QString &what, const Error &error)
{
    qCInfo(lcGui) << what << error.toString();
    m_messageBar->showMessage(what + QLatin1Char(' ') + error.message, MessageBar::Kind::Error,
                              error.toString());
}

template<typename T>
auto RequestView::reportFailure(const QString &what)
{
    return [this, what](const Result<T> &result) {
        if (!result)
            showError(what, result.error());
    };
}

void RequestView::changeRefused(const Error &error)
{
    if (error.code == ErrorCode::Conflict)
        m_messageBar->showMessage(tr("Someone else changed this request first. It was reloaded with their "
                                     "changes: check it and make your change again."),
                                  MessageBar::Kind::Warning, error.toString());
    else
        showError(tr("The change was not saved."), error);
    reload();
}

void RequestView::handleFieldResult(const Result<Request> &result)
{
    if (result) {
        m_request = *result;
        m_timeline.request = *result;
        updateHeader();
        return;
    }
    changeRefused(result.error());
}

void RequestView::sendRemoteChange(const QJsonObject &changes)
{
    RemoteDesk *remote = m_session->remote();
    const qint64 remoteId = remote->remoteRequestId(m_timeline.request.id);
    whenFinished(this, remote->api()->updateRequest(remoteId, remote->serverVersion(remoteId), changes),
                 [this, remote, remoteId](const Result<RemoteRequest> &result) {
                     remote->refresh(remoteId);
                     if (!result)
                         changeRefused(result.error());
                 });
}

void RequestView::onStatusActivated(int index)
{
    const auto status = RequestStatus(m_status->itemData(index).toInt());
    if (!m_timeline.request.id || status == m_timeline.request.status)
        return;
    if (m_session->remote()) {
        sendRemoteChange({{QStringLiteral("status"), requestStatusName(status)}});
        return;
    }
    whenFinished(this,
                 m_session->store().setStatus(m_timeline.request.id, status, m_timeline.request.version,
                                              m_session->agentId()),
                 [this](const Result<Request> &result) { handleFieldResult(result); });
}

void RequestView::onAssigneeActivated(int index)
{
    const qint64 assignee = m_assignee->itemData(index).toLongLong();
    if (!m_timeline.request.id || assignee == m_timeline.request.assigneeId)
        return;
    if (m_session->remote()) {
        const QString key = m_session->personKey(assignee);
        sendRemoteChange(
            {{QStringLiteral("assignee"), key.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(key)}});
        return;
    }
    whenFinished(this,
                 m_session->store().setAssignee(m_timeline.request.id, assignee, m_timeline.request.version,
                                                m_session->agentId()),
                 [this](const Result<Request> &result) { handleFieldResult(result); });
}

void RequestView::onTitleEdited()
{
    const QString title = m_title->text().trimmed();
    if (!m_timeline.request.id || title == m_timeline.request.title)
        return;
    if (title.isEmpty()) {
        m_title->setText(m_timeline.request.title);
        return;
    }
    if (m_session->remote()) {
        sendRemoteChange({{QStringLiteral("title"), title}});
        return;
    }
    whenFinished(this,
                 m_session->store().setTitle(m_timeline.request.id, title, m_timeline.request.version,
                                             m_session->agentId()),
                 [this](const Result<Request> &result) { handleFieldResult(result); });
}

void RequestView::onSend()
{
    QString text = m_composer->toPlainText().trimmed();
    const QStringList files = m_pendingFiles;
    if (!m_timeline.request.id || (text.isEmpty() && files.isEmpty()) || m_sending)
        return;
    if (text.isEmpty()) {
        // Files without words: the caption names them, as for a file shared in Slack without one.
        QStringList names;
        for (const QString &path : files)
            names << QFileInfo(path).fileName();
        text = QStringLiteral("[file: %1]").arg(names.join(QStringLiteral(", ")));
    }
    setSending(true);
    if (m_session->remote()) {
        postRemoteReply(text, files);
        return;
    }
    if (files.isEmpty()) {
        postReply(text, {});
        return;
    }
    // The files are checked and stored off the GUI thread, then the reply carries them.
    const qint64 requestId = m_timeline.request.id;
    whenFinished(this, storeDeskFiles(m_session->filesOptions(), files),
                 [this, text, requestId](const Result<QList<Attachment>> &stored) {
                     if (!stored) {
                         setSending(false);
                         showError(tr("The reply was not sent."), stored.error());
                         return;
                     }
                     if (requestId != m_timeline.request.id) {
                         setSending(false);
                         return;
                     }
                     postReply(text, stored.value());
                 });
}

void RequestView::postReply(const QString &text, const QList<Attachment> &attachments)
{
    NewUpdate update;
    update.requestId = m_timeline.request.id;
    update.authorId = m_session->agentId();
    update.text = text;
    update.source = UpdateSource::Desk;
    update.attachments = attachments;
    const qint64 requestId = update.requestId;
    whenFinished(this, m_session->store().postUpdate(update),
                 [this, requestId](const Result<Update> &result) {
                     if (finishSending(requestId, result))
                         Q_EMIT replySent(result->id);
                 });
}

template<typename T>
bool RequestView::finishSending(qint64 requestId, const Result<T> &result)
{
    setSending(false);
    if (!result) {
        showError(tr("The reply was not sent."), result.error());
        return false;
    }
    if (requestId == m_timeline.request.id) {
        clearComposer();
        m_composer->setFocus();
    }
    return true;
}

//! Empties the reply field and the files waiting to go with it.
void RequestView::clearComposer()
{
    m_composer->clear();
    m_pendingFiles.clear();
    m_pendingList->clear();
    m_pendingList->hide();
}

void RequestView::postRemoteReply(const QString &text, const QStringList &files)
{
    RemoteDesk *remote = m_session->remote();
    const qint64 requestId = m_timeline.request.id;
    const qint64 remoteId = remote->remoteRequestId(requestId);
    const auto posted = [this, remote, remoteId, requestId](const Result<RemoteUpdate> &result) {
        if (!finishSending(requestId, result))
            return;
        // replySent() names the cache's copy, once the mirror has it.
        const qint64 postedId = result->id;
        auto *context = new QObject(this);
        connect(remote, &RemoteDesk::requestMirrored, context, [this, remote, postedId, context](qint64) {
            if (const qint64 local = remote->localUpdateId(postedId)) {
                context->deleteLater();
                Q_EMIT replySent(local);
            }
        });
        remote->refresh(remoteId);
    };
    if (files.isEmpty()) {
        whenFinished(this, remote->api()->postUpdate(remoteId, text), posted);
        return;
    }
    // Read off the GUI thread, then sent as multipart/form-data; the server checks and stores them.
    whenFinished(this, readUploads(files, m_session->filesOptions().maxBytes),
                 [this, text, remoteId, posted](const Result<QList<RemoteUpload>> &uploads) {
                     RemoteDesk *current = m_session->remote();
                     if (!uploads || !current) {
                         setSending(false);
                         if (!uploads)
                             showError(tr("The reply was not sent."), uploads.error());
                         return;
                     }
                     whenFinished(this, current->api()->postUpdateWithFiles(remoteId, text, uploads.value()),
                                  posted);
                 });
}

void RequestView::addPendingFiles(const QStringList &paths)
{
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (m_pendingFiles.contains(info.absoluteFilePath()))
            continue;
        m_pendingFiles << info.absoluteFilePath();
        auto *item = new QListWidgetItem(QIcon(QStringLiteral(":/icons/file.svg")),
                                         tr("%1 (%2)").arg(info.fileName(), attachmentSizeText(info.size())),
                                         m_pendingList);
        item->setToolTip(QDir::toNativeSeparators(info.absoluteFilePath()));
    }
    m_pendingList->setVisible(!m_pendingFiles.isEmpty());
    updateActions();
}

void RequestView::onAttachFiles()
{
    if (!m_timeline.request.id)
        return;
    // Shown with open(): never a nested event loop.
    auto *dialog = new QFileDialog(this, tr("Attach files"));
    dialog->setObjectName(QStringLiteral("attachFilesDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFiles);
    connect(dialog, &QFileDialog::filesSelected, this, &RequestView::addPendingFiles);
    dialog->open();
}

bool RequestView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_composer->viewport()) {
        // Files dropped on the reply field are attached to the reply; other drops are text.
        const auto localFiles = [](const QMimeData *mime) {
            QStringList paths;
            if (mime && mime->hasUrls())
                for (const QUrl &url : mime->urls())
                    if (url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile())
                        paths << url.toLocalFile();
            return paths;
        };
        if (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove) {
            auto *drag = static_cast<QDragMoveEvent *>(event);
            if (!localFiles(drag->mimeData()).isEmpty() && m_attachAction->isEnabled()) {
                drag->acceptProposedAction();
                return true;
            }
        } else if (event->type() == QEvent::Drop) {
            auto *drop = static_cast<QDropEvent *>(event);
            const QStringList paths = localFiles(drop->mimeData());
            if (!paths.isEmpty() && m_attachAction->isEnabled()) {
                drop->acceptProposedAction();
                addPendingFiles(paths);
                return true;
            }
        }
    } else if (watched == m_pendingList && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        const int row = m_pendingList->currentRow();
        if ((key->key() == Qt::Key_Delete || key->key() == Qt::Key_Backspace) && row >= 0) {
            m_pendingFiles.removeAt(row);
            delete m_pendingList->takeItem(row);
            m_pendingList->setVisible(!m_pendingFiles.isEmpty());
            updateActions();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void RequestView::addAttachmentActions(QMenu *menu, const Update &update)
{
    if (update.isDeleted())
        return;
    bool first = true;
    for (const Attachment &a : update.attachments) {
        if (!m_session->canOpenAttachment(a))
            continue;
        if (first)
            menu->addSeparator();
        first = false;
        menu->addAction(tr("Open %1").arg(a.name), this, [this, a] { openAttachment(a); });
        menu->addAction(tr("Save %1 as…").arg(a.name), this, [this, a] { saveAttachment(a); });
    }
}

void RequestView::saveAttachment(const Attachment &attachment)
{
    auto *dialog = new QFileDialog(this, tr("Save attachment"));
    dialog->setObjectName(QStringLiteral("saveAttachmentDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->selectFile(attachment.name);
    connect(dialog, &QFileDialog::fileSelected, this, [this, attachment](const QString &target) {
        // Remote mode fetches the bytes from the server first (off the GUI thread, like the copy).
        whenFinished(this, m_session->attachmentFile(attachment, ApiClient::DefaultMaxContentBytes),
                     [this, target](const Result<QString> &source) {
                         if (!source) {
                             showError(tr("The attachment was not saved."), source.error());
                             return;
                         }
                         whenFinished(
                             this, exportAttachment(source.value(), target),
                             [this](const Result<QString> &saved) {
                                 if (!saved)
                                     showError(tr("The attachment was not saved."), saved.error());
                                 else
                                     m_messageBar->showMessage(
                                         tr("Saved to %1").arg(QDir::toNativeSeparators(saved.value())),
                                         MessageBar::Kind::Information);
                             });
                     });
    });
    dialog->open();
}

void RequestView::openAttachment(const Attachment &attachment)
{
    // The store keeps bytes under their hash: a copy with the file's name opens in its application.
    const QString target =
        QDir(QDir::tempPath())
            .filePath(QStringLiteral("threadline-%1/%2").arg(attachment.sha256.left(16), attachment.name));
    whenFinished(this, m_session->attachmentFile(attachment, ApiClient::DefaultMaxContentBytes),
                 [this, target](const Result<QString> &source) {
                     if (!source) {
                         showError(tr("The attachment cannot be opened."), source.error());
                         return;
                     }
                     whenFinished(this, exportAttachment(source.value(), target),
                                  [this](const Result<QString> &copied) {
                                      if (!copied)
                                          showError(tr("The attachment cannot be opened."), copied.error());
                                      else
                                          QDesktopServices::openUrl(QUrl::fromLocalFile(copied.value()));
                                  });
                 });
}

void RequestView::onEditUpdate()
{
    const Update u = m_timelineModel->updateAt(selectedUpdateRow());
    if (!u.id || u.isDeleted())
        return;
    auto *dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(QStringLiteral("editUpdateDialog"));
    dialog->setWindowTitle(tr("Edit update everywhere"));
    dialog->setLabelText(
        tr("The new text replaces the update on the desk and in every Slack thread it was posted to:"));
    dialog->setOption(QInputDialog::UsePlainTextEditForTextInput);
    dialog->setTextValue(u.text);
    const qint64 updateId = u.id;
    connect(dialog, &QInputDialog::textValueSelected, this, [this, updateId](const QString &value) {
        const QString text = value.trimmed();
        if (text.isEmpty())
            return;
        const QString failed = tr("The update was not edited.");
        if (RemoteDesk *remote = m_session->remote())
            whenFinished(this, remote->api()->editUpdate(remote->remoteUpdateId(updateId), text),
                         reportFailure<RemoteUpdate>(failed));
        else
            whenFinished(this, m_session->store().editUpdate(updateId, text, m_session->agentId()),
                         reportFailure<Update>(failed));
    });
    dialog->open();
}

void RequestView::onDeleteUpdate()
{
    const Update u = m_timelineModel->updateAt(selectedUpdateRow());
    if (!u.id || u.isDeleted())
        return;
    int threads = 0;
    for (const Follower &f : m_timeline.followers)
        if (f.personId != u.authorId)
            ++threads;
    QString text = tr("Delete this update from the desk and from %n Slack thread(s)?", nullptr, threads);
    if (u.source == UpdateSource::Slack)
        text +=
            QLatin1Char('\n') +
            tr("The author's own message in their Slack thread stays: Slack does not let the app delete it.");
    auto *box = new QMessageBox(QMessageBox::Question, tr("Delete update everywhere"), text,
                                QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("deleteUpdateBox"));
    QPushButton *confirm = box->addButton(tr("Delete everywhere"), QMessageBox::DestructiveRole);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    const qint64 updateId = u.id;
    connect(box, &QMessageBox::buttonClicked, this, [this, confirm, updateId](QAbstractButton *button) {
        if (button != confirm)
            return;
        const QString failed = tr("The update was not deleted.");
        if (RemoteDesk *remote = m_session->remote())
            whenFinished(this, remote->api()->deleteUpdate(remote->remoteUpdateId(updateId)),
                         reportFailure<void>(failed));
        else
            whenFinished(this, m_session->store().deleteUpdate(updateId, m_session->agentId()),
                         reportFailure<Update>(failed));
    });
    box->open();
}

void RequestView::onCopyLink()
{
    const Update u = m_timelineModel->updateAt(selectedUpdateRow());
    if (!u.id)
        return;
    const QString link =
        QStringLiteral("threadline://request/%1/update/%2").arg(m_timeline.request.id).arg(u.id);
    QApplication::clipboard()->setText(link);
    m_messageBar->showMessage(tr("Link copied: %1").arg(link));
}

void RequestView::onAddFollower()
{
    if (!m_timeline.request.id)
        return;
    QStringList names;
    QList<qint64> ids;
    for (const Person &p : m_session->people()) {
        bool follows = false;
        for (const Follower &f : m_timeline.followers)
            follows = follows || f.personId == p.id;
        if (!follows) {
            names << (p.email.isEmpty() ? p.name : tr("%1 <%2>").arg(p.name, p.email));
            ids << p.id;
        }
    }
    if (names.isEmpty()) {
        m_messageBar->showMessage(tr("Everybody the desk knows already follows this request."));
        return;
    }
    pickFollower(true, names, ids);
}

void RequestView::onRemoveFollower()
{
    if (!m_timeline.request.id || m_timeline.followers.isEmpty())
        return;
    QStringList names;
    QList<qint64> ids;
    for (const Follower &f : m_timeline.followers) {
        names << tr("%1 (%2)").arg(m_session->personName(f.personId), reasonLabel(f.reason));
        ids << f.personId;
    }
    pickFollower(false, names, ids);
}

void RequestView::pickFollower(bool add, const QStringList &names, const QList<qint64> &ids)
{
    auto *dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (add) {
        dialog->setObjectName(QStringLiteral("addFollowerDialog"));
        dialog->setWindowTitle(tr("Add follower"));
        dialog->setLabelText(tr("They get their own Slack thread about this request:"));
    } else {
        dialog->setObjectName(QStringLiteral("removeFollowerDialog"));
        dialog->setWindowTitle(tr("Remove follower"));
        dialog->setLabelText(tr("They get a closing note in their Slack thread:"));
    }
    dialog->setComboBoxItems(names);
    dialog->setComboBoxEditable(add);
    const qint64 requestId = m_timeline.request.id;
    connect(dialog, &QInputDialog::textValueSelected, this,
            [this, add, names, ids, requestId](const QString &value) {
                const int index = int(names.indexOf(value));
                if (index < 0)
                    return;
                const QString failed =
                    add ? tr("The follower was not added.") : tr("The follower was not removed.");
                if (RemoteDesk *remote = m_session->remote()) {
                    const qint64 remoteId = remote->remoteRequestId(requestId);
                    const QString user = m_session->personKey(ids.at(index));
                    whenFinished(this,
                                 add ? remote->api()->follow(remoteId, user)
                                     : remote->api()->unfollow(remoteId, user),
                                 [this, remote, remoteId, failed](const Result<void> &r) {
                                     if (!r)
                                         showError(failed, r.error());
                                     remote->refresh(remoteId);
                                 });
                    return;
                }
                if (add)
                    whenFinished(
                        this, m_session->store().addFollower(requestId, ids.at(index), m_session->agentId()),
                        reportFailure<Follower>(failed));
                else
                    whenFinished(
                        this,
                        m_session->store().removeFollower(requestId, ids.at(index), m_session->agentId()),
                        reportFailure<void>(failed));
            });
    dialog->open();
}

void RequestView::onStoreChanged(const StoreChange &change)
{
    if (!m_timeline.request.id || change.requestId != m_timeline.request.id)
        return;
    const QString label = changeLabel(change, m_session);
    if (!label.isEmpty())
        m_activity->insertItem(
            0, tr("%1 — %2").arg(QLocale().toString(QTime::currentTime(), QLocale::ShortFormat), label));
    m_reloadTimer->start();
}

} // namespace threadline::gui
