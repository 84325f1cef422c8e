// Console tests: real widgets on the offscreen platform, a real SQLite store in a temporary data
// folder (through AsyncStore) and the real sandbox workspace on loopback. Nothing here may block:
// a QDialog::exec() or nested loop in the console would hang these tests.

#include "console.h"
#include "enginehost.h"
#include "mainwindow.h"
#include "messagebar.h"
#include "newrequestdialog.h"
#include "requestlistmodel.h"
#include "requestview.h"
#include "secretfile.h"
#include "session.h"
#include "settingsdialog.h"
#include "timelinemodel.h"
#include "translations.h"
#include "welcomedialog.h"

#include "sandbox/sandboxserver.h"
#include "store/store.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QCommandLinkButton>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <memory>

using namespace threadline;
using namespace threadline::gui;

namespace {

constexpr int Timeout = 10000;

QPushButton *buttonWithText(QWidget *root, const QString &text)
{
    const QList<QPushButton *> buttons = root->findChildren<QPushButton *>();
    for (QPushButton *b : buttons)
        if (b->text().remove(QLatin1Char('&')) == text && b->isVisible())
            return b;
    return nullptr;
}

template<typename T>
T *topLevel(const QString &objectName)
{
    const QList<QWidget *> widgets = QApplication::topLevelWidgets();
    for (QWidget *w : widgets)
        if (auto *t = qobject_cast<T *>(w); t && t->objectName() == objectName && t->isVisible())
            return t;
    return nullptr;
}

QStringList timelineTexts(RequestView *view)
{
    QStringList texts;
    for (int i = 0; i < view->timelineModel()->rowCount(); ++i)
        texts << view->timelineModel()->index(i).data(TimelineModel::BodyRole).toString();
    return texts;
}

//! Opens a Store on the console's database file, like a second process would.
std::unique_ptr<Store> openSideStore(const QString &dataDir)
{
    auto store = std::make_unique<Store>();
    auto opened = store->open(QStringLiteral("sqlite:") + dataDir + QStringLiteral("/threadline.db"));
    if (!opened)
        qWarning("side store: %s", qPrintable(opened.error().toString()));
    return opened ? std::move(store) : nullptr;
}

} // namespace

class TestGui : public QObject
{
    Q_OBJECT

private:
    //! A console on a fresh data folder; with sandbox, started with --sandbox and ready.
    std::unique_ptr<Console> startConsole(const QTemporaryDir &dir, bool sandbox)
    {
        ConsoleOptions options;
        options.dataDir = dir.path();
        options.sandbox = sandbox;
        auto console = std::make_unique<Console>(options);
        QSignalSpy ready(console.get(), &Console::ready);
        console->start();
        if (sandbox) {
            if (!ready.wait(Timeout))
                return nullptr;
            if (!QTest::qWaitForWindowExposed(console->mainWindow()))
                return nullptr;
            // The first request is selected and its timeline is on screen.
            RequestView *view = console->mainWindow()->requestView();
            if (!QTest::qWaitFor([view] { return view->timeline().request.id != 0; }, Timeout))
                return nullptr;
        }
        return console;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    }

    void firstRunOffersThreeChoicesAndStartsTheSandbox()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto console = startConsole(dir, false);
        QTRY_VERIFY_WITH_TIMEOUT(console->welcomeDialog() && console->welcomeDialog()->isVisible(), Timeout);
        WelcomeDialog *welcome = console->welcomeDialog();
        QVERIFY(!console->mainWindow());
        QVERIFY(welcome->sandboxButton()->isVisible());
        QVERIFY(welcome->slackButton()->isVisible());
        QVERIFY(welcome->serverButton()->isVisible());

