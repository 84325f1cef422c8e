// The files pipeline end to end: the Engine (inbound on Socket Mode) against the Slack sandbox over
// loopback, on SQLite and PostgreSQL. Files shared in a thread reach the desk and every other
// follower's thread; refusals are visible in the sender's thread and on the desk; desk attachments
// reach every follower but the poster; deletes remove the copies; failures are visible and retried.

#include "files/filedetect.h"
#include "postgresschemas.h"
#include "recordingserver.h"
#include "sandbox/sandboxserver.h"
#include "sandbox/workspace.h"
#include "store/databaseurl.h"
#include "store/store.h"
#include "sync/engine.h"
#include "syncharness.h"
#include "testsupport.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonObject>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace threadline;
using namespace threadline::sync;
using threadline::sandbox::SandboxMessage;
using threadline::sandbox::SandboxServer;
using threadline::test::Member;
using threadline::test::RecordingServer;

namespace {

//! The request most tests start from: Rita's, assigned to Alex (an agent), Wes following (when asked).
struct Desk
{
    Member requester;
    Member agent;
    Member watcher;
    qint64 rid = 0;
};

QByteArray png(int size)
{
    QByteArray b("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    for (int i = b.size(); i < size; ++i)
        b.append(char(i * 31));
    return b;
}

QString sha(const QByteArray &b)
{
    return QString::fromLatin1(QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex());
}

} // namespace

class TestFilesFlow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void init();
    void cleanup();
    void cleanupTestCase();

    void pngSharedInAThreadReachesTheDeskAndEveryOtherThread();
    void pdfAndBinaryTravelToo();
    void htmlInsteadOfAnImageIsRefusedVisibly();
    void oversizeAndDisallowedFilesAreRefusedVisibly();
    void fileOutsideTheAllowListNeverGetsTheToken();
    void deskAttachmentReachesEveryFollowerButThePoster();
    void deskAttachmentIsCheckedLikeASlackFile();
    void deletingTheUpdateDeletesItsFileCopiesEditsKeepThem();
    void deletingADeskUpdateDeletesItsFilesEverywhere();
    void slackDeleteOfTheOriginalDeletesTheCopies();
    void laterFollowerGetsEarlierFilesInCatchUpOnce();
    void threadStateShowsEveryFileInEveryThread();
    void failedTransferIsVisibleAndRetried();
    void diskFullDownloadFailsVisiblyThenRetriesSucceed();
    void killedMidTransferCompletesOnceAfterRestart();

private:
    void startEngine(std::function<void(EngineOptions &)> tweak = {});
    Member addMember(const QString &name, bool agent = false);
    qint64 createRequest(const Member &requester, const QList<Member> &followers, const Member &assignee);
    //! After startEngine(): the desk people and the request of Desk; true once the engine is idle
    //! and the last of them (Wes, else Rita) has the summary.
    bool openRequest(Desk *desk, bool withWatcher);
    //! Shares a file in the requester's thread; true once the agent's and the watcher's threads
    //! carry one file each and the engine is idle. *ts: the shared message.
    bool shareAndWaitForCopies(const Desk &desk, const QString &name, const QByteArray &data,
                               const QString &comment, QString *ts = nullptr);
    bool idle();
    QString summaryTs(const Member &m);
    //! The app's file_share messages in the member's request thread, with their files' bytes.
    QList<QByteArray> filesInThread(const Member &m);
    QList<const SandboxMessage *> appRepliesInThread(const Member &m);
    QString shareFile(const Member &m, const QString &name, const QByteArray &data, const QString &mime,
                      const QString &comment);
    QList<Attachment> attachments(qint64 requestId);
    //! The sandbox's whole state, one line per channel message and per file, with names instead
    //! of generated ids and timestamps: `Rita: app summary live`, `Wes: app file_share deleted
    //! files=1`, `file app fix.png deleted 0 bytes`, `file Rita s.png live 3000 bytes`.
    QString sandboxState(const Desk &desk);
    QString newUrl();

    std::unique_ptr<SandboxServer> m_sandbox;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_url;
    test::PostgresSchemas m_pg{QStringLiteral("files")};
};

void TestFilesFlow::initTestCase_data()
{
    test::addBackendRows();
}

QString TestFilesFlow::newUrl()
{
    QFETCH_GLOBAL(QString, backend);
    return m_pg.newUrl(backend, m_dir->filePath(QStringLiteral("threadline.db")));
}

void TestFilesFlow::init()
{
    THREADLINE_BACKEND_OR_SKIP();
    m_dir = std::make_unique<QTemporaryDir>();
    m_sandbox = std::make_unique<SandboxServer>(test::quietSandboxOptions());
    QVERIFY(m_sandbox->listen());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_url = newUrl();
}

void TestFilesFlow::cleanup()
{
    m_engine.reset();
    m_nam.reset();
    m_sandbox.reset();
    m_dir.reset();
}

void TestFilesFlow::cleanupTestCase()
{
    const QString failed = m_pg.dropAll();
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
}

void TestFilesFlow::startEngine(std::function<void(EngineOptions &)> tweak)
{
    EngineOptions o = test::testEngineOptions(m_url, *m_sandbox, m_nam.get());
    o.files.storeDir = m_dir->filePath(QStringLiteral("files"));
    const QUrl base = m_sandbox->apiUrl();
    o.files.downloadHosts = {QStringLiteral("http://127.0.0.1:%1").arg(base.port())};
    if (tweak)
        tweak(o);
    m_engine = std::make_unique<Engine>(o);
    auto r = m_engine->start();
    QVERIFY2(r.ok(), qPrintable(r.error().toString()));
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), EngineState::Running, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->inboundConnected(), 10000);
}

Member TestFilesFlow::addMember(const QString &name, bool agent)
{
    return test::addMember(m_sandbox->workspace(), m_engine->store(), name, agent);
}

qint64 TestFilesFlow::createRequest(const Member &requester, const QList<Member> &followers,
                                    const Member &assignee)
{
    return test::createRequest(m_engine->store(), requester, followers, assignee,
                               QStringLiteral("Printer jam"), QStringLiteral("See the screenshot"));
}

bool TestFilesFlow::openRequest(Desk *desk, bool withWatcher)
{
    desk->requester = addMember(QStringLiteral("Rita"));
    desk->agent = addMember(QStringLiteral("Alex"), true);
    QList<Member> followers;
    if (withWatcher) {
        desk->watcher = addMember(QStringLiteral("Wes"));
        followers << desk->watcher;
    }
    desk->rid = createRequest(desk->requester, followers, desk->agent);
    const Member &last = withWatcher ? desk->watcher : desk->requester;
    return QTest::qWaitFor([&] { return idle() && !summaryTs(last).isEmpty(); }, 15000);
}

