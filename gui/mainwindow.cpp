#include "mainwindow.h"

#include "enginehost.h"
#include "futurewatch.h"
#include "guilogging.h"
#include "messagebar.h"
#include "newrequestdialog.h"
#include "remotedesk.h"
#include "requestlistmodel.h"
#include "requestview.h"
#include "session.h"
#include "settingsdialog.h"

#include "core/version.h"
#include "sandbox/sandboxserver.h"
#include "store/asyncstore.h"
#include "store/store.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QSqlQuery>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace threadline::gui {

namespace {

constexpr int SearchDebounceMs = 250;
const auto AnyStatus = QStringLiteral("any");
const auto ActiveStatuses = QStringLiteral("active");

} // namespace

MainWindow::MainWindow(Session *session, QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_model(new RequestListModel(session, this))
    , m_list(new QTableView(this))
    , m_view(new RequestView(session, this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_banner(new QLabel(this))
    , m_messageBar(new MessageBar(this))
    , m_search(new QLineEdit(this))
    , m_statusFilter(new QComboBox(this))
    , m_teamFilter(new QComboBox(this))
    , m_assignedToMe(new QCheckBox(tr("Assigned to &me"), this))
    , m_slackStatus(new QLabel(this))
    , m_countStatus(new QLabel(this))
    , m_searchTimer(new QTimer(this))
    , m_trayTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Threadline"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/threadline.svg")));

    m_list->setModel(m_model);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setAlternatingRowColors(true);
    m_list->setShowGrid(false);
    m_list->setWordWrap(false);
    m_list->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_list->verticalHeader()->hide();
    m_list->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_list->verticalHeader()->setDefaultSectionSize(m_list->fontMetrics().height() + 8);
    m_list->horizontalHeader()->setSectionResizeMode(RequestListModel::TitleColumn, QHeaderView::Stretch);
    m_list->horizontalHeader()->setSectionResizeMode(RequestListModel::NewRepliesColumn,
                                                     QHeaderView::ResizeToContents);
    m_list->horizontalHeader()->setHighlightSections(false);
    m_list->horizontalHeader()->setSortIndicatorShown(true);
    m_list->horizontalHeader()->setSortIndicator(RequestListModel::UpdatedColumn, Qt::DescendingOrder);
    m_list->horizontalHeader()->setSectionsClickable(true);
    m_list->horizontalHeader()->setToolTip(tr("Click a column to sort by it; click again to reverse"));
    // Sorting goes to the model (it pages in the chosen order); the New column does not sort.
    connect(m_list->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this,
            [this](int column, Qt::SortOrder order) {
                if (column == RequestListModel::NewRepliesColumn) {
                    QSignalBlocker block(m_list->horizontalHeader());
                    m_list->horizontalHeader()->setSortIndicator(m_model->sortColumn(), m_model->sortOrder());
                    return;
                }
                m_model->sort(column, order);
                updateSortIndicator();
            });
    m_list->setColumnWidth(RequestListModel::IdColumn, 56);
    m_list->setColumnWidth(RequestListModel::StatusColumn, 72);
    m_list->setColumnWidth(RequestListModel::AssigneeColumn, 96);
    m_list->setColumnWidth(RequestListModel::UpdatedColumn, 104);
    m_list->setAccessibleName(tr("Requests"));

    m_banner->setText(tr("Sandbox workspace — nothing reaches real Slack"));
    m_banner->setAlignment(Qt::AlignCenter);
    m_banner->setAutoFillBackground(true);
    m_banner->setBackgroundRole(QPalette::ToolTipBase);
    m_banner->setForegroundRole(QPalette::ToolTipText);
    m_banner->setMargin(4);
    m_banner->hide();

    m_splitter->addWidget(m_list);
    m_splitter->addWidget(m_view);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);
    m_splitter->setChildrenCollapsible(false);
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(m_messageBar);
    layout->addWidget(m_splitter, 1);
    setCentralWidget(central);

    m_search->setPlaceholderText(tr("Search… (Ctrl+K)"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Search requests"));
    m_search->setMinimumWidth(220);
    m_statusFilter->setAccessibleName(tr("Status filter"));
    m_statusFilter->addItem(tr("All statuses"), AnyStatus);
    m_statusFilter->addItem(tr("Active (new, open, waiting)"), ActiveStatuses);
    for (RequestStatus s : {RequestStatus::New, RequestStatus::Open, RequestStatus::Waiting,
                            RequestStatus::Resolved, RequestStatus::Closed})
        m_statusFilter->addItem(RequestListModel::statusLabel(s), requestStatusName(s));
    m_teamFilter->setAccessibleName(tr("Team filter"));
    fillTeamFilter();

    createActions();
    createMenus();

    auto *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->setMovable(false);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_newRequestAction);
    toolbar->addWidget(m_search);
    toolbar->addWidget(m_statusFilter);
    toolbar->addWidget(m_teamFilter);
    toolbar->addWidget(m_assignedToMe);

    statusBar()->addPermanentWidget(m_countStatus);
    statusBar()->addPermanentWidget(m_slackStatus);
    updateSlackStatus();

    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(SearchDebounceMs);
    connect(m_searchTimer, &QTimer::timeout, this, &MainWindow::applyFilter);
    connect(m_search, &QLineEdit::textChanged, m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        m_searchTimer->stop();
        applyFilter();
    });
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, &MainWindow::applyFilter);
    connect(m_teamFilter, &QComboBox::currentIndexChanged, this, &MainWindow::applyFilter);
    connect(m_assignedToMe, &QCheckBox::toggled, this, &MainWindow::applyFilter);
    connect(m_assignedToMe, &QCheckBox::toggled, m_assignedAction, &QAction::setChecked);
    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::onCurrentRowChanged);
    connect(m_model, &RequestListModel::pageLoaded, this, [this](int, bool first) {
        m_countStatus->setText(m_model->atEnd() ? tr("%n request(s)", nullptr, m_model->rowCount())
                                                : tr("%n+ requests", nullptr, m_model->rowCount()));
        if (m_pendingSelection && selectRequest(m_pendingSelection))
            m_pendingSelection = 0;
        if (first) {
            if (!m_list->currentIndex().isValid() && m_model->rowCount() > 0)
                m_list->setCurrentIndex(m_model->index(0, RequestListModel::TitleColumn));
            Q_EMIT firstPageShown(m_model->rowCount());
        }
    });
    connect(m_model, &RequestListModel::loadFailed, this, [this](const Error &error) {
        m_messageBar->showMessage(tr("The requests could not be loaded: %1").arg(error.message),
                                  MessageBar::Kind::Error, error.toString());
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &, int first, int) {
        // A request created here (or arriving on top) is selected when it was just asked for.
        if (m_pendingSelection && first == 0 && selectRequest(m_pendingSelection))
            m_pendingSelection = 0;
    });
    connect(m_session, &Session::directoryChanged, this, &MainWindow::fillTeamFilter);
    connect(m_session, &Session::changed, this, &MainWindow::onStoreChanged);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        m_tray->setToolTip(tr("Threadline"));
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, &MainWindow::openNotifiedRequest);
        connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger) {
                showNormal();
                raise();
                activateWindow();
            }
        });
        m_tray->show();
    }
    m_trayTimer->setSingleShot(true);
    m_trayTimer->setInterval(500);
    connect(m_trayTimer, &QTimer::timeout, this, &MainWindow::updateTray);

    setTabOrder(m_search, m_statusFilter);
    setTabOrder(m_statusFilter, m_teamFilter);
    setTabOrder(m_teamFilter, m_assignedToMe);
    setTabOrder(m_assignedToMe, m_list);
    setTabOrder(m_list, m_view->titleEdit());

    resize(1200, 760);
    restoreLayout();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    m_newRequestAction =
        new QAction(QIcon(QStringLiteral(":/icons/new-request.svg")), tr("&New request…"), this);
    m_newRequestAction->setShortcut(QKeySequence::New);
    m_newRequestAction->setToolTip(tr("New request (Ctrl+N)"));
    connect(m_newRequestAction, &QAction::triggered, this, &MainWindow::onNewRequest);

    m_searchAction = new QAction(QIcon(QStringLiteral(":/icons/search.svg")), tr("&Search…"), this);
    m_searchAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(m_searchAction, &QAction::triggered, this, [this] {
        m_search->setFocus(Qt::ShortcutFocusReason);
        m_search->selectAll();
    });

    m_settingsAction = new QAction(QIcon(QStringLiteral(":/icons/settings.svg")), tr("Se&ttings…"), this);
    m_settingsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    m_settingsAction->setMenuRole(QAction::PreferencesRole);
    connect(m_settingsAction, &QAction::triggered, this, &MainWindow::onSettings);

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    if (m_quitAction->shortcut().isEmpty()) // platforms without a standard Quit key
        m_quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, qApp, &QApplication::closeAllWindows);

    m_nextAction = new QAction(tr("&Next request"), this);
    m_nextAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Down));
    connect(m_nextAction, &QAction::triggered, this, [this] { moveSelection(1); });
    m_previousAction = new QAction(tr("&Previous request"), this);
    m_previousAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Up));
    connect(m_previousAction, &QAction::triggered, this, [this] { moveSelection(-1); });

    m_reloadAction = new QAction(tr("Re&load"), this);
    m_reloadAction->setShortcut(QKeySequence::Refresh);
    connect(m_reloadAction, &QAction::triggered, this, [this] {
        m_model->reload();
        m_view->reload();
        m_session->reloadDirectory();
    });

    m_assignedAction = new QAction(tr("&Assigned to me"), this);
    m_assignedAction->setCheckable(true);
    m_assignedAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    connect(m_assignedAction, &QAction::toggled, m_assignedToMe, &QCheckBox::setChecked);

    m_aboutAction = new QAction(tr("About Threadline"), this);
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);

    for (QAction *a : {m_newRequestAction, m_searchAction, m_settingsAction, m_quitAction, m_nextAction,
                       m_previousAction, m_reloadAction, m_assignedAction})
        addAction(a);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_newRequestAction);
    file->addAction(m_settingsAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_searchAction);
    edit->addSeparator();
    edit->addAction(m_view->editUpdateAction());
    edit->addAction(m_view->deleteUpdateAction());
    edit->addAction(m_view->copyLinkAction());

    QMenu *request = menuBar()->addMenu(tr("&Request"));
    request->addAction(m_view->sendAction());
    request->addAction(m_view->attachAction());
    request->addAction(m_view->addFollowerAction());
    request->addAction(m_view->removeFollowerAction());
    request->addSeparator();
    request->addAction(m_nextAction);
    request->addAction(m_previousAction);
    request->addAction(m_reloadAction);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_assignedAction);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_aboutAction);
}

