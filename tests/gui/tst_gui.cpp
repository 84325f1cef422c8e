// Console tests: real widgets on the offscreen platform, a real SQLite store in a temporary data
// folder (through AsyncStore) and the real sandbox workspace on loopback. Nothing here may block:
// a QDialog::exec() or nested loop in the console would hang these tests.

#include "attachments.h"
#include "console.h"
#include "enginehost.h"
#include "keyring.h"
#include "mainwindow.h"
#include "messagebar.h"
#include "newrequestdialog.h"
#include "remotedesk.h"
#include "requestlistmodel.h"
#include "requestview.h"
#include "secretfile.h"
#include "session.h"
#include "settingsdialog.h"
#include "timelinemodel.h"
#include "translations.h"
#include "welcomedialog.h"

#include "api/apiserver.h"
#include "core/version.h"
#include "sandbox/sandboxserver.h"
#include "store/asyncstore.h"
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
#include <QFileDialog>
#include <QFont>
#include <QHeaderView>
#include <QImage>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPalette>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <functional>
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

//! The channels whose thread holds a live copy posted by the app containing text.
QStringList channelsWithCopy(sandbox::Workspace &ws, const QString &text)
{
    QStringList found;
    const QStringList channels = ws.channelIds();
    for (const QString &channel : channels) {
        const QList<const sandbox::SandboxMessage *> tops = ws.topLevel(channel);
        for (const sandbox::SandboxMessage *top : tops)
            for (const sandbox::SandboxMessage *reply : ws.replies(channel, top->ts))
                if (!reply->deleted && reply->byApp && reply->text.contains(text))
                    found << channel;
    }
    return found;
}

//! Types a reply in the composer and sends it with Ctrl+Enter.
void sendReply(RequestView *view, const QString &text)
{
    view->composer()->setFocus();
    QTest::keyClicks(view->composer(), text);
    QTest::keyClick(view->composer(), Qt::Key_Return, Qt::ControlModifier);
}

QStringList timelineTexts(RequestView *view)
{
    QStringList texts;
    for (int i = 0; i < view->timelineModel()->rowCount(); ++i)
        texts << view->timelineModel()->index(i).data(TimelineModel::BodyRole).toString();
    return texts;
}

//! The Slack id of the sandbox user whose real name starts with `name`; empty when there is none.
QString sandboxUserId(sandbox::Workspace &ws, QLatin1String name)
{
    for (const sandbox::SandboxUser &u : ws.users())
        if (u.realName.startsWith(name))
            return u.id;
    return {};
}

//! The ts of the app's last top-level message in its DM with `user` (the request summary its thread
//! hangs from); empty until the app has written one.
QString appSummaryTs(sandbox::Workspace &ws, const QString &user)
{
    QString ts;
    for (const sandbox::SandboxMessage *m : ws.topLevel(ws.dmOf(user)))
        if (m->byApp)
            ts = m->ts;
    return ts;
}

//! The thumbnail of the first attachment of a timeline row: null until the console has made it.
QImage firstThumbnail(RequestView *view, int row)
{
    return view->timelineModel()
        ->index(row)
        .data(TimelineModel::AttachmentThumbnailsRole)
        .toList()
        .value(0)
        .value<QImage>();
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

//! Seeds the console's database before the console starts, in one transaction on a side store: a
//! requester, then what `fill` writes with them.
Result<void> seedDesk(const QString &dataDir,
                      const std::function<Result<void>(Store &, const Person &)> &fill)
{
    auto side = openSideStore(dataDir);
    if (!side)
        return makeError(ErrorCode::Internal, QStringLiteral("The side store did not open"));
    return side->transaction([&]() -> Result<void> {
        auto p =
            side->upsertPerson(PersonInput{{}, QStringLiteral("Requester"), QStringLiteral("r@example.com")});
        if (!p)
            return p.error();
        return fill(*side, p.value());
    });
}

//! The channels whose thread holds a file the app shared with this name and exactly these bytes.
QStringList channelsWithFile(sandbox::Workspace &ws, const QString &name, const QByteArray &bytes)
{
    QStringList found;
    const QStringList channels = ws.channelIds();
    for (const QString &channel : channels)
        for (const sandbox::SandboxMessage *top : ws.topLevel(channel))
            for (const sandbox::SandboxMessage *reply : ws.replies(channel, top->ts))
                if (!reply->deleted && reply->byApp)
                    for (const QString &id : reply->fileIds)
                        if (const sandbox::SandboxFile *f = ws.file(id);
                            f && f->name == name && f->data == bytes)
                            found << channel;
    return found;
}

//! A small PNG (a gradient, so it is no trivial image) written to dir/name; its bytes.
QByteArray writePng(const QTemporaryDir &dir, const QString &name, const QSize &size)
{
    QImage image(size, QImage::Format_RGB32);
    for (int y = 0; y < size.height(); ++y)
        for (int x = 0; x < size.width(); ++x)
            image.setPixel(x, y, qRgb(x * 255 / size.width(), y * 255 / size.height(), 128));
    if (!image.save(dir.filePath(name), "PNG"))
        return {};
    QFile file(dir.filePath(name));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

//! Drops local files on a widget, as a file manager would.
void dropFiles(QWidget *target, const QStringList &paths)
{
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString &p : paths)
        urls << QUrl::fromLocalFile(p);
    mime.setUrls(urls);
    const QPoint at = target->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
}

//! threadlined with its sandbox workspace, as a child process of the test, and the calls a test
//! makes to its REST API and to the sandbox's control API.
class Threadlined
{
public:
    explicit Threadlined(const QString &dataDir, const QHash<QString, QString> &extraEnv = {})
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &k : env.keys())
            if (k.startsWith(QLatin1String("THREADLINE_")))
                env.remove(k);
        env.insert(QStringLiteral("THREADLINE_DATA_DIR"), dataDir);
        env.insert(QStringLiteral("THREADLINE_API_LISTEN"), QStringLiteral("127.0.0.1:0"));
        for (auto it = extraEnv.begin(); it != extraEnv.end(); ++it)
            env.insert(it.key(), it.value());
        m_process.setProcessEnvironment(env);
        m_process.start(QStringLiteral(THREADLINE_BINARY_DIR "/engine/daemon/threadlined"),
                        {QStringLiteral("--sandbox")});
    }
    ~Threadlined()
    {
        m_process.terminate();
        (void)QTest::qWaitFor([this] { return m_process.state() == QProcess::NotRunning; }, 10000);
        if (m_process.state() != QProcess::NotRunning)
            m_process.kill();
    }

    //! Waits for "ready" and reads the printed addresses; false (with errors()) when it stopped.
    bool waitReady()
    {
        QByteArray out;
        (void)QTest::qWaitFor(
            [&] {
                out += m_process.readAllStandardOutput();
                return out.contains("ready\n") || m_process.state() == QProcess::NotRunning;
            },
            30000);
        if (!out.contains("ready\n"))
            return false;
        QHash<QByteArray, QByteArray> printed;
        for (const QByteArray &line : out.split('\n'))
            if (const qsizetype eq = line.indexOf('='); eq > 0)
                printed.insert(line.left(eq), line.mid(eq + 1));
        apiUrl = QUrl(QString::fromLatin1(printed.value("api_url")));
        sandboxUrl = QUrl(QString::fromLatin1(printed.value("sandbox_url")));
        admin = printed.value("admin_token");
        return apiUrl.port() > 0 && sandboxUrl.port() > 0 && !admin.isEmpty();
    }
    QByteArray errors() { return m_process.readAllStandardError().right(2000); }

    QJsonObject call(const QByteArray &method, const QUrl &url, const QByteArray &token,
                     const QJsonObject &body = {})
    {
        QNetworkRequest request(url);
        if (!token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + token);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        const QByteArray data =
            method == "GET" ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact);
        QNetworkReply *reply = m_nam.sendCustomRequest(request, method, data);
        (void)QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000);
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return answer;
    }
    //! An admin call to the REST API.
    QJsonObject api(const QByteArray &method, const QString &path, const QJsonObject &body = {})
    {
        return call(method, apiUrl.resolved(QUrl(path)), admin, body);
    }
    //! A call to the sandbox's control API.
    QJsonObject control(const QByteArray &method, const QString &path, const QJsonObject &body = {})
    {
        return call(method, sandboxUrl.resolved(QUrl(QStringLiteral("control/") + path)), {}, body);
    }

    //! An agent of the desk and an API token for them (empty when refused).
    QString agentToken(const QString &email, const QString &name)
    {
        api("POST", QStringLiteral("api/v1/people"),
            {{QStringLiteral("email"), email},
             {QStringLiteral("name"), name},
             {QStringLiteral("is_agent"), true}});
        return api("POST", QStringLiteral("api/v1/tokens"),
                   {{QStringLiteral("user"), email}, {QStringLiteral("name"), QStringLiteral("console")}})
            .value(QStringLiteral("token"))
            .toString();
    }
    //! The demo colleagues (Slack people who are not agents): API key → name.
    QMap<QString, QString> colleagues()
    {
        QMap<QString, QString> found;
        const QJsonArray people =
            api("GET", QStringLiteral("api/v1/people")).value(QStringLiteral("people")).toArray();
        for (const QJsonValue &p : people)
            if (p.toObject().value(QStringLiteral("slack_id")).isString() &&
                !p.toObject().value(QStringLiteral("is_agent")).toBool())
                found.insert(p.toObject().value(QStringLiteral("user")).toString(),
                             p.toObject().value(QStringLiteral("name")).toString());
        return found;
    }
    //! The Slack thread of one follower of a request (channel, thread_ts), once posted.
    QJsonObject threadOf(qint64 requestId, const QString &user)
    {
        const QJsonArray threads = api("GET", QStringLiteral("api/v1/requests/%1/threads").arg(requestId))
                                       .value(QStringLiteral("threads"))
                                       .toArray();
        for (const QJsonValue &t : threads)
            if (t.toObject().value(QStringLiteral("user")).toString() == user &&
                t.toObject().value(QStringLiteral("thread_ts")).isString())
                return t.toObject();
        return {};
    }
    //! The live texts of a Slack thread.
    QString threadTexts(const QJsonObject &thread)
    {
        QStringList texts;
        const QJsonArray messages =
            control("GET", QStringLiteral("channels/%1/messages?thread_ts=%2")
                               .arg(thread.value(QStringLiteral("channel")).toString(),
                                    thread.value(QStringLiteral("thread_ts")).toString()))
                .value(QStringLiteral("messages"))
                .toArray();
        for (const QJsonValue &m : messages)
            if (!m.toObject().value(QStringLiteral("deleted")).toBool())
                texts << m.toObject().value(QStringLiteral("text")).toString();
        return texts.join(QLatin1Char('\n'));
    }
    //! The API keys of a request's followers on the server.
    QStringList followersOf(qint64 requestId)
    {
        QStringList users;
        const QJsonArray followers = api("GET", QStringLiteral("api/v1/requests/%1").arg(requestId))
                                         .value(QStringLiteral("followers"))
                                         .toArray();
        for (const QJsonValue &f : followers)
            users << f.toObject().value(QStringLiteral("user")).toString();
        return users;
    }

    QUrl apiUrl;
    QUrl sandboxUrl;
    QByteArray admin;