bool TestFilesFlow::shareAndWaitForCopies(const Desk &desk, const QString &name, const QByteArray &data,
                                          const QString &comment, QString *ts)
{
    const QString shared = shareFile(desk.requester, name, data, QStringLiteral("image/png"), comment);
    if (ts)
        *ts = shared;
    return QTest::qWaitFor(
               [&] {
                   return filesInThread(desk.agent).size() == 1 && filesInThread(desk.watcher).size() == 1;
               },
               20000) &&
           QTest::qWaitFor([this] { return idle(); }, 10000);
}

bool TestFilesFlow::idle()
{
    return test::queueIdle(m_engine->queueStats());
}

QString TestFilesFlow::summaryTs(const Member &m)
{
    const auto &ws = m_sandbox->workspace();
    const QString dm = ws.dmOf(m.slackId);
    for (const SandboxMessage *top : ws.topLevel(dm))
        if (top->byApp)
            return top->ts;
    return {};
}

QList<const SandboxMessage *> TestFilesFlow::appRepliesInThread(const Member &m)
{
    const auto &ws = m_sandbox->workspace();
    QList<const SandboxMessage *> out;
    const QString top = summaryTs(m);
    if (top.isEmpty())
        return out;
    for (const SandboxMessage *r : ws.replies(ws.dmOf(m.slackId), top))
        if (r->byApp && !r->deleted && r->ts != top)
            out << r;
    return out;
}

QList<QByteArray> TestFilesFlow::filesInThread(const Member &m)
{
    QList<QByteArray> out;
    for (const SandboxMessage *r : appRepliesInThread(m))
        if (r->subtype == QLatin1String("file_share"))
            for (const QString &id : r->fileIds)
                if (const auto *f = m_sandbox->workspace().file(id))
                    out << f->data;
    return out;
}

QString TestFilesFlow::shareFile(const Member &m, const QString &name, const QByteArray &data,
                                 const QString &mime, const QString &comment)
{
    const QString top = summaryTs(m);
    auto r = m_sandbox->workspace().uploadAsUser(m.slackId, name, data, mime, top, comment);
    if (!r.ok)
        qFatal("uploadAsUser failed");
    return r.ts;
}

QList<Attachment> TestFilesFlow::attachments(qint64 requestId)
{
    QList<Attachment> out;
    auto t = m_engine->store()->timeline(requestId);
    if (!t)
        return out;
    for (const Update &u : t.value().updates)
        out += u.attachments;
    return out;
}

QString TestFilesFlow::sandboxState(const Desk &desk)
{
    const QList<QPair<Member, QString>> names{{desk.requester, QStringLiteral("Rita")},
                                              {desk.agent, QStringLiteral("Alex")},
                                              {desk.watcher, QStringLiteral("Wes")}};
    const auto &ws = m_sandbox->workspace();
    const QJsonObject state = ws.stateJson();
    const QString bot =
        state.value(QStringLiteral("app")).toObject().value(QStringLiteral("bot_user_id")).toString();
    auto nameOf = [&](const QString &userId) {
        if (userId == bot)
            return QStringLiteral("app");
        for (const auto &[m, name] : names)
            if (m.slackId == userId)
                return name;
        return QString(QStringLiteral("?") + userId);
    };
    QStringList out;
    QStringList channelLines;
    for (const QJsonValue &cv : state.value(QStringLiteral("channels")).toArray()) {
        const QJsonObject c = cv.toObject();
        const QString owner = nameOf(c.value(QStringLiteral("user")).toString());
        for (const QJsonValue &mv : c.value(QStringLiteral("messages")).toArray()) {
            const QJsonObject m = mv.toObject();
            const bool top = m.value(QStringLiteral("thread_ts")).toString().isEmpty() ||
                             m.value(QStringLiteral("thread_ts")) == m.value(QStringLiteral("ts"));
            QString kind = m.value(QStringLiteral("subtype")).toString();
            if (kind.isEmpty())
                kind = top ? QStringLiteral("top") : QStringLiteral("reply");
            QString line = QStringLiteral("%1: %2 %3 %4")
                               .arg(owner,
                                    m.value(QStringLiteral("by_app")).toBool()
                                        ? QStringLiteral("app")
                                        : nameOf(m.value(QStringLiteral("user")).toString()),
                                    kind,
                                    m.value(QStringLiteral("deleted")).toBool() ? QStringLiteral("deleted")
                                                                                : QStringLiteral("live"));
            if (const int files = m.value(QStringLiteral("files")).toArray().size(); files > 0)
                line += QStringLiteral(" files=%1").arg(files);
            channelLines << line;
        }
    }
    channelLines.sort();
    QStringList fileLines;
    for (const QJsonValue &fv : state.value(QStringLiteral("files")).toArray()) {
        const QJsonObject f = fv.toObject();
        fileLines << QStringLiteral("file %1 %2 %3 %4 bytes")
                         .arg(nameOf(f.value(QStringLiteral("user")).toString()),
                              f.value(QStringLiteral("name")).toString(),
                              f.value(QStringLiteral("deleted")).toBool() ? QStringLiteral("deleted")
                                                                          : QStringLiteral("live"))
                         .arg(f.value(QStringLiteral("size")).toInteger());
    }
    fileLines.sort();
    return (channelLines + fileLines).join(QLatin1Char('\n'));
}

void TestFilesFlow::pngSharedInAThreadReachesTheDeskAndEveryOtherThread()
{
    startEngine();
    Desk desk;
    QVERIFY(openRequest(&desk, true));
    const auto &[requester, agent, watcher, rid] = desk;
    const QByteArray image = png(20000);
    QVERIFY(shareAndWaitForCopies(desk, QStringLiteral("screen shot.png"), image,
                                  QStringLiteral("this is what I see")));
    QCOMPARE(filesInThread(agent).first(), image);
    QCOMPARE(filesInThread(watcher).first(), image);
    QVERIFY(filesInThread(requester).isEmpty()); // never into the sender's own thread
    // The desk: one update with the caption and the stored attachment.
    auto t = m_engine->store()->timeline(rid);
    QVERIFY(t.ok());
    QCOMPARE(t.value().updates.size(), 1);
    const Update &u = t.value().updates.first();
    QCOMPARE(u.text, QStringLiteral("this is what I see"));
    QCOMPARE(u.attachments.size(), 1);
    const Attachment &a = u.attachments.first();
    QCOMPARE(a.state, QStringLiteral("stored"));
    QCOMPARE(a.name, QStringLiteral("screen shot.png"));
    QCOMPARE(a.mimeType, QStringLiteral("image/png"));
    QCOMPARE(a.size, image.size());
    QCOMPARE(a.sha256, sha(image));
    QVERIFY(QFile::exists(m_dir->filePath(QStringLiteral("files/")) + a.storageKey));
    // The caption reached the other threads as a reply, before the file.
    for (const Member &m : {agent, watcher}) {
        const auto replies = appRepliesInThread(m);
        QCOMPARE(replies.size(), 2);
        QVERIFY(replies.at(0)->text.contains(QStringLiteral("this is what I see")));
        QCOMPARE(replies.at(1)->subtype, QStringLiteral("file_share"));
    }
    // Exactly once, after the engine restarts too.
    m_engine.reset();
    startEngine();
    QTest::qWait(500);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    QCOMPARE(filesInThread(agent).size(), 1);
    QCOMPARE(filesInThread(watcher).size(), 1);
}