void MainWindow::restoreLayout()
{
    QSettings &s = m_session->settings();
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    if (!m_splitter->restoreState(s.value(QStringLiteral("window/splitter")).toByteArray()))
        m_splitter->setSizes({520, 680});
    // Column widths and the sort order of the list (the model follows the restored indicator).
    QHeaderView *header = m_list->horizontalHeader();
    if (header->restoreState(s.value(QStringLiteral("window/list")).toByteArray())) {
        header->setSectionResizeMode(RequestListModel::TitleColumn, QHeaderView::Stretch);
        header->setSortIndicatorShown(true);
        m_model->sort(header->sortIndicatorSection(), header->sortIndicatorOrder());
    }
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings &s = m_session->settings();
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    s.setValue(QStringLiteral("window/list"), m_list->horizontalHeader()->saveState());
    if (m_tray)
        m_tray->hide();
    QMainWindow::closeEvent(event);
}

void MainWindow::start()
{
    attachEngine();
    updateSlackStatus();
    fillTeamFilter();
    applyFilter();
    updateTray();
}

void MainWindow::attachEngine()
{
    EngineHost *engine = m_session->engine();
    if (RemoteDesk *remote = m_session->remote())
        m_view->setRemote(remote);
    if (!engine)
        return;
    connect(engine, &EngineHost::stateChanged, this, &MainWindow::updateSlackStatus, Qt::UniqueConnection);
    connect(engine, &EngineHost::slackStateChanged, this, &MainWindow::updateSlackStatus,
            Qt::UniqueConnection);
    connect(engine, &EngineHost::inboundStateChanged, this, &MainWindow::updateSlackStatus,
            Qt::UniqueConnection);
    connect(engine, &EngineHost::queueStatsChanged, this, &MainWindow::updateSlackStatus,
            Qt::UniqueConnection);
    m_view->setEngine(engine);
    updateSlackStatus();
}