private:
    QProcess m_process;
    QNetworkAccessManager m_nam;
};

} // namespace

class TestGui : public QObject
{
    Q_OBJECT

private:
    //! A console on a fresh data folder; with sandbox, started with --sandbox and ready.
    std::unique_ptr<Console> startConsole(const QTemporaryDir &dir, bool sandbox,
                                          std::function<void(sync::EngineOptions &)> tune = {})
    {
        ConsoleOptions options;
        options.dataDir = dir.path();
        options.sandbox = sandbox;
        auto console = std::make_unique<Console>(options);
        if (tune)
            console->session()->setEngineTuning(std::move(tune));
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
        // No session bus: the system keychain does not answer, and the console falls back to its
        // 0600 token file (the path these tests check). Never the user's real keychain.
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
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

    void remoteDeskMirrorsTheServerLive()
    {
        // A server (store + REST API + stream) in this process, and a console cache store.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Store server;
        QVERIFY(server.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("server.sqlite"))).ok());
        auto alice = server.upsertPerson({QStringLiteral("U0ALICE"), QStringLiteral("Alice"), {}, false});
        auto bob = server.upsertPerson({QStringLiteral("U0BOB"), QStringLiteral("Bob"), {}, true});
        QVERIFY(alice && bob);
        auto first = server.createRequest(NewRequest{
            QStringLiteral("Printer jam"), QStringLiteral("Floor 2"), alice->id, bob->id, 0, {}, 0});
        QVERIFY(first);
        auto hello =
            server.postUpdate({first->id, bob->id, QStringLiteral("On my way"), UpdateSource::Desk, {}});
        QVERIFY(hello);
        ApiOptions options;
        options.adminToken = QStringLiteral("tl_admin_remote_desk_test_token_0123456789");
        ApiServer api(&server, options);
        QVERIFY(api.listen(QHostAddress::LocalHost, 0).ok());