void TestFilesFlow::pdfAndBinaryTravelToo()
{
    startEngine();
    Desk desk;
    QVERIFY(openRequest(&desk, false));
    const auto &[requester, agent, watcher, rid] = desk;
    const QByteArray pdf = QByteArray("%PDF-1.7\n") + QByteArray(30000, 'p');
    QByteArray binary(3 * 1024 * 1024, Qt::Uninitialized);
    for (int i = 0; i < binary.size(); ++i)
        binary[i] = char((quint32(i) * 7919u) >> 3);
    shareFile(requester, QStringLiteral("form.pdf"), pdf, QStringLiteral("application/pdf"), {});
    shareFile(requester, QStringLiteral("dump.bin"), binary, QStringLiteral("application/octet-stream"),
              QStringLiteral("core dump"));
    QTRY_VERIFY_WITH_TIMEOUT(filesInThread(agent).size() == 2, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    const auto got = filesInThread(agent);
    QVERIFY(got.contains(pdf));
    QVERIFY(got.contains(binary));
    const auto atts = attachments(rid);
    QCOMPARE(atts.size(), 2);
    for (const Attachment &a : atts)
        QCOMPARE(a.state, QStringLiteral("stored"));
    auto t = m_engine->store()->timeline(rid);
    QCOMPARE(t.value().updates.first().text, QStringLiteral("[file: form.pdf]")); // no caption: named
}

void TestFilesFlow::htmlInsteadOfAnImageIsRefusedVisibly()
{
    startEngine();
    Desk desk;
    QVERIFY(openRequest(&desk, false));
    const auto &[requester, agent, watcher, rid] = desk;
    shareFile(requester, QStringLiteral("photo.png"),
              "<!DOCTYPE html><html><body>Sign in to Slack</body></html>", QStringLiteral("image/png"),
              QStringLiteral("my photo"));
    QTRY_VERIFY_WITH_TIMEOUT(appRepliesInThread(requester).size() == 1, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    QVERIFY(appRepliesInThread(requester).first()->text.contains(QStringLiteral("photo.png")));
    QVERIFY(appRepliesInThread(requester).first()->text.contains(QStringLiteral("HTML page")));
    QVERIFY(filesInThread(agent).isEmpty());
    const auto atts = attachments(rid);
    QCOMPARE(atts.size(), 1);
    QCOMPARE(atts.first().state, QStringLiteral("refused"));
    QVERIFY(atts.first().lastError.contains(QStringLiteral("HTML page")));
    QVERIFY(atts.first().storageKey.isEmpty());
}

void TestFilesFlow::oversizeAndDisallowedFilesAreRefusedVisibly()
{
    startEngine([](EngineOptions &o) {
        o.files.maxBytes = 10000;
        o.files.allowedTypes = {QStringLiteral("image/*")};
    });
    Desk desk;
    QVERIFY(openRequest(&desk, false));
    const auto &[requester, agent, watcher, rid] = desk;
    shareFile(requester, QStringLiteral("big.png"), png(20000), QStringLiteral("image/png"),
              QStringLiteral("big"));
    shareFile(requester, QStringLiteral("doc.pdf"), "%PDF-1.4\n", QStringLiteral("application/pdf"),
              QStringLiteral("doc"));
    QTRY_VERIFY_WITH_TIMEOUT(appRepliesInThread(requester).size() == 2, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    const auto replies = appRepliesInThread(requester);
    QVERIFY(replies.at(0)->text.contains(QStringLiteral("big.png")));
    QVERIFY(replies.at(0)->text.contains(QStringLiteral("limit")));
    QVERIFY(replies.at(1)->text.contains(QStringLiteral("doc.pdf")));
    QVERIFY(replies.at(1)->text.contains(QStringLiteral("image/*")));
    const auto atts = attachments(rid);
    QCOMPARE(atts.size(), 2);
    for (const Attachment &a : atts)
        QCOMPARE(a.state, QStringLiteral("refused"));
    QVERIFY(filesInThread(agent).isEmpty());
    // Nothing was downloaded: the refusal came from the declared size and type.
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("url_private")), 0);
}

void TestFilesFlow::fileOutsideTheAllowListNeverGetsTheToken()
{
    RecordingServer elsewhere;
    elsewhere.route("/files-pri/", {200, "image/png", png(100), {}});
    startEngine();
    m_sandbox->workspace().setFileBaseUrl(QUrl(QString::fromLatin1(elsewhere.origin() + "/")));
    Desk desk;
    QVERIFY(openRequest(&desk, false));
    const auto &[requester, agent, watcher, rid] = desk;
    shareFile(requester, QStringLiteral("a.png"), png(100), QStringLiteral("image/png"),
              QStringLiteral("look"));
    QTRY_VERIFY_WITH_TIMEOUT(appRepliesInThread(requester).size() == 1, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    QVERIFY(!elsewhere.sawAuthorization());
    QCOMPARE(elsewhere.requests().size(), 0);
    const auto atts = attachments(rid);
    QCOMPARE(atts.size(), 1);
    QCOMPARE(atts.first().state, QStringLiteral("refused"));
    QVERIFY(
        appRepliesInThread(requester).first()->text.contains(QStringLiteral("outside Slack's file hosts")));
}

void TestFilesFlow::deskAttachmentReachesEveryFollowerButThePoster()
{
    startEngine();
    Desk desk;
    QVERIFY(openRequest(&desk, true));
    const auto &[requester, agent, watcher, rid] = desk;
    const QByteArray image = png(5000);
    QBuffer source;
    source.setData(image);
    source.open(QIODevice::ReadOnly);
    auto stored =
        m_engine->storeAttachment(source, QStringLiteral("../../fix.png"), QStringLiteral("image/png"));
    QVERIFY2(stored, qPrintable(stored.error().toString()));
    QCOMPARE(stored->name, QStringLiteral("fix.png"));
    NewUpdate n;
    n.requestId = rid;
    n.authorId = agent.personId;
    n.text = QStringLiteral("Here is the fix");
    n.attachments = {stored.value()};
    auto posted = m_engine->store()->postUpdate(n);
    QVERIFY(posted);
    QTRY_VERIFY_WITH_TIMEOUT(filesInThread(requester).size() == 1 && filesInThread(watcher).size() == 1,
                             20000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    QCOMPARE(filesInThread(requester).first(), image);
    QVERIFY(filesInThread(agent).isEmpty()); // the poster
    auto u = m_engine->store()->update(posted->id);
    QCOMPARE(u.value().attachments.size(), 1);
    QCOMPARE(u.value().attachments.first().state, QStringLiteral("stored"));
}

void TestFilesFlow::deskAttachmentIsCheckedLikeASlackFile()
{
    startEngine([](EngineOptions &o) {
        o.files.maxBytes = 1000;
        o.files.allowedTypes = {QStringLiteral("image/*"), QStringLiteral("application/pdf")};
    });
    QBuffer big;
    big.setData(png(2000));
    big.open(QIODevice::ReadOnly);
    auto r = m_engine->storeAttachment(big, QStringLiteral("a.png"), QStringLiteral("image/png"));
    QVERIFY(!r);
    QCOMPARE(r.error().code, ErrorCode::TooLarge);
    QBuffer html;
    html.setData("<html><body>x</body></html>");
    html.open(QIODevice::ReadOnly);
    r = m_engine->storeAttachment(html, QStringLiteral("b.png"), QStringLiteral("image/png"));
    QVERIFY(!r);
    QCOMPARE(r.error().detail, QStringLiteral("html_instead_of_file"));
    QBuffer zip;
    zip.setData("PK\x03\x04zip");
    zip.open(QIODevice::ReadOnly);
    r = m_engine->storeAttachment(zip, QStringLiteral("c.zip"), QString());
    QVERIFY(!r);
    QCOMPARE(r.error().detail, QStringLiteral("type_not_allowed"));
    QCOMPARE(QDir(m_dir->filePath(QStringLiteral("files/tmp"))).entryList(QDir::Files).size(), 0);
}

void TestFilesFlow::deletingTheUpdateDeletesItsFileCopiesEditsKeepThem()
{
    startEngine();
    Desk desk;
    QVERIFY(openRequest(&desk, true));
    const auto &[requester, agent, watcher, rid] = desk;
    const QByteArray image = png(3000);
    QVERIFY(shareAndWaitForCopies(desk, QStringLiteral("s.png"), image, QStringLiteral("first")));
    auto t = m_engine->store()->timeline(rid);
    const qint64 updateId = t.value().updates.first().id;
    // An edit on the desk changes the caption's copies and keeps the files.
    QVERIFY(m_engine->store()->editUpdate(updateId, QStringLiteral("edited caption"), agent.personId));
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        appRepliesInThread(watcher).first()->text.contains(QStringLiteral("edited caption")), 10000);
    QCOMPARE(filesInThread(watcher).size(), 1);
    QCOMPARE(attachments(rid).size(), 1);
    // A delete removes the copies the app posted (the sender's own message stays: not ours).
    QVERIFY(m_engine->store()->deleteUpdate(updateId, agent.personId));
    QTRY_VERIFY_WITH_TIMEOUT(filesInThread(agent).isEmpty() && filesInThread(watcher).isEmpty(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    QSqlQuery q(m_engine->store()->database());
    QVERIFY(q.exec(QStringLiteral("SELECT state FROM file_shares")));
    int rows = 0;
    while (q.next()) {
        QCOMPARE(q.value(0).toString(), QStringLiteral("deleted"));
        ++rows;
    }
    QCOMPARE(rows, 2);
}

void TestFilesFlow::deletingADeskUpdateDeletesItsFilesEverywhere()
{
    startEngine();
    Desk desk;
    QVERIFY(openRequest(&desk, true));
    const auto &[requester, agent, watcher, rid] = desk;
    QBuffer source;
    source.setData(png(4000));
    source.open(QIODevice::ReadOnly);
    auto stored = m_engine->storeAttachment(source, QStringLiteral("fix.png"), QStringLiteral("image/png"));
    QVERIFY(stored);
    QBuffer second;
    second.setData(QByteArray("%PDF-1.4\n") + QByteArray(2000, 'x'));
    second.open(QIODevice::ReadOnly);
    auto storedPdf =
        m_engine->storeAttachment(second, QStringLiteral("steps.pdf"), QStringLiteral("application/pdf"));
    QVERIFY(storedPdf);
    NewUpdate n;
    n.requestId = rid;
    n.authorId = agent.personId;
    n.text = QStringLiteral("Here is the fix");
    n.attachments = {stored.value(), storedPdf.value()};
    auto posted = m_engine->store()->postUpdate(n);
    QVERIFY(posted);
    QTRY_VERIFY_WITH_TIMEOUT(filesInThread(requester).size() == 2 && filesInThread(watcher).size() == 2,
                             20000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    const QString shared =
        QStringList{
            QStringLiteral("Alex: app top live"),
            QStringLiteral("Rita: app file_share live files=1"),
            QStringLiteral("Rita: app file_share live files=1"),
            QStringLiteral("Rita: app reply live"),
            QStringLiteral("Rita: app top live"),
            QStringLiteral("Wes: app file_share live files=1"),
            QStringLiteral("Wes: app file_share live files=1"),
            QStringLiteral("Wes: app reply live"),
            QStringLiteral("Wes: app top live"),
            QStringLiteral("file app fix.png live 4000 bytes"),
            QStringLiteral("file app fix.png live 4000 bytes"),
            QStringLiteral("file app steps.pdf live 2009 bytes"),
            QStringLiteral("file app steps.pdf live 2009 bytes"),
        }
            .join(QLatin1Char('\n'));
    QCOMPARE(sandboxState(desk), shared);
    // An edit changes the caption and keeps every file.
    QVERIFY(
        m_engine->store()->editUpdate(posted->id, QStringLiteral("Here is the better fix"), agent.personId));
    QTRY_VERIFY_WITH_TIMEOUT(
        idle() && appRepliesInThread(watcher).first()->text.contains(QStringLiteral("better fix")), 15000);
    QCOMPARE(sandboxState(desk), shared);
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("files.delete")), 0);
    // The delete: files.delete for each of the app's uploads (their messages go with them), the
    // caption's copies by chat.delete.
    QVERIFY(m_engine->store()->deleteUpdate(posted->id, agent.personId));
    QTRY_VERIFY_WITH_TIMEOUT(idle() && filesInThread(requester).isEmpty() && filesInThread(watcher).isEmpty(),
                             20000);
    QTRY_COMPARE_WITH_TIMEOUT(sandboxState(desk),
                              (QStringList{
                                  QStringLiteral("Alex: app top live"),
                                  QStringLiteral("Rita: app file_share deleted files=1"),
                                  QStringLiteral("Rita: app file_share deleted files=1"),
                                  QStringLiteral("Rita: app reply deleted"),
                                  QStringLiteral("Rita: app top live"),
                                  QStringLiteral("Wes: app file_share deleted files=1"),
                                  QStringLiteral("Wes: app file_share deleted files=1"),
                                  QStringLiteral("Wes: app reply deleted"),
                                  QStringLiteral("Wes: app top live"),
                                  QStringLiteral("file app fix.png deleted 0 bytes"),
                                  QStringLiteral("file app fix.png deleted 0 bytes"),
                                  QStringLiteral("file app steps.pdf deleted 0 bytes"),
                                  QStringLiteral("file app steps.pdf deleted 0 bytes"),
                              }
                                   .join(QLatin1Char('\n'))),
                              10000);
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("files.delete"), QStringLiteral("ok")), 4);
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("files.delete")), 4);
    QSqlQuery q(m_engine->store()->database());
    QVERIFY(q.exec(QStringLiteral("SELECT state, COUNT(*) FROM file_shares GROUP BY state")));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("deleted"));
    QCOMPARE(q.value(1).toInt(), 4);
    QVERIFY(!q.next());
}