void MainWindow::setSandboxBanner(bool on)
{
    m_banner->setVisible(on);
    updateSlackStatus();
}

void MainWindow::showMessage(const QString &text, bool warning)
{
    m_messageBar->showMessage(text, warning ? MessageBar::Kind::Warning : MessageBar::Kind::Information);
}

void MainWindow::fillTeamFilter()
{
    const QVariant current = m_teamFilter->currentData();
    QSignalBlocker block(m_teamFilter);
    m_teamFilter->clear();
    m_teamFilter->addItem(tr("All teams"), QVariant());
    m_teamFilter->addItem(tr("No team"), qint64(0));
    for (const Team &t : m_session->teams())
        m_teamFilter->addItem(t.name, t.id);
    const int index = current.isValid() ? m_teamFilter->findData(current) : 0;
    m_teamFilter->setCurrentIndex(qMax(0, index));
}

void MainWindow::applyFilter()
{
    RequestQuery q;
    const QString status = m_statusFilter->currentData().toString();
    if (status == ActiveStatuses)
        q.statuses = {RequestStatus::New, RequestStatus::Open, RequestStatus::Waiting};
    else if (status != AnyStatus)
        if (auto s = requestStatusFromName(status))
            q.statuses = {*s};
    const QVariant team = m_teamFilter->currentData();
    if (team.isValid())
        q.teamId = team.toLongLong();
    if (m_assignedToMe->isChecked())
        q.assigneeId = m_session->agentId();
    q.text = m_search->text().trimmed().left(Store::MaxSearchLength);
    // A search needs at least one letter or digit; punctuation alone searches nothing.
    if (std::none_of(q.text.begin(), q.text.end(), [](QChar c) { return c.isLetterOrNumber(); }))
        q.text.clear();
    m_view->clear();
    m_model->setQuery(q);
    updateSortIndicator();
}