        QSignalSpy ready(console.get(), &Console::ready);
        QTest::mouseClick(welcome->sandboxButton(), Qt::LeftButton);
        QVERIFY(ready.wait(Timeout));
        MainWindow *window = console->mainWindow();
        QVERIFY(window->isVisible());
        QVERIFY(window->sandboxBanner()->isVisible());
        QVERIFY(window->sandboxBanner()->text().contains(QStringLiteral("nothing reaches real Slack")));
        QVERIFY(console->session()->sandboxServer());
        QVERIFY(console->session()->sandboxServer()->port() > 0);
        // The demo colleagues are people of the desk, and one sample request is listed.
        QCOMPARE(window->requestModel()->rowCount(), 1);
        QTRY_VERIFY(console->session()->people().size() >= 4);
        QCOMPARE(console->session()->mode(), Session::Mode::Sandbox);
        QVERIFY(window->slackStatus()->text().contains(QStringLiteral("Sandbox workspace at 127.0.0.1:")));
    }

    void secondRunSkipsTheWelcomeAndKeepsOneSampleRequest()
    {
        QTemporaryDir dir;
        {
            auto console = startConsole(dir, true);
            QVERIFY(console);
        }
        ConsoleOptions options;
        options.dataDir = dir.path();
        Session probe(dir.path());
        QCOMPARE(probe.mode(), Session::Mode::Unset); // --sandbox alone does not choose for the next run
        probe.setMode(Session::Mode::Sandbox);
        probe.settings().sync();
        Console console(options);
        QSignalSpy ready(&console, &Console::ready);
        QSignalSpy welcome(&console, &Console::welcomeShown);
        console.start();
        QVERIFY(ready.wait(Timeout));
        QCOMPARE(welcome.count(), 0);
        QCOMPARE(console.mainWindow()->requestModel()->rowCount(), 1);
    }

    void connectToSlackStoresTokensInAPrivateFile()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, false);
        QTRY_VERIFY_WITH_TIMEOUT(console->welcomeDialog() && console->welcomeDialog()->isVisible(), Timeout);
        WelcomeDialog *welcome = console->welcomeDialog();
        QTest::mouseClick(welcome->slackButton(), Qt::LeftButton);
        QTRY_VERIFY(welcome->botTokenEdit()->isVisible());
        QCOMPARE(welcome->botTokenEdit()->echoMode(), QLineEdit::Password);
        QCOMPARE(welcome->appTokenEdit()->echoMode(), QLineEdit::Password);
        // A wrong token is refused with a sentence, and nothing is stored.
        QTest::keyClicks(welcome->botTokenEdit(), QStringLiteral("not-a-token"));
        QTest::keyClicks(welcome->appTokenEdit(), QStringLiteral("xapp-1-secret"));
        QTest::mouseClick(buttonWithText(welcome, QStringLiteral("Connect")), Qt::LeftButton);
        QVERIFY(welcome->isVisible());
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("secrets.json"))));

        welcome->botTokenEdit()->clear();
        QTest::keyClicks(welcome->botTokenEdit(), QStringLiteral("xoxb-1-secret"));
        QSignalSpy ready(console.get(), &Console::ready);
        QTest::mouseClick(buttonWithText(welcome, QStringLiteral("Connect")), Qt::LeftButton);
        QVERIFY(ready.wait(Timeout));
        QCOMPARE(console->session()->mode(), Session::Mode::Slack);
        const QString path = dir.filePath(QStringLiteral("secrets.json"));
        const QFileDevice::Permissions perms = QFile::permissions(path);
        QVERIFY(perms.testFlag(QFileDevice::ReadOwner) && perms.testFlag(QFileDevice::WriteOwner));
        QCOMPARE(perms & (QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup |
                          QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther |
                          QFileDevice::ExeOwner),
                 QFileDevice::Permissions());
        SecretFile secrets(path);
        QVERIFY(secrets.load());
        QCOMPARE(secrets.value(SecretFile::slackBotTokenKey()), QStringLiteral("xoxb-1-secret"));
        // Never in the settings file.
        QFile ini(dir.filePath(QStringLiteral("threadline.ini")));
        QVERIFY(ini.open(QIODevice::ReadOnly));
        QVERIFY(!ini.readAll().contains("secret"));
        // The window says plainly what this build does not do.
        QVERIFY(console->mainWindow()->messageBar()->isVisible());
        QVERIFY(
            console->mainWindow()->messageBar()->text().contains(QStringLiteral("Slack sync is not part")));

        // Settings: tokens masked, never shown back, and the storage warning visible.
        console->mainWindow()->settingsAction()->trigger();
        auto *settings = topLevel<SettingsDialog>(QStringLiteral("settingsDialog"));
        QVERIFY(settings);
        QCOMPARE(settings->botTokenEdit()->echoMode(), QLineEdit::Password);
        QVERIFY(settings->botTokenEdit()->text().isEmpty());
        QVERIFY(settings->tokenStorageWarning()->isVisible());
        QVERIFY(settings->tokenStorageWarning()->text().contains(QStringLiteral("0600")));
        settings->reject();
    }

    void connectToAServerSaysRemoteModeIsNotAvailable()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, false);
        QTRY_VERIFY_WITH_TIMEOUT(console->welcomeDialog() && console->welcomeDialog()->isVisible(), Timeout);
        WelcomeDialog *welcome = console->welcomeDialog();
        QTest::mouseClick(welcome->serverButton(), Qt::LeftButton);
        QTRY_VERIFY(welcome->serverUrlEdit()->isVisible());
        QTest::keyClicks(welcome->serverUrlEdit(), QStringLiteral("https://desk.example.com"));
        QTest::keyClicks(welcome->serverTokenEdit(), QStringLiteral("agent-token"));
        QSignalSpy ready(console.get(), &Console::ready);
        QTest::mouseClick(buttonWithText(welcome, QStringLiteral("Save")), Qt::LeftButton);
        QVERIFY(ready.wait(Timeout));
        QCOMPARE(console->session()->mode(), Session::Mode::Remote);
        QCOMPARE(console->session()->settings().value(QStringLiteral("server/url")).toString(),
                 QStringLiteral("https://desk.example.com"));
        QVERIFY(console->mainWindow()->messageBar()->text().contains(
            QStringLiteral("not available in this build")));
    }

    void createsARequestThroughTheDialog()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        MainWindow *window = console->mainWindow();
        QTest::keyClick(window, Qt::Key_N, Qt::ControlModifier);
        NewRequestDialog *dialog = window->newRequestDialog();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QTest::keyClicks(dialog->titleEdit(), QStringLiteral("New laptop for Bruno"));
        QTest::keyClicks(dialog->bodyEdit(), QStringLiteral("The old one does not start any more."));
        QTest::keyClicks(dialog->requesterPicker()->lineEdit(), QStringLiteral("Bruno"));
        // The completion popup offers the match; close it as the agent would with Escape.
        QTRY_VERIFY(dialog->requesterPicker()->completer()->popup()->isVisible());
        QTest::keyClick(dialog->requesterPicker()->completer()->popup(), Qt::Key_Escape);
        QTest::keyClicks(dialog->followerPicker()->lineEdit(), QStringLiteral("alice@"));
        QTRY_VERIFY(dialog->followerPicker()->completer()->popup()->isVisible());
        QTest::keyClick(dialog->followerPicker()->completer()->popup(), Qt::Key_Escape);
        QTest::mouseClick(buttonWithText(dialog, QStringLiteral("Add")), Qt::LeftButton);
        QCOMPARE(dialog->followerList()->count(), 1);
        QTest::mouseClick(buttonWithText(dialog, QStringLiteral("Create request")), Qt::LeftButton);

        QTRY_VERIFY_WITH_TIMEOUT(window->requestModel()->rowCount() == 2, Timeout);
        QTRY_VERIFY(!window->newRequestDialog());
        RequestView *view = window->requestView();
        QTRY_COMPARE(view->timeline().request.title, QStringLiteral("New laptop for Bruno"));
        const Timeline &t = view->timeline();
        QCOMPARE(t.request.body, QStringLiteral("The old one does not start any more."));
        QCOMPARE(t.request.assigneeId, console->session()->agentId()); // the agent by default
        QStringList followers;
        for (const Follower &f : t.followers)
            followers << console->session()->personName(f.personId);
        QVERIFY2(followers.contains(QStringLiteral("Alice Martin")),
                 qPrintable(followers.join(QLatin1Char(','))));
        QVERIFY(followers.contains(QStringLiteral("Bruno Keller")));
        // The new request is on top of the list and selected.
        QCOMPARE(window->requestList()->currentIndex().row(), 0);
    }

    void filtersByStatusAndText()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        MainWindow *window = console->mainWindow();
        {
            auto side = openSideStore(dir.path());
            QVERIFY(side);
            const qint64 agent = console->session()->agentId();
            for (const QString &title :
                 {QStringLiteral("Printer jammed on floor 3"),
                  QStringLiteral("Payroll question about overtime"), QStringLiteral("Printer toner empty")}) {
                auto r = side->createRequest(NewRequest{title, {}, agent, 0, 0, {}, agent});
                QVERIFY2(r.ok(), qPrintable(r.error().toString()));
                if (title.startsWith(QLatin1String("Payroll")))
                    QVERIFY(side->setStatus(r->id, RequestStatus::Closed, r->version, agent));
            }
        }
        QTest::keyClick(window, Qt::Key_F5);
        QTRY_COMPARE(window->requestModel()->rowCount(), 4);

        // Status: Closed shows the one closed request.
        window->statusFilter()->setCurrentIndex(window->statusFilter()->findText(QStringLiteral("Closed")));
        QTRY_COMPARE(window->requestModel()->rowCount(), 1);
        QCOMPARE(window->requestModel()->requestAt(0).title,
                 QStringLiteral("Payroll question about overtime"));
        window->statusFilter()->setCurrentIndex(0);
        QTRY_COMPARE(window->requestModel()->rowCount(), 4);

        // Text: typed in the search field (Ctrl+K), debounced, matched as word prefixes.
        QTest::keyClick(window, Qt::Key_K, Qt::ControlModifier);
        QVERIFY(window->searchEdit()->hasFocus());
        QTest::keyClicks(window->searchEdit(), QStringLiteral("print"));
        QTRY_COMPARE_WITH_TIMEOUT(window->requestModel()->rowCount(), 2, Timeout);
        QTest::keyClicks(window->searchEdit(), QStringLiteral("er toner"));
        QTRY_COMPARE_WITH_TIMEOUT(window->requestModel()->rowCount(), 1, Timeout);
        // Punctuation alone searches nothing rather than failing.
        window->searchEdit()->setText(QStringLiteral("\"*'"));
        QTRY_COMPARE_WITH_TIMEOUT(window->requestModel()->rowCount(), 4, Timeout);
        QVERIFY(!window->messageBar()->isVisible());

        // Assigned to me: the sample request and the three above are the agent's... except none are
        // assigned but the sample: check against the store's own answer.
        window->searchEdit()->clear();
        window->assignedToMe()->setChecked(true);
        QTRY_COMPARE_WITH_TIMEOUT(window->requestModel()->rowCount(), 1, Timeout);
        QCOMPARE(window->requestModel()->requestAt(0).assigneeId, console->session()->agentId());
    }

    void listPagesLazily()
    {
        QTemporaryDir dir;
        const int total = 5000;
        {
            auto side = openSideStore(dir.path());
            QVERIFY(side);
            auto seeded = side->transaction([&]() -> Result<void> {
                auto p = side->upsertPerson(
                    PersonInput{{}, QStringLiteral("Requester"), QStringLiteral("r@example.com")});
                if (!p)
                    return p.error();
                for (int i = 0; i < total; ++i)
                    if (auto r = side->createRequest(
                            NewRequest{QStringLiteral("Request %1").arg(i), {}, p->id, 0, 0, {}, p->id});
                        !r)
                        return r.error();
                return {};
            });
            QVERIFY2(seeded.ok(), qPrintable(seeded.error().toString()));
        }
        QElapsedTimer timer;
        timer.start();
        auto console = startConsole(dir, true);
        QVERIFY(console);
        const qint64 firstPaintMs = timer.elapsed();
        qInfo("first page of %d requests on screen after %lld ms", total, firstPaintMs);
        RequestListModel *model = console->mainWindow()->requestModel();
        // Only pages are loaded, never everything.
        QVERIFY(model->rowCount() <= 2 * RequestListModel::PageSize);
        QTRY_VERIFY(!model->isLoading());
        const int before = model->rowCount();
        QCOMPARE(before % RequestListModel::PageSize, 0);
        QVERIFY(model->canFetchMore({}));
        model->fetchMore({});
        QVERIFY(model->isLoading());
        QVERIFY(!model->canFetchMore({})); // one page at a time
        QTRY_COMPARE(model->rowCount(), before + RequestListModel::PageSize);
        // Scrolling to the end of the view pulls the next page, and only that.
        QTableView *list = console->mainWindow()->requestList();
        list->scrollToBottom();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), before + 2 * RequestListModel::PageSize, Timeout);
        QTest::qWait(200);
        QVERIFY(model->rowCount() < total);
        // Rows are distinct and in the store's order.
        QSet<qint64> ids;
        for (int i = 0; i < model->rowCount(); ++i)
            ids.insert(model->requestAt(i).id);
        QCOMPARE(ids.size(), model->rowCount());
        // Next / previous request move the selection (Ctrl+Down / Ctrl+Up).
        list->setCurrentIndex(model->index(0, 1));
        QTest::keyClick(console->mainWindow(), Qt::Key_Down, Qt::ControlModifier);
        QCOMPARE(list->currentIndex().row(), 1);
        QTest::keyClick(console->mainWindow(), Qt::Key_Up, Qt::ControlModifier);
        QCOMPARE(list->currentIndex().row(), 0);
    }

    void replyWithCtrlEnterThenEditAndDeleteEverywhere()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        RequestView *view = console->mainWindow()->requestView();
        QCOMPARE(view->timelineModel()->rowCount(), 0);

        view->composer()->setFocus();
        QTest::keyClicks(view->composer(), QStringLiteral("Can you try the new VPN profile?"));
        QTest::keyClick(view->composer(), Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(view->isSending());
        QVERIFY(!view->composer()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(timelineTexts(view),
                                  QStringList{QStringLiteral("Can you try the new VPN profile?")}, Timeout);
        QTRY_VERIFY(!view->isSending());
        QVERIFY(view->composer()->toPlainText().isEmpty());
        const QModelIndex first = view->timelineModel()->index(0);
        QVERIFY(first.data(TimelineModel::HeaderRole).toString().contains(QStringLiteral("Desk")));

        // Edit everywhere.
        view->timelineView()->setCurrentIndex(first);
        QVERIFY(view->editUpdateAction()->isEnabled());
        view->editUpdateAction()->trigger();
        auto *edit = topLevel<QInputDialog>(QStringLiteral("editUpdateDialog"));
        QVERIFY(edit);
        edit->setTextValue(QStringLiteral("Can you try the new VPN profile, version 2?"));
        edit->accept();
        QTRY_COMPARE_WITH_TIMEOUT(timelineTexts(view),
                                  QStringList{QStringLiteral("Can you try the new VPN profile, version 2?")},
                                  Timeout);
        QVERIFY(view->timelineModel()
                    ->index(0)
                    .data(TimelineModel::HeaderRole)
                    .toString()
                    .contains(QStringLiteral("edited")));

        // Delete everywhere: the confirmation counts the Slack threads (followers but the author).
        view->timelineView()->setCurrentIndex(view->timelineModel()->index(0));
        // Back in the main window (the edit dialog had the focus), the Delete key on the timeline.
        console->mainWindow()->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(console->mainWindow()));
        view->timelineView()->setFocus();
        QVERIFY(view->deleteUpdateAction()->isEnabled());
        QTest::keyClick(view->timelineView(), Qt::Key_Delete);
        auto *box = topLevel<QMessageBox>(QStringLiteral("deleteUpdateBox"));
        QVERIFY(box);
        const int threads = int(view->timeline().followers.size()) - 1;
        QVERIFY2(box->text().contains(QStringLiteral("from %1 Slack thread").arg(threads)),
                 qPrintable(box->text()));
        // Cancel first: nothing happens.
        QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        QTest::qWait(100);
        QVERIFY(!view->timelineModel()->index(0).data(TimelineModel::DeletedRole).toBool());
        view->deleteUpdateAction()->trigger();
        box = topLevel<QMessageBox>(QStringLiteral("deleteUpdateBox"));
        QVERIFY(box);
        QTest::mouseClick(buttonWithText(box, QStringLiteral("Delete everywhere")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(view->timelineModel()->index(0).data(TimelineModel::DeletedRole).toBool(),
                                 Timeout);
        QVERIFY(view->timelineModel()
                    ->index(0)
                    .data(TimelineModel::BodyRole)
                    .toString()
                    .contains(QStringLiteral("deleted by")));
        QVERIFY(!view->editUpdateAction()->isEnabled());
    }

    void replyReachesTheSandboxThreadsThroughTheSyncEngine()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        QVERIFY(console->session()->engine());
        sandbox::Workspace &ws = console->session()->sandboxServer()->workspace();
        auto textsInThreads = [&ws] {
            QStringList texts;
            const QStringList channels = ws.channelIds();
            for (const QString &channel : channels) {
                const QList<const sandbox::SandboxMessage *> tops = ws.topLevel(channel);
                for (const sandbox::SandboxMessage *top : tops)
                    for (const sandbox::SandboxMessage *reply : ws.replies(channel, top->ts))
                        if (!reply->deleted && reply->byApp &&
                            reply->text.contains(QStringLiteral("Please restart the VPN client")))
                            texts << channel;
            }
            return texts;
        };
        RequestView *view = console->mainWindow()->requestView();
        view->composer()->setFocus();
        QTest::keyClicks(view->composer(), QStringLiteral("Please restart the VPN client"));
        QTest::keyClick(view->composer(), Qt::Key_Return, Qt::ControlModifier);
        // Every follower but the poster (the agent) gets the reply in their own thread: 3 copies.
        QTRY_COMPARE_WITH_TIMEOUT(textsInThreads().size(), 3, 30000);
        const QStringList channels = textsInThreads();
        QCOMPARE(QSet<QString>(channels.begin(), channels.end()).size(), 3); // three threads, once each
    }

    void staleStatusChangeShowsTheConflictAndReloads()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        RequestView *view = console->mainWindow()->requestView();
        const Request shown = view->timeline().request;
        QCOMPARE(shown.status, RequestStatus::New);
        {
            // Another process changes the request; this console does not hear of it.
            auto side = openSideStore(dir.path());
            QVERIFY(side);
            auto changed =
                side->setStatus(shown.id, RequestStatus::Waiting, shown.version, shown.requesterId);
            QVERIFY2(changed.ok(), qPrintable(changed.error().toString()));
        }
        QVERIFY(!view->messageBar()->isVisible());
        view->statusCombo()->setFocus();
        QTest::keyClick(view->statusCombo(), Qt::Key_Down); // New → Open, with the stale version
        QTRY_VERIFY_WITH_TIMEOUT(view->messageBar()->isVisible(), Timeout);
        QCOMPARE(view->messageBar()->kind(), MessageBar::Kind::Warning);
        QVERIFY(
            view->messageBar()->text().contains(QStringLiteral("Someone else changed this request first")));
        // Reloaded: the other writer's status is shown, and the next change goes through.
        QTRY_COMPARE_WITH_TIMEOUT(view->statusCombo()->currentText(), QStringLiteral("Waiting"), Timeout);
        QTest::keyClick(view->statusCombo(), Qt::Key_Up); // Waiting → Open
        QTRY_COMPARE_WITH_TIMEOUT(view->timeline().request.status, RequestStatus::Open, Timeout);
    }

    void rememberedLayout()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        console->mainWindow()->close();
        QSettings &s = console->session()->settings();
        QVERIFY(!s.value(QStringLiteral("window/geometry")).toByteArray().isEmpty());
        QVERIFY(!s.value(QStringLiteral("window/splitter")).toByteArray().isEmpty());
    }

    void consoleNeverRunsANestedEventLoop()
    {
        // Only main() may call exec(): a dialog's exec() or a nested loop in a slot would also
        // hang the tests above.
        const QRegularExpression forbidden(QStringLiteral(
            R"(\bexec\(\s*\)|QEventLoop|processEvents|waitForFinished|waitForReadyRead|QThread::sleep)"));
        QDirIterator it(QStringLiteral(THREADLINE_SOURCE_DIR "/gui"),
                        {QStringLiteral("*.cpp"), QStringLiteral("*.h")});
        int files = 0;
        while (it.hasNext()) {
            const QString path = it.next();
            if (path.endsWith(QLatin1String("/main.cpp")))
                continue;
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QString text = QString::fromUtf8(f.readAll());
            const auto match = forbidden.match(text);
            QVERIFY2(!match.hasMatch(), qPrintable(path + QStringLiteral(": ") + match.captured()));
            ++files;
        }
        QVERIFY(files > 10);
    }

    void everyStringIsTranslated_data()
    {
        QTest::addColumn<QString>("language");
        QTest::newRow("de") << QStringLiteral("de");
        QTest::newRow("fr") << QStringLiteral("fr");
    }

    void everyStringIsTranslated()
    {
        QFETCH(QString, language);
        QFile file(QStringLiteral(THREADLINE_SOURCE_DIR "/translations/threadline_%1.ts").arg(language));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        QString context, source;
        int messages = 0;
        const QRegularExpression placeholder(QStringLiteral("%(\\d+|n)"));
        auto placeholders = [&](const QString &s) {
            QStringList list;
            for (auto it = placeholder.globalMatch(s); it.hasNext();)
                list << it.next().captured();
            list.sort();
            list.removeDuplicates();
            return list;
        };
        while (!xml.atEnd()) {
            xml.readNext();
            if (!xml.isStartElement())
                continue;
            if (xml.name() == QLatin1String("name"))
                context = xml.readElementText();
            else if (xml.name() == QLatin1String("source"))
                source = xml.readElementText();
            else if (xml.name() == QLatin1String("translation")) {
                const QString type = xml.attributes().value(QLatin1String("type")).toString();
                QVERIFY2(type.isEmpty(),
                         qPrintable(context + QStringLiteral(": ") + source + QStringLiteral(" is ") + type));
                QStringList forms;
                QString text;
                while (!(xml.isEndElement() && xml.name() == QLatin1String("translation"))) {
                    xml.readNext();
                    if (xml.isStartElement() && xml.name() == QLatin1String("numerusform"))
                        forms << xml.readElementText();
                    else if (xml.isCharacters())
                        text += xml.text();
                }
                if (forms.isEmpty())
                    forms << text;
                for (const QString &t : std::as_const(forms)) {
                    QVERIFY2(!t.trimmed().isEmpty(), qPrintable(context + QStringLiteral(": ") + source));
                    QStringList expected = placeholders(source);
                    expected.removeAll(QStringLiteral("%n")); // a numerus form may spell the number out
                    QStringList got = placeholders(t);
                    got.removeAll(QStringLiteral("%n"));
                    QVERIFY2(expected == got, qPrintable(source + QStringLiteral(" → ") + t));
                    QCOMPARE(source.count(QLatin1Char('&')) > 0, t.count(QLatin1Char('&')) > 0);
                }
                ++messages;
            }
        }
        QVERIFY(!xml.hasError());
        QVERIFY2(messages > 150, qPrintable(QString::number(messages)));
    }

    void translationsAreEmbedded_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("about");
        QTest::addColumn<QString>("banner");
        QTest::newRow("de") << QStringLiteral("de") << QStringLiteral("Über Threadline")
                            << QStringLiteral("Sandbox-Arbeitsbereich — nichts erreicht das echte Slack");
        QTest::newRow("fr") << QStringLiteral("fr") << QStringLiteral("À propos de Threadline")
                            << QStringLiteral("Espace de travail bac à sable — rien n’atteint le vrai Slack");
    }

    // Last: it installs translators for the rest of the process.
    void translationsAreEmbedded()
    {
        QFETCH(QString, language);
        QFETCH(QString, about);
        QFETCH(QString, banner);
        QCOMPARE(gui::installTranslations(qApp, language), language);
        QCOMPARE(QCoreApplication::translate("threadline::gui::MainWindow", "About Threadline"), about);
        QCOMPARE(QCoreApplication::translate("threadline::gui::MainWindow",
                                             "Sandbox workspace — nothing reaches real Slack"),
                 banner);
        QVERIFY(QCoreApplication::translate("threadline::gui::RequestView", "&Send reply") !=
                QStringLiteral("&Send reply"));
    }
};

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