void TestFilesFlow::slackDeleteOfTheOriginalDeletesTheCopies()
{
    startEngine();
    Desk desk;
    QVERIFY(openRequest(&desk, true));
    const auto &[requester, agent, watcher, rid] = desk;
    QString original;
    QVERIFY(shareAndWaitForCopies(desk, QStringLiteral("s.png"), png(3000), QStringLiteral("look at this"),
                                  &original));
    QCOMPARE(sandboxState(desk), (QStringList{
                                     QStringLiteral("Alex: app file_share live files=1"),
                                     QStringLiteral("Alex: app reply live"),
                                     QStringLiteral("Alex: app top live"),
                                     QStringLiteral("Rita: Rita file_share live files=1"),
                                     QStringLiteral("Rita: app top live"),
                                     QStringLiteral("Wes: app file_share live files=1"),
                                     QStringLiteral("Wes: app reply live"),
                                     QStringLiteral("Wes: app top live"),
                                     QStringLiteral("file Rita s.png live 3000 bytes"),
                                     QStringLiteral("file app s.png live 3000 bytes"),
                                     QStringLiteral("file app s.png live 3000 bytes"),
                                 }
                                      .join(QLatin1Char('\n'))));
    // Rita deletes her message in Slack: the update is deleted on the desk, and with it every copy
    // the app made (the files and the caption). Her own file is hers: the app does not touch it.
    QVERIFY(m_sandbox->workspace().deleteAsUser(requester.slackId, original).ok);
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->store()->timeline(rid).value().updates.isEmpty() ||
                                 m_engine->store()->timeline(rid).value().updates.first().isDeleted(),
                             15000);
    QTRY_VERIFY_WITH_TIMEOUT(idle() && filesInThread(agent).isEmpty() && filesInThread(watcher).isEmpty(),
                             20000);
    QTRY_COMPARE_WITH_TIMEOUT(sandboxState(desk),
                              (QStringList{
                                  QStringLiteral("Alex: app file_share deleted files=1"),
                                  QStringLiteral("Alex: app reply deleted"),
                                  QStringLiteral("Alex: app top live"),
                                  QStringLiteral("Rita: Rita file_share deleted files=1"),
                                  QStringLiteral("Rita: app top live"),
                                  QStringLiteral("Wes: app file_share deleted files=1"),
                                  QStringLiteral("Wes: app reply deleted"),
                                  QStringLiteral("Wes: app top live"),
                                  QStringLiteral("file Rita s.png live 3000 bytes"),
                                  QStringLiteral("file app s.png deleted 0 bytes"),
                                  QStringLiteral("file app s.png deleted 0 bytes"),
                              }
                                   .join(QLatin1Char('\n'))),
                              10000);
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("files.delete")), 2);
    QCOMPARE(
        m_sandbox->workspace().callCount(QStringLiteral("files.delete"), QStringLiteral("cant_delete_file")),
        0);
}