void MainWindow::updateSortIndicator()
{
    // A text search lists the best matches, most recent first, whatever the column sort.
    m_list->horizontalHeader()->setSortIndicatorShown(m_model->query().text.isEmpty());
}

bool MainWindow::selectRequest(qint64 requestId)
{
    const int row = m_model->rowOf(requestId);
    if (row < 0)
        return false;
    const QModelIndex index = m_model->index(row, RequestListModel::TitleColumn);
    m_list->setCurrentIndex(index);
    m_list->scrollTo(index);
    return true;
}

void MainWindow::onCurrentRowChanged(const QModelIndex &current)
{
    if (!current.isValid()) {
        m_view->clear();
        return;
    }
    const qint64 id = current.data(RequestListModel::RequestIdRole).toLongLong();
    m_view->showRequest(id);
    m_model->markSeen(id);
}

void MainWindow::moveSelection(int delta)
{
    const int rows = m_model->rowCount();
    if (rows == 0)
        return;
    const QModelIndex current = m_list->currentIndex();
    const int row = current.isValid() ? qBound(0, current.row() + delta, rows - 1) : 0;
    if (delta > 0 && row == rows - 1 && m_model->canFetchMore({}))
        m_model->fetchMore({});
    const QModelIndex index = m_model->index(row, RequestListModel::TitleColumn);
    m_list->setCurrentIndex(index);
    m_list->scrollTo(index);
}