        AsyncStore cache;
        auto opened = cache.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("cache.sqlite")));
        QTRY_VERIFY_WITH_TIMEOUT(opened.isFinished(), Timeout);
        QVERIFY(opened.result().ok());
        RemoteDesk desk(&cache, api.baseUrl(), options.adminToken);
        QSignalSpy synced(&desk, &RemoteDesk::synced);
        QSignalSpy failed(&desk, &RemoteDesk::failed);
        desk.start();
        QVERIFY(synced.wait(Timeout));
        QCOMPARE(failed.count(), 0);
        const qint64 local = desk.localRequestId(first->id);
        QVERIFY(local > 0);
        const auto timelineOf = [&cache](qint64 id) {
            auto f = cache.timeline(id);
            (void)QTest::qWaitFor([&] { return f.isFinished(); }, Timeout);
            return f.result();
        };
        auto t = timelineOf(local);
        QVERIFY(t.ok());
        QCOMPARE(t->request.title, QStringLiteral("Printer jam"));
        QCOMPARE(t->updates.size(), 1);
        QCOMPARE(t->updates.at(0).text, QStringLiteral("On my way"));
        QCOMPARE(desk.remoteUpdateId(t->updates.at(0).id), hello->id);

        // A Slack reply on the server shows up in the cache through the stream, and a new request too.
        QTRY_VERIFY_WITH_TIMEOUT(api.streamClientCount() == 1, Timeout);
        auto reply =
            server.postUpdate({first->id, alice->id, QStringLiteral("Thanks!"), UpdateSource::Slack, {}});
        QVERIFY(reply);
        QTRY_VERIFY_WITH_TIMEOUT(desk.localUpdateId(reply->id) > 0, Timeout);
        t = timelineOf(local);
        QCOMPARE(t->updates.size(), 2);
        QCOMPARE(t->updates.at(1).source, UpdateSource::Slack);
        auto second = server.createRequest(
            NewRequest{QStringLiteral("VPN; DROP TABLE requests"), {}, alice->id, 0, 0, {}, 0});
        QVERIFY(second);
        QTRY_VERIFY_WITH_TIMEOUT(desk.localRequestId(second->id) > 0, Timeout);
        QCOMPARE(timelineOf(desk.localRequestId(second->id))->request.title,
                 QStringLiteral("VPN; DROP TABLE requests"));

        // An edit and a delete through the API reach the cache as well.
        auto edited = desk.api()->editUpdate(hello->id, QStringLiteral("Here now"));
        QTRY_VERIFY_WITH_TIMEOUT(edited.isFinished(), Timeout);
        QVERIFY(edited.result().ok());
        QTRY_VERIFY_WITH_TIMEOUT(timelineOf(local)->updates.at(0).text == QStringLiteral("Here now"),
                                 Timeout);
        auto deleted = desk.api()->deleteUpdate(reply->id);
        QTRY_VERIFY_WITH_TIMEOUT(deleted.isFinished(), Timeout);
        QVERIFY(deleted.result().ok());
        QTRY_VERIFY_WITH_TIMEOUT(timelineOf(local)->updates.at(1).isDeleted(), Timeout);
        QCOMPARE(failed.count(), 0);

        // A refused token is reported, never retried in a loop.
        AsyncStore other;
        auto otherOpened =
            other.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("other.sqlite")));
        QTRY_VERIFY_WITH_TIMEOUT(otherOpened.isFinished(), Timeout);
        RemoteDesk refused(&other, api.baseUrl(), QStringLiteral("tl_not_a_token"));
        QSignalSpy refusal(&refused, &RemoteDesk::failed);
        refused.start();
        QVERIFY(refusal.wait(Timeout));
        QCOMPARE(refusal.first().at(0).value<Error>().code, ErrorCode::Unauthorized);
        QVERIFY(!refused.isSynced());
    }

    void remoteModeAgainstThreadlined()
    {
        // threadlined with its sandbox workspace, as a process; the console connects to it. Two
        // attempts per Slack job, so a copy that Slack refuses fails for good within the test.
        QTemporaryDir serverData, consoleData;
        QVERIFY(serverData.isValid() && consoleData.isValid());
        Threadlined server(serverData.path(),
                           {{QStringLiteral("THREADLINE_SYNC_MAX_ATTEMPTS"), QStringLiteral("2")}});
        QVERIFY2(server.waitReady(), server.errors().constData());
        const QString agentToken =
            server.agentToken(QStringLiteral("agent@example.com"), QStringLiteral("Remote Agent"));
        QVERIFY2(!agentToken.isEmpty(), server.errors().constData());
        const QMap<QString, QString> colleagues = server.colleagues();
        QCOMPARE(colleagues.size(), 3);
        const QString colleague = colleagues.firstKey();
        const QString other = colleagues.lastKey();
        const QJsonObject created =
            server.api("POST", QStringLiteral("api/v1/requests"),
                       {{QStringLiteral("title"), QStringLiteral("Remote: badge broken")},
                        {QStringLiteral("requester"), colleague}});
        const qint64 remoteId = created.value(QStringLiteral("id")).toInteger();
        QVERIFY(remoteId > 0);
        // The colleague's thread exists once the summary is posted.
        QJsonObject thread;
        QTRY_VERIFY_WITH_TIMEOUT(!(thread = server.threadOf(remoteId, colleague)).isEmpty(), Timeout);

        // The console: remote settings and the agent token, then a start in remote mode.
        {
            Session setup(consoleData.path());
            setup.settings().setValue(QStringLiteral("server/url"), server.apiUrl.toString());
            setup.setMode(Session::Mode::Remote);
            QSignalSpy opened(&setup, &Session::opened);
            setup.open();
            QVERIFY(opened.wait(Timeout));
            QVERIFY(setup.secrets().setValue(SecretFile::serverTokenKey(), agentToken));
        }
        ConsoleOptions options;
        options.dataDir = consoleData.path();
        Console console(options);
        QSignalSpy ready(&console, &Console::ready);
        console.start();
        QVERIFY(ready.wait(Timeout));
        QVERIFY(console.session()->remote());
        MainWindow *window = console.mainWindow();
        QTRY_COMPARE_WITH_TIMEOUT(window->requestModel()->rowCount(), 1, Timeout);
        const qint64 local = console.session()->remote()->localRequestId(remoteId);
        QVERIFY(window->selectRequest(local));
        RequestView *view = window->requestView();
        QTRY_COMPARE_WITH_TIMEOUT(view->timeline().request.id, local, Timeout);
        QCOMPARE(view->timeline().request.title, QStringLiteral("Remote: badge broken"));

        // Reply → the colleague's Slack thread receives it.
        QSignalSpy sent(view, &RequestView::replySent);
        view->composer()->setPlainText(QStringLiteral("A new badge is on its way"));
        QTest::keyClick(view->composer(), Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(sent.wait(Timeout));
        QTRY_VERIFY_WITH_TIMEOUT(
            server.threadTexts(thread).contains(QStringLiteral("A new badge is on its way")), Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(view->timelineModel()->rowCount(), 1, Timeout);
        // The thread matrix, from the server: the colleague's copy of the reply is posted.
        view->tabs()->setCurrentIndex(1);
        QTRY_VERIFY_WITH_TIMEOUT(view->threadsTable()->columnCount() >= 1 &&
                                     view->threadCellState(1, 0) == QStringLiteral("posted"),
                                 Timeout);

        // A Slack reply in the thread shows up live in the timeline.
        server.control("POST", QStringLiteral("users/%1/messages").arg(colleague),
                       {{QStringLiteral("text"), QStringLiteral("Thank you, from Slack")},
                        {QStringLiteral("thread_ts"), thread.value(QStringLiteral("thread_ts")).toString()}});
        QTRY_COMPARE_WITH_TIMEOUT(view->timelineModel()->rowCount(), 2, Timeout);
        QCOMPARE(view->timelineModel()->updateAt(1).text, QStringLiteral("Thank you, from Slack"));
        QCOMPARE(view->timelineModel()->updateAt(1).source, UpdateSource::Slack);

        // A sandbox fault: Slack answers 503 to everything, the reply's copy fails on the server
        // and the matrix shows it with the reason; Slack is back, Retry in the cell posts it.
        server.control("POST", QStringLiteral("faults"), {{QStringLiteral("server_error_rate"), 1.0}});
        const QString faulty = QStringLiteral("Please bring your old badge");
        view->composer()->setPlainText(faulty);
        QTest::keyClick(view->composer(), Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(sent.wait(Timeout));
        QTRY_COMPARE_WITH_TIMEOUT(view->timelineModel()->rowCount(), 3, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(view->threadCellState(3, 0), QStringLiteral("failed"), 30000);
        QVERIFY2(view->threadCellText(3, 0).contains(QStringLiteral("Slack is unavailable")),
                 qPrintable(view->threadCellText(3, 0)));
        QVERIFY(!server.threadTexts(thread).contains(faulty));
        server.control("POST", QStringLiteral("faults"), {{QStringLiteral("server_error_rate"), 0.0}});
        QWidget *cell = view->threadsTable()->cellWidget(3, 0);
        QVERIFY(cell);
        auto *retry = cell->findChild<QPushButton *>(QStringLiteral("retryButton"));
        QVERIFY(retry && retry->isVisible());
        QTest::mouseClick(retry, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(server.threadTexts(thread).contains(faulty), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(view->threadCellState(3, 0), QStringLiteral("posted"), 30000);
        view->tabs()->setCurrentIndex(0);

        // Delete everywhere → gone from the desk and from the Slack thread.
        view->timelineView()->setCurrentIndex(view->timelineModel()->index(0));
        view->deleteUpdateAction()->trigger();
        auto *box = topLevel<QMessageBox>(QStringLiteral("deleteUpdateBox"));
        QVERIFY(box);
        QTest::mouseClick(buttonWithText(box, QStringLiteral("Delete everywhere")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(view->timelineModel()->index(0).data(TimelineModel::DeletedRole).toBool(),
                                 Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(
            !server.threadTexts(thread).contains(QStringLiteral("A new badge is on its way")), Timeout);
        QVERIFY(server.api("GET", QStringLiteral("api/v1/requests/%1").arg(remoteId))
                    .value(QStringLiteral("updates"))
                    .toArray()
                    .at(0)
                    .toObject()
                    .value(QStringLiteral("deleted"))
                    .toBool());

        // Add a follower through the server: they follow there, and get their own Slack thread.
        QVERIFY(!server.followersOf(remoteId).contains(other));
        view->addFollowerAction()->trigger();
        auto *add = topLevel<QInputDialog>(QStringLiteral("addFollowerDialog"));
        QVERIFY(add);
        const QStringList offered = add->comboBoxItems();
        const auto offeredOther = std::find_if(offered.cbegin(), offered.cend(), [&](const QString &item) {
            return item.startsWith(colleagues.value(other));
        });
        QVERIFY2(offeredOther != offered.cend(), qPrintable(offered.join(QLatin1Char(','))));
        add->setTextValue(*offeredOther);
        add->accept();
        QTRY_VERIFY_WITH_TIMEOUT(server.followersOf(remoteId).contains(other), Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(!server.threadOf(remoteId, other).isEmpty(), 30000);
        const qint64 otherLocal = [&] {
            for (const Person &p : console.session()->people())
                if (console.session()->personKey(p.id) == other)
                    return p.id;
            return qint64(0);
        }();
        QVERIFY(otherLocal > 0);
        const auto viewFollows = [view](qint64 person) {
            for (const Follower &f : view->timeline().followers)
                if (f.personId == person)
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(viewFollows(otherLocal), Timeout);

        // …and remove them again.
        view->removeFollowerAction()->trigger();
        auto *remove = topLevel<QInputDialog>(QStringLiteral("removeFollowerDialog"));
        QVERIFY(remove);
        const QStringList listed = remove->comboBoxItems();
        const auto listedOther = std::find_if(listed.cbegin(), listed.cend(), [&](const QString &item) {
            return item.startsWith(colleagues.value(other));
        });
        QVERIFY(listedOther != listed.cend());
        remove->setTextValue(*listedOther);
        remove->accept();
        QTRY_VERIFY_WITH_TIMEOUT(!server.followersOf(remoteId).contains(other), Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(!viewFollows(otherLocal), Timeout);

        // A file attached in remote mode goes to the server as multipart and into the Slack thread.
        QTemporaryDir files;
        const QByteArray png = writePng(files, QStringLiteral("badge.png"), QSize(64, 48));
        QVERIFY(!png.isEmpty());
        dropFiles(view->composer()->viewport(), {files.filePath(QStringLiteral("badge.png"))});
        QCOMPARE(view->pendingFiles().size(), 1);
        view->composer()->setPlainText(QStringLiteral("The old badge, for reference"));
        view->sendAction()->trigger();
        QVERIFY2(sent.wait(Timeout), qPrintable(view->messageBar()->text()));
        const QJsonArray serverUpdates = server.api("GET", QStringLiteral("api/v1/requests/%1").arg(remoteId))
                                             .value(QStringLiteral("updates"))
                                             .toArray();
        const QJsonArray attached =
            serverUpdates.last().toObject().value(QStringLiteral("attachments")).toArray();
        QCOMPARE(attached.size(), 1);
        QCOMPARE(attached.at(0).toObject().value(QStringLiteral("name")).toString(),
                 QStringLiteral("badge.png"));
        QCOMPARE(attached.at(0).toObject().value(QStringLiteral("size")).toInteger(), png.size());
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const QJsonArray messages =
                    server
                        .control("GET", QStringLiteral("channels/%1/messages?thread_ts=%2")
                                            .arg(thread.value(QStringLiteral("channel")).toString(),
                                                 thread.value(QStringLiteral("thread_ts")).toString()))
                        .value(QStringLiteral("messages"))
                        .toArray();
                for (const QJsonValue &m : messages)
                    if (m.toObject().value(QStringLiteral("by_app")).toBool() &&
                        !m.toObject().value(QStringLiteral("files")).toArray().isEmpty())
                        return true;
                return false;
            }(),
            30000);
        // The cache shows the attachment by name (its bytes stay on the server). Found by its text:
        // a colleague's reply from Slack can already be listed after it.
        const auto badgeRowNow = [view] {
            return int(timelineTexts(view).indexOf(QStringLiteral("The old badge, for reference")));
        };
        QTRY_VERIFY_WITH_TIMEOUT(badgeRowNow() >= 0 && view->timelineModel()
                                                           ->index(badgeRowNow())
                                                           .data(TimelineModel::AttachmentLabelsRole)
                                                           .toStringList()
                                                           .value(0)
                                                           .startsWith(QStringLiteral("badge.png · ")),
                                 Timeout);
        // Its thumbnail: the bytes fetched from the server (GET …/attachments/{id}/content) on a
        // worker thread, checked against their hash, and scaled by the same code as in embedded mode.
        const int badgeRow = badgeRowNow();
        QImage badge;
        QTRY_VERIFY_WITH_TIMEOUT(!(badge = firstThumbnail(view, badgeRow)).isNull(), Timeout);
        QCOMPARE(badge.size(), QSize(64, 48)); // smaller than the thumbnail bound: as it is
        QCOMPARE(badge.pixelColor(63, 0).red(), 63 * 255 / 64);
        QCOMPARE(badge.pixelColor(0, 47).green(), 47 * 255 / 48);
        QCOMPARE(badge.pixelColor(10, 10).blue(), 128);
        // Open / Save as… reach the same bytes: the fetched copy is the server's file, byte for byte.
        const Attachment badgeFile = view->timelineModel()->updateAt(badgeRow).attachments.value(0);
        QVERIFY(console.session()->canOpenAttachment(badgeFile));
        const QString fetched = console.session()->attachmentPath(badgeFile);
        QVERIFY(!fetched.isEmpty());
        QFile fetchedFile(fetched);
        QVERIFY(fetchedFile.open(QIODevice::ReadOnly));
        QVERIFY(fetchedFile.readAll() == png);
        auto *saveDialogHost = new QMenu(view);
        view->addAttachmentActions(saveDialogHost, view->timelineModel()->updateAt(badgeRow));
        QStringList actionTexts;
        for (QAction *action : saveDialogHost->actions())
            actionTexts << action->text();
        QVERIFY2(actionTexts.contains(QStringLiteral("Open badge.png")) &&
                     actionTexts.contains(QStringLiteral("Save badge.png as…")),
                 qPrintable(actionTexts.join(QLatin1Char('|'))));
        for (QAction *action : saveDialogHost->actions())
            if (action->text() == QStringLiteral("Save badge.png as…"))
                action->trigger();
        delete saveDialogHost;
        auto *saveDialog = topLevel<QFileDialog>(QStringLiteral("saveAttachmentDialog"));
        QVERIFY(saveDialog);
        QTemporaryDir savedDir;
        saveDialog->setDirectory(savedDir.path());
        saveDialog->selectFile(savedDir.filePath(QStringLiteral("saved badge.png")));
        static_cast<QDialog *>(saveDialog)->accept(); // what the Save button does
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QFile saved(savedDir.filePath(QStringLiteral("saved badge.png")));
                return saved.open(QIODevice::ReadOnly) && saved.readAll() == png;
            }(),
            Timeout);

        // A status change goes to the server with the request's version.
        const int resolved = view->statusCombo()->findData(int(RequestStatus::Resolved));
        QVERIFY(resolved >= 0);
        view->statusCombo()->setCurrentIndex(resolved);
        Q_EMIT view->statusCombo()->activated(resolved);
        QTRY_COMPARE_WITH_TIMEOUT(server.api("GET", QStringLiteral("api/v1/requests/%1").arg(remoteId))
                                      .value(QStringLiteral("status"))
                                      .toString(),
                                  QStringLiteral("resolved"), Timeout);

        // A new request through the dialog is created on the server, with its follower's thread.
        window->newRequestAction()->trigger();
        NewRequestDialog *dialog = window->newRequestDialog();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QTest::keyClicks(dialog->titleEdit(), QStringLiteral("Remote: new monitor"));
        dialog->requesterPicker()->setCurrentIndex(
            dialog->requesterPicker()->findText(colleagues.value(other), Qt::MatchStartsWith));
        QVERIFY(dialog->requesterPicker()->currentIndex() >= 0);
        QTest::mouseClick(buttonWithText(dialog, QStringLiteral("Create request")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(window->requestModel()->rowCount(), 2, Timeout);
        QTRY_VERIFY(!window->newRequestDialog());
        QTRY_COMPARE_WITH_TIMEOUT(view->timeline().request.title, QStringLiteral("Remote: new monitor"),
                                  Timeout);
        const qint64 newRemote = console.session()->remote()->remoteRequestId(view->timeline().request.id);
        QVERIFY(newRemote > 0 && newRemote != remoteId);
        const QJsonObject onServer = server.api("GET", QStringLiteral("api/v1/requests/%1").arg(newRemote));
        QCOMPARE(onServer.value(QStringLiteral("title")).toString(), QStringLiteral("Remote: new monitor"));
        QCOMPARE(onServer.value(QStringLiteral("requester")).toString(), other);
        QCOMPARE(onServer.value(QStringLiteral("assignee")).toString(), QStringLiteral("agent@example.com"));
        QTRY_VERIFY_WITH_TIMEOUT(!server.threadOf(newRemote, other).isEmpty(), 30000);
    }

    void connectToAServerFromTheWelcomeDialog()
    {
        // A server with one request; the console starts on a fresh data folder and connects from
        // the welcome dialog: first with a wrong token (the dialog says so and stays), then the
        // right one, and the server's desk opens without a restart.
        QTemporaryDir serverData, consoleData;
        QVERIFY(serverData.isValid() && consoleData.isValid());
        Threadlined server(serverData.path());
        QVERIFY2(server.waitReady(), server.errors().constData());
        const QString agentToken =
            server.agentToken(QStringLiteral("first@example.com"), QStringLiteral("First Agent"));
        QVERIFY(!agentToken.isEmpty());
        const QJsonObject created =
            server.api("POST", QStringLiteral("api/v1/requests"),
                       {{QStringLiteral("title"), QStringLiteral("Server: printer")},
                        {QStringLiteral("requester"), server.colleagues().firstKey()}});
        QVERIFY(created.value(QStringLiteral("id")).toInteger() > 0);

        auto console = startConsole(consoleData, false);
        QTRY_VERIFY_WITH_TIMEOUT(console->welcomeDialog() && console->welcomeDialog()->isVisible(), Timeout);
        WelcomeDialog *welcome = console->welcomeDialog();
        QTest::mouseClick(welcome->serverButton(), Qt::LeftButton);
        QTRY_VERIFY(welcome->serverUrlEdit()->isVisible());
        QTest::keyClicks(welcome->serverUrlEdit(), server.apiUrl.toString());
        const QString wrong = QStringLiteral("tl_wrong_token_0123456789abcdef");
        QTest::keyClicks(welcome->serverTokenEdit(), wrong);
        QSignalSpy failed(console.get(), &Console::failed);
        QTest::mouseClick(buttonWithText(welcome, QStringLiteral("Connect")), Qt::LeftButton);
        QVERIFY(failed.wait(Timeout));
        QCOMPARE(failed.first().at(0).value<Error>().code, ErrorCode::Unauthorized);
        QVERIFY(welcome->isVisible());
        QVERIFY(!console->mainWindow());
        QVERIFY(welcome->serverTokenEdit()->text().isEmpty()); // never kept on screen
        bool said = false;
        for (QLabel *label : welcome->findChildren<QLabel *>()) {
            QVERIFY(!label->text().contains(wrong));
            said = said ||
                   (label->isVisible() && label->text().contains(QStringLiteral("refused the agent token")));
        }
        QVERIFY(said);
        QVERIFY(console->session()->mode() != Session::Mode::Remote);

        QTest::keyClicks(welcome->serverTokenEdit(), agentToken);
        QSignalSpy ready(console.get(), &Console::ready);
        QTest::mouseClick(buttonWithText(welcome, QStringLiteral("Connect")), Qt::LeftButton);
        QVERIFY(ready.wait(Timeout));
        QCOMPARE(console->session()->mode(), Session::Mode::Remote);
        QVERIFY(console->session()->remote());
        QCOMPARE(console->session()->settings().value(QStringLiteral("server/url")).toString(),
                 server.apiUrl.toString());
        MainWindow *window = console->mainWindow();
        QVERIFY(window->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(window->requestModel()->rowCount(), 1, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(
            window->requestView()->timeline().request.title == QStringLiteral("Server: printer"), Timeout);
        QVERIFY(window->messageBar()->text().isEmpty() ||
                !window->messageBar()->text().contains(QStringLiteral("restart")));
        QVERIFY(window->slackStatus()->text().contains(server.apiUrl.authority()));
        // The token: in the 0600 secrets file (no keychain in tests), never in the settings file.
        console->session()->settings().sync();
        QFile ini(consoleData.filePath(QStringLiteral("threadline.ini")));
        QVERIFY(ini.open(QIODevice::ReadOnly));
        QVERIFY(!ini.readAll().contains(agentToken.toUtf8()));
        QFile secrets(consoleData.filePath(QStringLiteral("secrets.json")));
        QVERIFY(secrets.open(QIODevice::ReadOnly));
        QVERIFY(secrets.readAll().contains(agentToken.toUtf8()));
        QCOMPARE(secrets.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
        // The local desk is untouched: the server's requests live in the remote cache.
        auto side = openSideStore(consoleData.path());
        QVERIFY(side);
        auto page = side->listRequests(RequestQuery{});
        QVERIFY(page.ok());
        for (const Request &r : page->requests)
            QVERIFY(r.title != QStringLiteral("Server: printer"));
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
        // The sync engine starts with these tokens (Slack refuses them: the window says so).
        QVERIFY(console->session()->engine());
        QVERIFY(!console->mainWindow()->messageBar()->text().contains(QStringLiteral("not part")));

        // Settings: tokens masked, never shown back, and the storage warning visible.
        console->mainWindow()->settingsAction()->trigger();
        auto *settings = topLevel<SettingsDialog>(QStringLiteral("settingsDialog"));
        QVERIFY(settings);
        QCOMPARE(settings->botTokenEdit()->echoMode(), QLineEdit::Password);
        QVERIFY(settings->botTokenEdit()->text().isEmpty());
        QVERIFY(settings->tokenStorageWarning()->isVisible());
        QVERIFY(settings->tokenStorageWarning()->text().contains(QStringLiteral("0600")));
        QVERIFY(settings->tokenStorageWarning()->text().contains(QStringLiteral("keychain")));
        QVERIFY(!settings->tokenStorageWarning()->text().contains(QStringLiteral("xoxb-1-secret")));
        settings->reject();
    }

    void connectToSlackStartsTheSyncEngineWithTheTokens()
    {
        // "Slack" here is a sandbox workspace the test starts, named by the slack/api_url setting.
        sandbox::SandboxServer slack;
        QVERIFY(slack.listen(QHostAddress::LocalHost, 0));
        QTemporaryDir dir;
        {
            QSettings ini(dir.filePath(QStringLiteral("threadline.ini")), QSettings::IniFormat);
            ini.setValue(QStringLiteral("slack/api_url"), slack.apiUrl().toString());
        }
        auto console = startConsole(dir, false);
        QTRY_VERIFY_WITH_TIMEOUT(console->welcomeDialog() && console->welcomeDialog()->isVisible(), Timeout);
        WelcomeDialog *welcome = console->welcomeDialog();
        QTest::mouseClick(welcome->slackButton(), Qt::LeftButton);
        QTRY_VERIFY(welcome->botTokenEdit()->isVisible());
        QTest::keyClicks(welcome->botTokenEdit(), slack.workspace().options().botToken);
        QTest::keyClicks(welcome->appTokenEdit(), slack.workspace().options().appToken);
        QSignalSpy ready(console.get(), &Console::ready);
        QTest::mouseClick(buttonWithText(welcome, QStringLiteral("Connect")), Qt::LeftButton);
        QVERIFY(ready.wait(Timeout));
        EngineHost *engine = console->session()->engine();
        QVERIFY(engine);
        QTRY_COMPARE_WITH_TIMEOUT(engine->state(), sync::EngineState::Running, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(engine->slackState(), slack::SlackConnectionState::State::Connected, 30000);
        QVERIFY(slack.workspace().callCount(QStringLiteral("auth.test"), QStringLiteral("ok")) >= 1);
        QTRY_VERIFY_WITH_TIMEOUT(
            console->mainWindow()->slackStatus()->text().contains(QStringLiteral("Slack: connected")),
            Timeout);
        // A wrong token is refused by Slack, and the window says what to do.
        QTemporaryDir dir2;
        {
            QSettings ini(dir2.filePath(QStringLiteral("threadline.ini")), QSettings::IniFormat);
            ini.setValue(QStringLiteral("slack/api_url"), slack.apiUrl().toString());
            ini.setValue(QStringLiteral("mode"), QStringLiteral("slack"));
            SecretFile secrets(dir2.filePath(QStringLiteral("secrets.json")));
            QVERIFY(secrets.setValue(SecretFile::slackBotTokenKey(), QStringLiteral("xoxb-wrong")));
            QVERIFY(secrets.setValue(SecretFile::slackAppTokenKey(), QStringLiteral("xapp-wrong")));
        }
        auto second = startConsole(dir2, false);
        QTRY_VERIFY_WITH_TIMEOUT(second->mainWindow() && second->session()->engine(), Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(second->session()->engine()->state(),
                                  sync::EngineState::NeedsReauthorization, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(
            second->mainWindow()->slackStatus()->text().contains(QStringLiteral("Slack refused the token")),
            Timeout);
        QVERIFY(!second->mainWindow()->slackStatus()->text().contains(QStringLiteral("xoxb-wrong")));
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
        const auto seeded = seedDesk(dir.path(), [&](Store &side, const Person &p) -> Result<void> {
            for (int i = 0; i < total; ++i)
                if (auto r = side.createRequest(
                        NewRequest{QStringLiteral("Request %1").arg(i), {}, p.id, 0, 0, {}, p.id});
                    !r)
                    return r.error();
            return {};
        });
        QVERIFY2(seeded.ok(), qPrintable(seeded.error().toString()));
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

    void sortsByAColumnAcrossPages()
    {
        QTemporaryDir dir;
        const int total = 250; // three pages
        const auto seeded = seedDesk(dir.path(), [&](Store &side, const Person &p) -> Result<void> {
            for (int i = 0; i < total; ++i) {
                // Titles in an order unrelated to creation: 7 is coprime with 250.
                const int n = (i * 7) % total;
                auto r = side.createRequest(NewRequest{
                    QStringLiteral("Ticket %1").arg(n, 3, 10, QLatin1Char('0')), {}, p.id, 0, 0, {}, p.id});
                if (!r)
                    return r.error();
                if (n % 5 == 0)
                    if (auto c = side.setStatus(r->id, RequestStatus::Closed, r->version, p.id); !c)
                        return c.error();
            }
            return {};
        });
        QVERIFY2(seeded.ok(), qPrintable(seeded.error().toString()));
        auto console = startConsole(dir, true);
        QVERIFY(console);
        MainWindow *window = console->mainWindow();
        RequestListModel *model = window->requestModel();
        QHeaderView *header = window->requestList()->horizontalHeader();
        auto clickHeader = [header](int column) {
            const int x = header->sectionViewportPosition(column) + header->sectionSize(column) / 2;
            QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        };
        auto loadAll = [model] {
            while (!model->atEnd()) {
                if (!QTest::qWaitFor([model] { return !model->isLoading(); }, Timeout))
                    return false;
                if (model->canFetchMore({}))
                    model->fetchMore({});
            }
            return QTest::qWaitFor([model] { return !model->isLoading(); }, Timeout);
        };
        auto titles = [model] {
            QStringList list;
            for (int i = 0; i < model->rowCount(); ++i)
                list << model->requestAt(i).title;
            return list;
        };
        // Title, ascending: every page continues where the last one ended.
        clickHeader(RequestListModel::TitleColumn);
        QTRY_COMPARE_WITH_TIMEOUT(model->sortColumn(), int(RequestListModel::TitleColumn), Timeout);
        if (model->sortOrder() == Qt::DescendingOrder)
            clickHeader(RequestListModel::TitleColumn);
        QCOMPARE(model->sortOrder(), Qt::AscendingOrder);
        QVERIFY(loadAll());
        QStringList got = titles();
        QCOMPARE(got.size(), total); // a desk that is not empty gets no sample request
        QStringList expected = got;
        std::sort(expected.begin(), expected.end(),
                  [](const QString &a, const QString &b) { return a.compare(b, Qt::CaseInsensitive) < 0; });
        QCOMPARE(got, expected);
        QCOMPARE(got.first(), QStringLiteral("Ticket 000"));
        QCOMPARE(model->pagesLoaded(), 3);
        // Again: descending.
        const Qt::SortOrder before = model->sortOrder();
        clickHeader(RequestListModel::TitleColumn);
        QTRY_VERIFY_WITH_TIMEOUT(model->sortOrder() != before && model->rowCount() > 0, Timeout);
        QVERIFY(loadAll());
        got = titles();
        std::reverse(expected.begin(), expected.end());
        QCOMPARE(got, expected);
        // Filters still apply: closed ones only, sorted by title.
        window->statusFilter()->setCurrentIndex(window->statusFilter()->findText(QStringLiteral("Closed")));
        QTRY_VERIFY_WITH_TIMEOUT(!model->isLoading() && model->rowCount() > 0, Timeout);
        QVERIFY(loadAll());
        QCOMPARE(model->rowCount(), total / 5);
        QCOMPARE(model->requestAt(0).title, QStringLiteral("Ticket 245"));
        for (int i = 0; i < model->rowCount(); ++i)
            QCOMPARE(model->requestAt(i).status, RequestStatus::Closed);
        // Status sorts in workflow order (new before closed).
        window->statusFilter()->setCurrentIndex(0);
        clickHeader(RequestListModel::StatusColumn);
        QTRY_COMPARE_WITH_TIMEOUT(model->sortColumn(), int(RequestListModel::StatusColumn), Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(!model->isLoading() && model->rowCount() > 0, Timeout);
        QVERIFY(loadAll());
        const RequestStatus firstStatus = model->requestAt(0).status;
        const RequestStatus lastStatus = model->requestAt(model->rowCount() - 1).status;
        QVERIFY(firstStatus != lastStatus);
        QVERIFY((firstStatus == RequestStatus::New) != (lastStatus == RequestStatus::New));
        // The sort is remembered with the window layout.
        window->close();
        QVERIFY(!console->session()->settings().value(QStringLiteral("window/list")).toByteArray().isEmpty());
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

    void attachedFilesReachTheSandboxThreadsWithThumbnails()
    {
        QTemporaryDir dir, files;
        QVERIFY(files.isValid());
        auto console = startConsole(dir, true);
        QVERIFY(console);
        RequestView *view = console->mainWindow()->requestView();
        sandbox::Workspace &ws = console->session()->sandboxServer()->workspace();
        const int followers = int(view->timeline().followers.size());
        QCOMPARE(followers, 4);
        const QByteArray png = writePng(files, QStringLiteral("screen.png"), QSize(800, 600));
        QVERIFY(!png.isEmpty());
        QFile notes(files.filePath(QStringLiteral("notes.txt")));
        QVERIFY(notes.open(QIODevice::WriteOnly));
        const QByteArray notesBytes("The VPN drops every ten minutes.\n");
        notes.write(notesBytes);
        notes.close();

        // Attach files… opens a file dialog (never a nested loop); the PNG is chosen there.
        QVERIFY(view->attachAction()->isEnabled());
        view->attachAction()->trigger();
        auto *dialog = topLevel<QFileDialog>(QStringLiteral("attachFilesDialog"));
        QVERIFY(dialog);
        dialog->setDirectory(files.path());
        dialog->selectFile(QStringLiteral("screen.png"));
        static_cast<QDialog *>(dialog)->accept(); // what the Open button does
        QTRY_COMPARE(view->pendingFiles().size(), 1);
        // The text file is dropped on the reply field.
        dropFiles(view->composer()->viewport(), {files.filePath(QStringLiteral("notes.txt"))});
        QCOMPARE(view->pendingFiles().size(), 2);
        QVERIFY(view->pendingFilesList()->isVisible());
        QCOMPARE(view->pendingFilesList()->count(), 2);
        QVERIFY(view->composer()->toPlainText().isEmpty()); // a drop of files is no text

        QSignalSpy sent(view, &RequestView::replySent);
        sendReply(view, QStringLiteral("Here is what I see"));
        QVERIFY(sent.wait(Timeout));
        QTRY_VERIFY(!view->pendingFilesList()->isVisible());
        QVERIFY(view->pendingFiles().isEmpty());

        // Every follower but the agent gets both files in their thread, byte for byte.
        QTRY_COMPARE_WITH_TIMEOUT(channelsWithFile(ws, QStringLiteral("screen.png"), png).size(),
                                  followers - 1, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(channelsWithFile(ws, QStringLiteral("notes.txt"), notesBytes).size(),
                                  followers - 1, 30000);

        // The timeline: the image as a thumbnail made by the console, the text file by name and size.
        QTRY_VERIFY_WITH_TIMEOUT(timelineTexts(view).contains(QStringLiteral("Here is what I see")), Timeout);
        const int row = int(timelineTexts(view).indexOf(QStringLiteral("Here is what I see")));
        const QModelIndex index = view->timelineModel()->index(row);
        const QStringList labels = index.data(TimelineModel::AttachmentLabelsRole).toStringList();
        QCOMPARE(labels.size(), 2);
        QVERIFY2(labels.at(0).startsWith(QStringLiteral("screen.png · ")), qPrintable(labels.at(0)));
        QVERIFY2(labels.at(1).startsWith(QStringLiteral("notes.txt · 33 bytes")), qPrintable(labels.at(1)));
        QImage thumbnail;
        QTRY_VERIFY_WITH_TIMEOUT(!(thumbnail = firstThumbnail(view, row)).isNull(), Timeout);
        QCOMPARE(thumbnail.size(), QSize(ThumbnailCache::MaxHeight * 4 / 3, ThumbnailCache::MaxHeight));
        QVERIFY(thumbnail.pixelColor(thumbnail.width() - 2, 1).red() > 200); // the gradient, scaled
        QVERIFY(
            index.data(TimelineModel::AttachmentThumbnailsRole).toList().value(1).value<QImage>().isNull());
        // The entry is tall enough for the thumbnail.
        QTRY_VERIFY(view->timelineView()->visualRect(view->timelineModel()->index(row)).height() >
                    ThumbnailCache::MaxHeight);

        // The thread matrix names when each follower's thread last took a write.
        view->tabs()->setCurrentIndex(1);
        QTRY_COMPARE_WITH_TIMEOUT(view->threadsTable()->columnCount(), followers, 30000);
        int synced = 0;
        for (int c = 0; c < followers; ++c) {
            QTableWidgetItem *header = view->threadsTable()->horizontalHeaderItem(c);
            if (header->data(Qt::UserRole).toLongLong() > 0 &&
                header->text().contains(QStringLiteral("synced")))
                ++synced;
        }
        QCOMPARE(synced, followers); // every thread has its summary and copies
        // The update's row lists its files' copies: shared in every thread but the agent's own.
        const auto sharedColumns = [&] {
            int n = 0;
            for (int c = 0; c < followers; ++c) {
                const QStringList cellFiles = view->threadCellFiles(row + 1, c);
                n += cellFiles.contains(QStringLiteral("screen.png: shared")) &&
                             cellFiles.contains(QStringLiteral("notes.txt: shared"))
                         ? 1
                         : 0;
            }
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(sharedColumns(), followers - 1, 30000);

        // A file the files store refuses (an HTML page named .png) is said, and nothing is sent.
        QFile fake(files.filePath(QStringLiteral("fake.png")));
        QVERIFY(fake.open(QIODevice::WriteOnly));
        fake.write("<!DOCTYPE html><html><body>Sign in</body></html>");
        fake.close();
        view->tabs()->setCurrentIndex(0);
        const int before = view->timelineModel()->rowCount();
        view->addPendingFiles({files.filePath(QStringLiteral("fake.png"))});
        view->sendAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(view->messageBar()->isVisible(), Timeout);
        QVERIFY2(view->messageBar()->text().contains(QStringLiteral("fake.png")),
                 qPrintable(view->messageBar()->text()));
        QCOMPARE(view->timelineModel()->rowCount(), before);
        QCOMPARE(view->pendingFiles().size(), 1); // kept, so the agent can remove it and send again
        // Del in the list removes it.
        view->pendingFilesList()->setCurrentRow(0);
        QTest::keyClick(view->pendingFilesList(), Qt::Key_Delete);
        QVERIFY(view->pendingFiles().isEmpty());
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

    void sandboxFaultShowsInTheThreadMatrixAndRetryPostsIt()
    {
        QTemporaryDir dir;
        // Two attempts with a short backoff, so a failure is final within the test's time.
        auto console = startConsole(dir, true, [](sync::EngineOptions &o) {
            o.maxAttempts = 2;
            o.retryBaseMs = 20;
            o.retryMaxMs = 100;
        });
        QVERIFY(console);
        RequestView *view = console->mainWindow()->requestView();
        sandbox::Workspace &ws = console->session()->sandboxServer()->workspace();
        view->tabs()->setCurrentIndex(1);
        // The summary reaches every follower's thread first: one column per follower, all ✓.
        const int followers = int(view->timeline().followers.size());
        QCOMPARE(followers, 4);
        QTRY_COMPARE_WITH_TIMEOUT(view->threadsTable()->columnCount(), followers, 30000);
        for (int c = 0; c < followers; ++c)
            QTRY_COMPARE_WITH_TIMEOUT(view->threadCellState(0, c), QStringLiteral("active"), 30000);

        // Slack answers 503 to everything: the reply's copies fail, with the reason on screen.
        ws.faults().serverErrorRate = 1.0;
        const QString text = QStringLiteral("Please update the VPN profile");
        sendReply(view, text);
        QTRY_VERIFY_WITH_TIMEOUT(timelineTexts(view).contains(text), Timeout);
        const int row = int(timelineTexts(view).indexOf(text)) + 1;
        auto failedColumns = [view, row, followers] {
            QList<int> columns;
            for (int c = 0; c < followers; ++c)
                if (view->threadCellState(row, c) == QLatin1String("failed"))
                    columns << c;
            return columns;
        };
        // Every follower but the author (the agent) has a copy that fails.
        QTRY_COMPARE_WITH_TIMEOUT(failedColumns().size(), followers - 1, 30000);
        const int column = failedColumns().constFirst();
        QVERIFY2(view->threadCellText(row, column).contains(QStringLiteral("Slack is unavailable")),
                 qPrintable(view->threadCellText(row, column)));
        QVERIFY(view->threadCellText(row, column).startsWith(QStringLiteral("⚠")));
        QVERIFY(channelsWithCopy(ws, text).isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(
            console->mainWindow()->slackStatus()->text().contains(QStringLiteral("failed")), Timeout);

        // Slack is back; Retry in the failed cell posts every failed copy of that update.
        ws.faults().serverErrorRate = 0;
        QWidget *cell = view->threadsTable()->cellWidget(row, column);
        QVERIFY(cell);
        auto *retry = cell->findChild<QPushButton *>(QStringLiteral("retryButton"));
        QVERIFY(retry);
        QVERIFY(retry->isVisible());
        QTest::mouseClick(retry, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(channelsWithCopy(ws, text).size(), followers - 1, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(failedColumns().isEmpty(), 30000);
        auto posted = [view, row, followers] {
            int n = 0;
            for (int c = 0; c < followers; ++c)
                n += view->threadCellState(row, c) == QLatin1String("posted") ? 1 : 0;
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(posted(), followers - 1, 30000);
        QVERIFY(!view->threadsTable()->cellWidget(row, column)); // no Retry left on a posted copy
    }

    void deleteEverywhereRemovesEverySlackCopy()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        RequestView *view = console->mainWindow()->requestView();
        sandbox::Workspace &ws = console->session()->sandboxServer()->workspace();
        const QString text = QStringLiteral("Wrong request, sorry");
        sendReply(view, text);
        QTRY_COMPARE_WITH_TIMEOUT(channelsWithCopy(ws, text).size(), 3, 30000);
        // The timeline reloads from the store off the GUI thread: the Slack copies can be there first.
        QTRY_VERIFY_WITH_TIMEOUT(timelineTexts(view).contains(text), Timeout);
        const int row = int(timelineTexts(view).indexOf(text));
        QVERIFY(row >= 0);
        view->timelineView()->setCurrentIndex(view->timelineModel()->index(row));
        view->deleteUpdateAction()->trigger();
        auto *box = topLevel<QMessageBox>(QStringLiteral("deleteUpdateBox"));
        QVERIFY(box);
        QTest::mouseClick(buttonWithText(box, QStringLiteral("Delete everywhere")), Qt::LeftButton);
        // Gone on the desk, and from every follower's Slack thread.
        QTRY_VERIFY_WITH_TIMEOUT(view->timelineModel()->index(row).data(TimelineModel::DeletedRole).toBool(),
                                 Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(channelsWithCopy(ws, text).isEmpty(), 30000);
        // The thread matrix says so too.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                int deleted = 0;
                for (int c = 0; c < view->threadsTable()->columnCount(); ++c)
                    deleted += view->threadCellState(row + 1, c) == QLatin1String("deleted") ? 1 : 0;
                return deleted == 3;
            }(),
            30000);
    }

    void slackReplyShowsUpLiveInTheTimeline()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        RequestView *view = console->mainWindow()->requestView();
        sandbox::Workspace &ws = console->session()->sandboxServer()->workspace();
        // Alice (the requester) answers in her thread about the request, as a colleague in Slack.
        const QString alice = sandboxUserId(ws, QLatin1String("Alice"));
        QVERIFY(!alice.isEmpty());
        QString summaryTs;
        QTRY_VERIFY_WITH_TIMEOUT(!(summaryTs = appSummaryTs(ws, alice)).isEmpty(), 30000);
        const QString text = QStringLiteral("It dropped again at 10:02, same error");
        const sandbox::Workspace::ActResult posted = ws.postAsUser(alice, text, summaryTs);
        QVERIFY2(posted.ok, qPrintable(posted.error));
        // No reload, no click: the timeline shows it as a Slack reply by Alice.
        QTRY_VERIFY_WITH_TIMEOUT(timelineTexts(view).contains(text), 30000);
        const QModelIndex index = view->timelineModel()->index(int(timelineTexts(view).indexOf(text)));
        const QString header = index.data(TimelineModel::HeaderRole).toString();
        QVERIFY2(header.contains(QStringLiteral("Slack")) && header.contains(QStringLiteral("Alice")),
                 qPrintable(header));
        // And the other followers get it in their threads.
        QTRY_VERIFY_WITH_TIMEOUT(channelsWithCopy(ws, text).size() >= 2, 30000);
    }

    void slackReplyOnMyRequestRaisesTheBadgeAndANotification()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        MainWindow *window = console->mainWindow();
        RequestListModel *model = window->requestModel();
        RequestView *view = window->requestView();
        const qint64 sample = view->timeline().request.id;
        QCOMPARE(view->timeline().request.assigneeId, console->session()->agentId());
        // The agent looks at another request: the sample one is not on screen.
        {
            auto side = openSideStore(dir.path());
            QVERIFY(side);
            const qint64 agent = console->session()->agentId();
            QVERIFY(
                side->createRequest(NewRequest{QStringLiteral("Other request"), {}, agent, 0, 0, {}, agent}));
        }
        QTest::keyClick(window, Qt::Key_F5);
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, Timeout);
        window->selectRequest(model->requestAt(0).id == sample ? model->requestAt(1).id
                                                               : model->requestAt(0).id);
        QTRY_VERIFY(view->timeline().request.id != sample && view->timeline().request.id != 0);
        QCOMPARE(model->newReplies(sample), 0);

        sandbox::Workspace &ws = console->session()->sandboxServer()->workspace();
        const QString alice = sandboxUserId(ws, QLatin1String("Alice"));
        QString summaryTs;
        QTRY_VERIFY_WITH_TIMEOUT(!(summaryTs = appSummaryTs(ws, alice)).isEmpty(), 30000);
        QSignalSpy notified(window, &MainWindow::notified);
        QVERIFY(ws.postAsUser(alice, QStringLiteral("Still dropping, any news?"), summaryTs).ok);
        // The New column counts it, in bold; a notification names the request and the colleague.
        QTRY_VERIFY_WITH_TIMEOUT(model->newReplies(sample) >= 1, 30000);
        const QModelIndex badge = model->index(model->rowOf(sample), RequestListModel::NewRepliesColumn);
        QVERIFY(badge.data().toInt() >= 1);
        QVERIFY(badge.data(Qt::FontRole).value<QFont>().bold());
        QTRY_VERIFY_WITH_TIMEOUT(!notified.isEmpty(), 30000);
        QCOMPARE(notified.first().at(0).toLongLong(), sample);
        QVERIFY(notified.first().at(2).toString().contains(QStringLiteral("Alice")));
        // Clicking the notification opens the request; opening it clears the badge.
        window->openNotifiedRequest();
        QTRY_COMPARE_WITH_TIMEOUT(view->timeline().request.id, sample, Timeout);
        QTRY_COMPARE(model->newReplies(sample), 0);
        // Notifications can be turned off in Settings.
        console->session()->settings().setValue(QStringLiteral("notifications"), false);
        notified.clear();
        QVERIFY(ws.postAsUser(alice, QStringLiteral("Hello again"), summaryTs).ok);
        QTRY_VERIFY_WITH_TIMEOUT(timelineTexts(view).contains(QStringLiteral("Hello again")), 30000);
        QTest::qWait(200);
        QVERIFY(notified.isEmpty());
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

    void aboutShowsTheVersionAndMenusCarryShortcuts()
    {
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        MainWindow *window = console->mainWindow();
        window->aboutAction()->trigger();
        auto *about = topLevel<QMessageBox>(QStringLiteral("aboutBox"));
        QVERIFY(about);
        QVERIFY2(about->text().contains(versionString()), qPrintable(about->text()));
        about->close();
        // Every common action in the menus has a shortcut the menu shows.
        QStringList missing;
        int withShortcut = 0;
        const QList<QMenu *> menus = window->menuBar()->findChildren<QMenu *>();
        for (QMenu *menu : menus)
            for (QAction *a : menu->actions()) {
                if (a->isSeparator() || a->menu())
                    continue;
                if (a->shortcut().isEmpty() && a->menuRole() != QAction::AboutRole)
                    missing << a->text();
                else
                    ++withShortcut;
            }
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
        QVERIFY(withShortcut >= 14);
        // Tab from the search field walks the toolbar's filters, then the list, then the detail.
        window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window));
        window->searchEdit()->setFocus();
        QList<QWidget *> chain;
        for (QWidget *w = window->searchEdit()->nextInFocusChain(); w && chain.size() < 6;
             w = w->nextInFocusChain())
            if (w->focusPolicy() & Qt::TabFocus)
                chain << w;
        QCOMPARE(chain.value(0), static_cast<QWidget *>(window->statusFilter()));
        QCOMPARE(chain.value(1), static_cast<QWidget *>(window->teamFilter()));
        QCOMPARE(chain.value(2), static_cast<QWidget *>(window->assignedToMe()));
        QCOMPARE(chain.value(3), static_cast<QWidget *>(window->requestList()));
        QCOMPARE(chain.value(4), static_cast<QWidget *>(window->requestView()->titleEdit()));
    }

    void followsADarkSystemPalette()
    {
        // A dark desktop theme hands the application a dark palette: every view follows it.
        const QPalette original = QApplication::palette();
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
        dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
        dark.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
        dark.setColor(QPalette::ButtonText, QColor(0xee, 0xee, 0xee));
        dark.setColor(QPalette::ToolTipBase, QColor(0x40, 0x40, 0x30));
        dark.setColor(QPalette::ToolTipText, QColor(0xee, 0xee, 0xee));
        dark.setColor(QPalette::Highlight, QColor(0x2a, 0x6a, 0xb0));
        dark.setColor(QPalette::HighlightedText, Qt::white);
        QApplication::setPalette(dark);
        auto restore = qScopeGuard([&] { QApplication::setPalette(original); });
        QTemporaryDir dir;
        auto console = startConsole(dir, true);
        QVERIFY(console);
        MainWindow *window = console->mainWindow();
        sendReply(window->requestView(), QStringLiteral("Dark and readable"));
        QTRY_VERIFY_WITH_TIMEOUT(
            timelineTexts(window->requestView()).contains(QStringLiteral("Dark and readable")), Timeout);
        const QImage image = window->grab().toImage();
        auto luminance = [&image](QWidget *w, QPoint at) {
            const QPoint p = w->mapTo(w->window(), at) * image.devicePixelRatio();
            return qGray(image.pixel(p));
        };
        // Empty areas of the list, the timeline and the window are dark; text on them is light.
        QWidget *list = window->requestList()->viewport();
        QVERIFY(luminance(list, QPoint(list->width() / 2, list->height() - 5)) < 80);
        QWidget *timeline = window->requestView()->timelineView()->viewport();
        QVERIFY(luminance(timeline, QPoint(timeline->width() - 5, timeline->height() - 5)) < 80);
        QVERIFY(luminance(window, QPoint(window->width() - 5, window->height() / 2)) < 80);
        int light = 0;
        const QRect row = window->requestView()->timelineView()->visualRect(
            window->requestView()->timelineModel()->index(0));
        for (int x = row.left(); x < row.right(); ++x)
            for (int y = row.top(); y < row.bottom(); ++y)
                light += luminance(timeline, QPoint(x, y)) > 170 ? 1 : 0;
        QVERIFY2(light > 20, qPrintable(QString::number(light)));
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