void TestFilesFlow::laterFollowerGetsEarlierFilesInCatchUpOnce()
{
    startEngine([](EngineOptions &o) { o.catchUpLimit = 3; });
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const Member late = addMember(QStringLiteral("Lou"));
    const qint64 rid = createRequest(requester, {}, agent);
    QTRY_VERIFY_WITH_TIMEOUT(idle() && !summaryTs(requester).isEmpty(), 15000);
    // Desk order: u1 (a.png, beyond the catch-up cap of 3), u2 (text), u3 (b.png, c.pdf), u4 (d.png);
    // Rita's own update u5 with e.png comes from Slack.
    auto post = [&](const QString &text, const QList<QPair<QString, QByteArray>> &files) {
        NewUpdate n;
        n.requestId = rid;
        n.authorId = agent.personId;
        n.text = text;
        for (const auto &[name, bytes] : files) {
            QBuffer b;
            b.setData(bytes);
            b.open(QIODevice::ReadOnly);
            auto stored = m_engine->storeAttachment(b, name, {});
            if (!stored)
                qFatal("storeAttachment failed");
            n.attachments << stored.value();
        }
        auto posted = m_engine->store()->postUpdate(n);
        if (!posted)
            qFatal("postUpdate failed");
    };
    const QByteArray a = png(1100), b = png(1200), d = png(1400), e = png(1500);
    const QByteArray c = QByteArray("%PDF-1.4\n") + QByteArray(1300, 'c');
    post(QStringLiteral("u1 first file"), {{QStringLiteral("a.png"), a}});
    post(QStringLiteral("u2 just words"), {});
    post(QStringLiteral("u3 two files"), {{QStringLiteral("b.png"), b}, {QStringLiteral("c.pdf"), c}});
    post(QStringLiteral("u4 one more"), {{QStringLiteral("d.png"), d}});
    shareFile(requester, QStringLiteral("e.png"), e, QStringLiteral("image/png"),
              QStringLiteral("u5 from Rita"));
    QTRY_VERIFY_WITH_TIMEOUT(
        idle() && filesInThread(agent).size() == 1 && filesInThread(requester).size() == 4, 20000);
    // Lou follows now: the latest 3 updates (u3, u4, u5) with their files, in desk order, each file
    // right after its own caption; u1 and u2 are counted in the note, a.png is not replayed.
    QVERIFY(m_engine->store()->addFollower(rid, late.personId, agent.personId).ok());
    QTRY_VERIFY_WITH_TIMEOUT(idle() && filesInThread(late).size() == 4, 20000);
    auto thread = [&] {
        QStringList out;
        for (const SandboxMessage *r : appRepliesInThread(late)) {
            if (r->subtype == QLatin1String("file_share")) {
                for (const QString &id : r->fileIds)
                    out << QStringLiteral("file ") + m_sandbox->workspace().file(id)->name;
            } else {
                out << r->text.left(300);
            }
        }
        return out;
    };
    const QStringList seen = thread();
    QCOMPARE(seen.size(), 8);
    QVERIFY2(seen.at(0).contains(QStringLiteral("2 earlier updates")),
             qPrintable(seen.join(QLatin1Char('|'))));
    QVERIFY2(seen.at(1).contains(QStringLiteral("u3 two files")), qPrintable(seen.join(QLatin1Char('|'))));
    QCOMPARE(seen.at(2), QStringLiteral("file b.png"));
    QCOMPARE(seen.at(3), QStringLiteral("file c.pdf"));
    QVERIFY2(seen.at(4).contains(QStringLiteral("u4 one more")), qPrintable(seen.join(QLatin1Char('|'))));
    QCOMPARE(seen.at(5), QStringLiteral("file d.png"));
    QVERIFY2(seen.at(6).contains(QStringLiteral("u5 from Rita")), qPrintable(seen.join(QLatin1Char('|'))));
    QCOMPARE(seen.at(7), QStringLiteral("file e.png"));
    QCOMPARE(filesInThread(late), (QList<QByteArray>{b, c, d, e}));
    // Nobody else received anything twice.
    QCOMPARE(filesInThread(requester).size(), 4);
    QCOMPARE(filesInThread(agent).size(), 1);
    // Once: a restart and a second planning pass change nothing.
    m_engine.reset();
    startEngine([](EngineOptions &o) { o.catchUpLimit = 3; });
    QTest::qWait(500);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    QCOMPARE(thread(), seen);
    QSqlQuery q(m_engine->store()->database());
    QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM file_shares fs JOIN conversations c ON c.id = "
                                  "fs.conversation_id WHERE c.person_id = %1 AND fs.state = 'posted'")
                       .arg(late.personId)));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toInt(), 4);
}