void MainWindow::onNewRequest()
{
    if (m_newRequestDialog) {
        m_newRequestDialog->raise();
        m_newRequestDialog->activateWindow();
        return;
    }
    m_newRequestDialog = new NewRequestDialog(m_session, this);
    m_newRequestDialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_newRequestDialog, &NewRequestDialog::submitted, this, &MainWindow::onRequestSubmitted);
    m_newRequestDialog->open();
}

void MainWindow::onRequestSubmitted(const NewRequest &request)
{
    QPointer<NewRequestDialog> dialog = m_newRequestDialog;
    if (dialog)
        dialog->setBusy(true);
    const auto refused = [dialog](const Error &error) {
        if (dialog) {
            dialog->setBusy(false);
            dialog->showError(tr("The request was not created: %1").arg(error.message));
        }
    };
    if (RemoteDesk *remote = m_session->remote()) {
        // The server creates it; the dialog closes once the mirror holds it, and it is shown.
        RemoteNewRequest input;
        input.title = request.title;
        input.body = request.body;
        input.requester = m_session->personKey(request.requesterId);
        input.assignee = m_session->personKey(request.assigneeId);
        input.team = request.teamId ? m_session->teamName(request.teamId) : QString();
        for (qint64 id : request.followerIds)
            input.followers << m_session->personKey(id);
        whenFinished(this, remote->api()->createRequest(input),
                     [this, remote, dialog, refused](const Result<RemoteRequest> &result) {
                         if (!result) {
                             refused(result.error());
                             return;
                         }
                         const qint64 remoteId = result->id;
                         auto *context = new QObject(this);
                         connect(remote, &RemoteDesk::requestMirrored, context,
                                 [this, dialog, remoteId, context](qint64 mirrored, qint64 local) {
                                     if (mirrored != remoteId)
                                         return;
                                     context->deleteLater();
                                     onRequestCreated(dialog, local);
                                 });
                         remote->refresh(remoteId);
                     });
        return;
    }
    whenFinished(this, m_session->store().createRequest(request),
                 [this, dialog, refused](const Result<Request> &result) {
                     if (!result)
                         refused(result.error());
                     else
                         onRequestCreated(dialog, result->id);
                 });
}

void MainWindow::onRequestCreated(NewRequestDialog *dialog, qint64 requestId)
{
    if (dialog)
        dialog->done(QDialog::Accepted);
    // Show it: it is the most recently updated request.
    showRequestUnfiltered(requestId);
    statusBar()->showMessage(tr("Request #%1 created").arg(requestId), 5000);
}

void MainWindow::onSettings()
{
    auto *dialog = new SettingsDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::saved, this, [this](bool restartNeeded) {
        if (restartNeeded)
            showMessage(tr("Settings saved. Restart Threadline to use the new language, mode or server."));
        else
            statusBar()->showMessage(tr("Settings saved"), 4000);
        // Slack mode with both tokens now stored: the sync engine starts.
        if (m_session->mode() == Session::Mode::Slack && !m_session->engine() && !m_session->isSandbox()) {
            if (auto started = m_session->startSlackEngine(); !started)
                showMessage(started.error().message, true);
            attachEngine();
        }
        updateSlackStatus();
    });
    dialog->open();
}