void TestFilesFlow::threadStateShowsEveryFileInEveryThread()
{
    startEngine([](EngineOptions &o) {
        o.maxAttempts = 2;
        o.retryBaseMs = 1000; // the copy stays pending at least half a second between its attempts
        o.retryMaxMs = 2000;
    });
    Desk desk;
    QVERIFY(openRequest(&desk, true));
    const auto &[requester, agent, watcher, rid] = desk;
    // The files of a thread, as "name state" lines (+ the reason when there is one).
    auto files = [&](const Member &m) {
        QStringList out;
        auto t = m_engine->requestThreads(rid);
        if (!t)
            return QStringList{t.error().toString()};
        for (const sync::ThreadState &thread : t.value().threads)
            if (thread.personId == m.personId)
                for (const files::ThreadFileState &f : thread.files)
                    out << (f.name + QLatin1Char(' ') + f.state +
                            (f.lastError.isEmpty() ? QString()
                                                   : QStringLiteral(" (") + f.lastError + QLatin1Char(')')));
        return out;
    };
    auto copyOf = [&](const Member &m, const QString &name) {
        const auto t = m_engine->requestThreads(rid);
        if (!t)
            return files::ThreadFileState{};
        for (const sync::ThreadState &thread : t.value().threads)
            if (thread.personId == m.personId)
                for (const files::ThreadFileState &f : thread.files)
                    if (f.name == name)
                        return f;
        return files::ThreadFileState{};
    };
    // From Slack: a PNG that travels and an HTML page posing as a PNG that is refused.
    shareFile(requester, QStringLiteral("ok.png"), png(900), QStringLiteral("image/png"),
              QStringLiteral("ok"));
    shareFile(requester, QStringLiteral("bad.png"), "<!doctype html><html><body>sign in</body></html>",
              QStringLiteral("image/png"), QStringLiteral("bad"));
    QTRY_VERIFY_WITH_TIMEOUT(idle() && filesInThread(agent).size() == 1 && filesInThread(watcher).size() == 1,
                             20000);
    QCOMPARE(files(requester),
             (QStringList{QStringLiteral("ok.png original"), QStringLiteral("bad.png original")}));
    for (const Member &m : {agent, watcher}) {
        const QStringList seen = files(m);
        QCOMPARE(seen.size(), 2);
        QCOMPARE(seen.at(0), QStringLiteral("ok.png shared"));
        QVERIFY2(seen.at(1).startsWith(QStringLiteral("bad.png refused (")), qPrintable(seen.at(1)));
        const files::ThreadFileState ok = copyOf(m, QStringLiteral("ok.png"));
        QVERIFY(!ok.ts.isEmpty());
        QVERIFY(!ok.slackFileId.isEmpty());
        const auto *message = m_sandbox->workspace().message(m_sandbox->workspace().dmOf(m.slackId), ok.ts);
        QVERIFY(message);
        QCOMPARE(message->fileIds, QStringList{ok.slackFileId});
    }
    // From the desk while Slack answers 500: pending, then failed with the reason; a retry shares it.
    m_sandbox->workspace().faults().serverErrorRate = 1.0;
    QBuffer source;
    source.setData(png(1000));
    source.open(QIODevice::ReadOnly);
    auto stored = m_engine->storeAttachment(source, QStringLiteral("fix.png"), QStringLiteral("image/png"));
    QVERIFY(stored);
    NewUpdate n;
    n.requestId = rid;
    n.authorId = agent.personId;
    n.text = QStringLiteral("fixed");
    n.attachments = {stored.value()};
    auto posted = m_engine->store()->postUpdate(n);
    QVERIFY(posted);
    QTRY_COMPARE_WITH_TIMEOUT(copyOf(watcher, QStringLiteral("fix.png")).state, QStringLiteral("pending"),
                              10000);
    QTRY_COMPARE_WITH_TIMEOUT(copyOf(watcher, QStringLiteral("fix.png")).state, QStringLiteral("failed"),
                              30000);
    QTRY_COMPARE_WITH_TIMEOUT(copyOf(requester, QStringLiteral("fix.png")).state, QStringLiteral("failed"),
                              30000);
    QVERIFY2(copyOf(watcher, QStringLiteral("fix.png")).lastError.contains(QStringLiteral("HTTP 5")),
             qPrintable(copyOf(watcher, QStringLiteral("fix.png")).lastError));
    QVERIFY(copyOf(agent, QStringLiteral("fix.png")).name.isEmpty()); // the poster's thread has no copy
    m_sandbox->workspace().faults().serverErrorRate = 0;
    QVERIFY(m_engine->retryUpdate(posted->id));
    QTRY_COMPARE_WITH_TIMEOUT(copyOf(watcher, QStringLiteral("fix.png")).state, QStringLiteral("shared"),
                              30000);
    QTRY_COMPARE_WITH_TIMEOUT(copyOf(requester, QStringLiteral("fix.png")).state, QStringLiteral("shared"),
                              30000);
    QVERIFY(copyOf(watcher, QStringLiteral("fix.png")).lastError.isEmpty());
    // Deleted with the update.
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    QVERIFY(m_engine->store()->deleteUpdate(posted->id, agent.personId));
    QTRY_COMPARE_WITH_TIMEOUT(copyOf(watcher, QStringLiteral("fix.png")).state, QStringLiteral("deleted"),
                              20000);
    QTRY_COMPARE_WITH_TIMEOUT(copyOf(requester, QStringLiteral("fix.png")).state, QStringLiteral("deleted"),
                              20000);
    QCOMPARE(files(watcher).size(), 3);
}