void MainWindow::updateSlackStatus()
{
    QStringList parts;
    if (sandbox::SandboxServer *sandbox = m_session->sandboxServer())
        parts << tr("Sandbox workspace at %1").arg(sandbox->baseUrl().authority());
    else if (m_session->mode() == Session::Mode::Remote)
        parts << tr("Server: %1").arg(m_session->settings().value(QStringLiteral("server/url")).toString());
    if (EngineHost *engine = m_session->engine()) {
        const sync::QueueStats &q = engine->queueStats();
        QString slack = engine->state() == sync::EngineState::Running
                            ? tr("Slack: %1").arg(EngineHost::slackStateLabel(engine->slackState()))
                            : tr("Slack sync: %1").arg(EngineHost::stateLabel(engine->state()));
        if (engine->state() == sync::EngineState::Running && engine->inboundConnected())
            slack += tr(" (Socket Mode)");
        parts << slack << tr("fast %1").arg(q.fastPending) << tr("maintenance %1").arg(q.maintenancePending);
        if (q.failed > 0)
            parts << tr("failed %1").arg(q.failed);
        m_slackStatus->setText(parts.join(QStringLiteral(" · ")));
        m_slackStatus->setToolTip(engine->stateReason());
        return;
    }
    parts << tr("Slack: not connected");
    m_slackStatus->setText(parts.join(QStringLiteral(" · ")));
    m_slackStatus->setToolTip(tr("Requests and updates stay on the desk until Slack is connected: "
                                 "add the tokens in Settings (Ctrl+,)."));
}

void MainWindow::onStoreChanged(const StoreChange &change)
{
    m_trayTimer->start();
    if (change.kind != StoreChange::Kind::UpdatePosted || change.source != UpdateSource::Slack ||
        !m_session->settings().value(QStringLiteral("notifications"), true).toBool())
        return;
    const qint64 agent = m_session->agentId();
    whenFinished(
        this,
        m_session->store().run<Request>([id = change.requestId](Store &store) { return store.request(id); }),
        [this, agent, author = change.actorId](const Result<Request> &result) {
            if (!result || result->assigneeId != agent || agent == 0)
                return;
            m_notifiedRequest = result->id;
            const QString title = tr("New Slack reply on #%1").arg(result->id);
            const QString text = tr("%1 replied on “%2”").arg(m_session->personName(author), result->title);
            Q_EMIT notified(result->id, title, text);
            if (m_tray)
                m_tray->showMessage(title, text, QSystemTrayIcon::Information);
        });
}

void MainWindow::openNotifiedRequest()
{
    showNormal();
    raise();
    activateWindow();
    if (m_notifiedRequest)
        showRequestUnfiltered(m_notifiedRequest);
}

void MainWindow::showRequestUnfiltered(qint64 requestId)
{
    if (selectRequest(requestId))
        return;
    m_pendingSelection = requestId;
    QSignalBlocker b1(m_search), b2(m_statusFilter), b3(m_teamFilter), b4(m_assignedToMe);
    m_search->clear();
    m_statusFilter->setCurrentIndex(0);
    m_teamFilter->setCurrentIndex(0);
    m_assignedToMe->setChecked(false);
    m_assignedAction->setChecked(false);
    applyFilter();
}

void MainWindow::updateTray()
{
    if (!m_tray || !m_session->agentId())
        return;
    const qint64 agent = m_session->agentId();
    whenFinished(this, m_session->store().run<int>([agent](Store &store) -> Result<int> {
        auto n = store.scalar(QStringLiteral("SELECT COUNT(*) FROM requests WHERE assignee_id = ? AND "
                                             "status IN ('new','open','waiting')"),
                              {agent});
        if (!n)
            return n.error();
        return n->has_value() ? n->value().toInt() : 0;
    }),
                 [this](const Result<int> &result) {
                     if (result && m_tray)
                         m_tray->setToolTip(tr("Threadline: %n request(s) waiting on you", nullptr, *result));
                 });
}

void MainWindow::showAbout()
{
    auto *box = new QMessageBox(
        QMessageBox::NoIcon, tr("About Threadline"),
        tr("<h3>Threadline %1</h3><p>The request desk that lives inside Slack.</p>").arg(versionString()),
        QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->setInformativeText(
        tr("Qt %1 · data folder %2")
            .arg(QString::fromLatin1(qVersion()), QDir::toNativeSeparators(m_session->dataDir())));
    box->setIconPixmap(windowIcon().pixmap(64, 64));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace threadline::gui