void TestFilesFlow::failedTransferIsVisibleAndRetried()
{
    RecordingServer host;
    host.route("/files-pri/", {503, "text/plain", "busy", {}});
    startEngine([&host](EngineOptions &o) {
        o.maxAttempts = 2;
        o.files.downloadHosts << QString::fromLatin1(host.origin());
    });
    m_sandbox->workspace().setFileBaseUrl(QUrl(QString::fromLatin1(host.origin() + "/")));
    Desk desk;
    QVERIFY(openRequest(&desk, false));
    const auto &[requester, agent, watcher, rid] = desk;
    const QByteArray image = png(800);
    const QString ts = shareFile(requester, QStringLiteral("a.png"), image, QStringLiteral("image/png"),
                                 QStringLiteral("retry me"));
    QTRY_VERIFY_WITH_TIMEOUT(
        !attachments(rid).isEmpty() && attachments(rid).first().state == QLatin1String("failed"), 20000);
    QVERIFY(attachments(rid).first().lastError.contains(QStringLiteral("503")));
    QVERIFY(m_engine->queueStats().failed >= 1);
    // The host recovers; a retry from the desk completes the transfer.
    host.route(QByteArray("/files-pri/"), {200, "image/png", image, {}});
    m_sandbox->workspace().setFileBaseUrl(QUrl());
    const qint64 updateId = m_engine->store()->timeline(rid).value().updates.first().id;
    auto retried = m_engine->retryUpdate(updateId);
    QVERIFY(retried);
    QCOMPARE(retried.value(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(attachments(rid).first().state, QStringLiteral("stored"), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(filesInThread(agent).size(), 1, 20000);
    Q_UNUSED(ts)
}

namespace {
QStringList g_logged; // every message while installed (any thread), under g_loggedLock
QMutex g_loggedLock;
QtMessageHandler g_previousHandler = nullptr;
void captureMessages(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_loggedLock);
        g_logged << message;
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}
int filesUnder(const QString &dir)
{
    int n = 0;
    for (QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories); it.hasNext(); it.next())
        ++n;
    return n;
}
} // namespace

// The attachment disk is full while an inbound file downloads (the store's write-budget seam: the
// bytes that fit are written, then "No space left on device", as a full disk does). The attachment
// shows `failed` with the reason at once, a warning names the attachment and the reason (no token),
// no partial file is left; once there is space the automatic retry stores it; a second file whose
// job ran out of attempts is stored by the explicit retry (Engine::retryUpdate).
void TestFilesFlow::diskFullDownloadFailsVisiblyThenRetriesSucceed()
{
    auto budget = std::make_shared<std::atomic<qint64>>(64 * 1024);
    startEngine([budget](EngineOptions &o) {
        o.maxAttempts = 4;
        o.retryBaseMs = 300;
        o.retryMaxMs = 1000;
        o.files.writeBudget = budget;
    });
    Desk desk;
    QVERIFY(openRequest(&desk, false));
    const auto &[requester, agent, watcher, rid] = desk;
    const QString filesDir = m_dir->filePath(QStringLiteral("files"));
    g_logged.clear();
    g_previousHandler = qInstallMessageHandler(captureMessages);
    auto restore = qScopeGuard([] { qInstallMessageHandler(g_previousHandler); });

    const QByteArray first = png(600 * 1024);
    shareFile(requester, QStringLiteral("big.png"), first, QStringLiteral("image/png"),
              QStringLiteral("full disk"));
    QTRY_VERIFY_WITH_TIMEOUT(
        !attachments(rid).isEmpty() && attachments(rid).first().state == QLatin1String("failed"), 20000);
    const Attachment failed = attachments(rid).first();
    QVERIFY2(failed.lastError.contains(QStringLiteral("No space left on device")),
             qPrintable(failed.lastError));
    QVERIFY2(failed.lastError.contains(QStringLiteral("could not be written to disk")),
             qPrintable(failed.lastError));
    QCOMPARE(filesUnder(filesDir + QStringLiteral("/sha256")), 0); // nothing half-written
    QTRY_COMPARE_WITH_TIMEOUT(filesUnder(filesDir + QStringLiteral("/tmp")), 0, 5000);
    QVERIFY(filesInThread(agent).isEmpty());
    const QString token = m_sandbox->workspace().options().botToken;
    bool warned = false;
    QMutexLocker lock(&g_loggedLock);
    const QStringList logged = g_logged;
    lock.unlock();
    for (const QString &line : logged) {
        QVERIFY2(!line.contains(token), qPrintable(line));
        if (line.contains(QStringLiteral("attachment %1 could not be stored").arg(failed.id)) &&
            line.contains(QStringLiteral("No space left on device")))
            warned = true;
    }
    QVERIFY2(warned, qPrintable(logged.join(QLatin1Char('\n'))));
    // Space comes back while the job is still retrying: the next automatic attempt stores it.
    const int downloadsBefore = m_sandbox->workspace().callCount(QStringLiteral("url_private"));
    budget->store(-1);
    QTRY_COMPARE_WITH_TIMEOUT(attachments(rid).first().state, QStringLiteral("stored"), 20000);
    QVERIFY(m_sandbox->workspace().callCount(QStringLiteral("url_private")) > downloadsBefore);
    QVERIFY(attachments(rid).first().lastError.isEmpty());
    QCOMPARE(attachments(rid).first().sha256, sha(first));
    QTRY_COMPARE_WITH_TIMEOUT(filesInThread(agent), QList<QByteArray>{first}, 20000);

    // The disk fills up again and stays full until the job gives up; the explicit retry then works.
    budget->store(0);
    const QByteArray second = png(200 * 1024 + 7);
    shareFile(requester, QStringLiteral("second.png"), second, QStringLiteral("image/png"),
              QStringLiteral("again"));
    auto secondAttachment = [&] {
        for (const Attachment &a : attachments(rid))
            if (a.name == QLatin1String("second.png"))
                return a;
        return Attachment{};
    };
    QTRY_COMPARE_WITH_TIMEOUT(secondAttachment().state, QStringLiteral("failed"), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->queueStats().failed >= 1, 30000); // attempts used up
    QCOMPARE(secondAttachment().state, QStringLiteral("failed"));
    QVERIFY(secondAttachment().lastError.contains(QStringLiteral("No space left on device")));
    QCOMPARE(filesUnder(filesDir + QStringLiteral("/tmp")), 0);
    budget->store(-1);
    qint64 secondUpdate = 0;
    const auto timeline = m_engine->store()->timeline(rid);
    QVERIFY(timeline);
    for (const Update &u : timeline.value().updates)
        if (u.text.contains(QStringLiteral("again")))
            secondUpdate = u.id;
    auto retried = m_engine->retryUpdate(secondUpdate);
    QVERIFY(retried);
    QCOMPARE(retried.value(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(secondAttachment().state, QStringLiteral("stored"), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(filesInThread(agent), (QList<QByteArray>{first, second}), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 10000);
    QCOMPARE(filesUnder(filesDir + QStringLiteral("/tmp")), 0);
    QCOMPARE(filesUnder(filesDir + QStringLiteral("/sha256")), 2);
}

void TestFilesFlow::killedMidTransferCompletesOnceAfterRestart()
{
    // The engine runs in a worker process that is SIGKILLed while the file is downloaded and while
    // it is shared (the Web API answers late, so a kill often lands after Slack shared the file but
    // before the engine recorded it); restarted, it completes: one copy in every other thread.
    Store desk;
    QVERIFY(desk.open(m_url));
    auto member = [&](const QString &name) {
        auto user = m_sandbox->workspace().addUser(name, name.toLower() + QStringLiteral("@example.com"));
        return Member{desk.upsertPerson({user.id, name, user.email, false}).value().id, user.id};
    };
    const Member requester = member(QStringLiteral("Rita"));
    const Member agent = member(QStringLiteral("Alex"));
    const Member watcher = member(QStringLiteral("Wes"));
    NewRequest n;
    n.title = QStringLiteral("Crash");
    n.body = QStringLiteral("dump attached");
    n.requesterId = requester.personId;
    n.assigneeId = agent.personId;
    n.followerIds = {watcher.personId};
    QVERIFY(desk.createRequest(n));
    const QString filesDir = m_dir->filePath(QStringLiteral("files"));
    const QStringList args = {m_url, m_sandbox->apiUrl().toString(), filesDir,
                              QStringLiteral("http://127.0.0.1:%1").arg(m_sandbox->apiUrl().port())};
    auto worker = std::make_unique<QProcess>();
    worker->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    auto startWorker = [&] {
        worker = std::make_unique<QProcess>();
        worker->start(QStringLiteral(THREADLINE_FILES_WORKER), args);
        QVERIFY(worker->waitForStarted(10000));
    };
    auto killWorker = [&] {
        worker->kill(); // SIGKILL
        QVERIFY(worker->waitForFinished(10000));
    };
    auto count = [&](const QString &sql) {
        auto r = desk.scalar(sql);
        return r && r.value() ? r.value()->toLongLong() : -1;
    };
    startWorker();
    QTRY_COMPARE_WITH_TIMEOUT(
        count(QStringLiteral("SELECT COUNT(*) FROM conversations WHERE summary_ts IS NOT NULL")), 3LL, 20000);
    m_sandbox->workspace().faults().latencyMs = 150;
    QByteArray big(12 * 1024 * 1024, Qt::Uninitialized);
    for (int i = 0; i < big.size(); ++i)
        big[i] = char((i * 2654435761u) >> 24);
    shareFile(requester, QStringLiteral("core.bin"), big, QStringLiteral("application/octet-stream"),
              QStringLiteral("core dump"));
    // Kill 1: while the file is being fetched (or just after).
    QTRY_VERIFY_WITH_TIMEOUT(count(QStringLiteral("SELECT COUNT(*) FROM attachments")) == 1, 20000);
    QTest::qWait(QRandomGenerator::global()->bounded(30, 150));
    killWorker();
    int kills = 1;
    // Kills 2…: each time a share has its Slack file id but is not recorded as posted yet.
    for (int round = 0; round < 6; ++round) {
        startWorker();
        const bool midShare = QTest::qWaitFor(
            [&] {
                return count(QStringLiteral(
                           "SELECT COUNT(*) FROM file_shares WHERE slack_file_id IS NOT NULL AND "
                           "state = 'pending'")) > 0 ||
                       count(QStringLiteral("SELECT COUNT(*) FROM file_shares WHERE state = 'posted'")) == 2;
            },
            20000);
        QVERIFY(midShare);
        if (count(QStringLiteral("SELECT COUNT(*) FROM file_shares WHERE state = 'posted'")) == 2)
            break;
        QTest::qWait(QRandomGenerator::global()->bounded(0, 200));
        killWorker();
        ++kills;
    }
    if (worker->state() == QProcess::NotRunning)
        startWorker();
    QTRY_COMPARE_WITH_TIMEOUT(
        count(QStringLiteral("SELECT COUNT(*) FROM file_shares WHERE state = 'posted'")), 2LL, 60000);
    QTest::qWait(500); // anything left over would be sent now
    killWorker();
    qInfo() << "worker killed" << kills << "times";
    QVERIFY(kills >= 2);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM attachments WHERE state = 'stored'")), 1LL);
    for (const Member &m : {agent, watcher}) {
        const auto got = filesInThread(m);
        QCOMPARE(got.size(), 1); // exactly once
        QCOMPARE(got.first(), big);
    }
    QVERIFY(filesInThread(requester).isEmpty());
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM updates")), 1LL);
}

QTEST_GUILESS_MAIN(TestFilesFlow)
#include "tst_files_flow.moc"
