// One job per Web API method over real loopback HTTP against FakeSlackServer, the job contract
// (finished exactly once, succeeded/failed at most once, start() only schedules), error mapping on
// the wire, streamed uploads/downloads, and the authentication state.
#include "fakeslackserver.h"

#include "slack/authtestjob.h"
#include "slack/completeuploadjob.h"
#include "slack/connectionsopenjob.h"
#include "slack/conversationshistoryjob.h"
#include "slack/conversationsopenjob.h"
#include "slack/conversationsrepliesjob.h"
#include "slack/deletemessagejob.h"
#include "slack/downloadfilejob.h"
#include "slack/filesinfojob.h"
#include "slack/getuploadurljob.h"
#include "slack/postmessagejob.h"
#include "slack/slackclient.h"
#include "slack/updatemessagejob.h"
#include "slack/uploadfilejob.h"
#include "slack/usersinfojob.h"
#include "slack/userslistjob.h"
#include "slack/userslookupbyemailjob.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryFile>
#include <QTest>

using namespace threadline;
using namespace threadline::slack;
using threadline::test::FakeSlackServer;

namespace {

const QString BotToken = QStringLiteral("xoxb-test-secret-bot-token");
const QString AppToken = QStringLiteral("xapp-test-secret-app-token");

QStringList s_log;
QStringList s_contractViolations; //!< jobs that broke "finished once, succeeded xor failed"

QtMessageHandler s_previousHandler = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    s_log.append(message);
    if (type != QtDebugMsg && s_previousHandler)
        s_previousHandler(type, context, message);
}

struct Outcome
{
    int finished = 0;
    int succeeded = 0;
    int failed = 0;
    Error error;
    SlackErrorAction action = SlackErrorAction::GiveUp;
};

//! Runs \a job to completion and counts its signals (waiting a little more for duplicates).
Outcome run(SlackJob *job, int timeoutMs = 5000)
{
    Outcome outcome;
    job->setAutoDelete(false);
    QObject::connect(job, &SlackJob::finished, job, [&outcome](SlackJob *) { ++outcome.finished; });
    QObject::connect(job, &SlackJob::succeeded, job, [&outcome](SlackJob *) { ++outcome.succeeded; });
    QObject::connect(job, &SlackJob::failed, job, [&outcome](SlackJob *, const Error &e, SlackErrorAction a) {
        ++outcome.failed;
        outcome.error = e;
        outcome.action = a;
    });
    job->start();
    if (!QTest::qWaitFor([&outcome] { return outcome.finished > 0; }, timeoutMs))
        qWarning("job did not finish in time");
    QTest::qWait(20);
    if (outcome.finished != 1 || outcome.succeeded + outcome.failed != 1)
        s_contractViolations.append(job->method());
    return outcome;
}

} // namespace

class TestSlackJobs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void authTest();
    void usersInfo();
    void usersInfoHostileResponses_data();
    void usersInfoHostileResponses();
    void usersList();
    void usersLookupByEmail();
    void conversationsOpen();
    void postMessage();
    void updateMessage();
    void deleteMessage();
    void conversationsReplies();
    void conversationsHistory();
    void filesInfo();
    void uploadFlowStreamsFromDevice();
    void downloadStreamsToDevice();
    void downloadRejectsLoginPageAndOversize();
    void connectionsOpenUsesAppToken();

    void slackErrorsMapToActions_data();
    void slackErrorsMapToActions();
    void transferTimeoutIsRetry();
    void unreachableServerIsRetry();

    void emitAtMostOnce();
    void startOnlySchedules();
    void autoDeleteAfterFinish();
    void destroyedWhileRunningEmitsNothing();

    void clientAuthenticates();
    void clientBadTokenNeedsReauthorization();
    void clientRetriesTransientFailures();

    void tokensNeverLogged();

private:
    SlackEndpoint bot() const { return {m_server->apiUrl(), BotToken}; }

    QNetworkAccessManager *m_nam = nullptr;
    FakeSlackServer *m_server = nullptr;
};

void TestSlackJobs::initTestCase()
{
    s_previousHandler = qInstallMessageHandler(captureLog);
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.*=true"));
    m_nam = new QNetworkAccessManager(this);
}

void TestSlackJobs::init()
{
    delete m_server;
    m_server = new FakeSlackServer(this);
    QVERIFY(m_server->listen());
}

void TestSlackJobs::cleanup()
{
    // Every job run by every test: finished exactly once, and exactly one of succeeded/failed.
    QVERIFY2(s_contractViolations.isEmpty(), qPrintable(s_contractViolations.join(QLatin1Char(','))));
}

void TestSlackJobs::cleanupTestCase()
{
    qInstallMessageHandler(s_previousHandler);
}

void TestSlackJobs::authTest()
{
    m_server->setResponse(
        QStringLiteral("auth.test"),
        FakeSlackServer::ok({{QStringLiteral("url"), QStringLiteral("https://x.slack.com/")},
                             {QStringLiteral("team"), QStringLiteral("X")},
                             {QStringLiteral("user"), QStringLiteral("threadline")},
                             {QStringLiteral("team_id"), QStringLiteral("T1")},
                             {QStringLiteral("user_id"), QStringLiteral("UBOT")},
                             {QStringLiteral("bot_id"), QStringLiteral("B1")},
                             {QStringLiteral("app_id"), QStringLiteral("A1")}}));
    auto *job = new AuthTestJob(m_nam, bot(), this);
    const Outcome o = run(job);
    QCOMPARE(o.finished, 1);
    QCOMPARE(o.succeeded, 1);
    QCOMPARE(o.failed, 0);
    QCOMPARE(job->identity().userId, QStringLiteral("UBOT"));
    QCOMPARE(job->identity().botId, QStringLiteral("B1"));
    QCOMPARE(job->identity().appId, QStringLiteral("A1"));
    QCOMPARE(job->identity().teamId, QStringLiteral("T1"));
    const auto request = m_server->last(QStringLiteral("auth.test"));
    QCOMPARE(request.authorization, QByteArray("Bearer ") + BotToken.toUtf8());
    QVERIFY(request.contentType.startsWith("application/x-www-form-urlencoded"));
    QVERIFY(!request.body.contains("xoxb")); // the token is never a form field
    delete job;
}

void TestSlackJobs::usersInfo()
{
    m_server->setResponse(
        QStringLiteral("users.info"),
        FakeSlackServer::ok(
            {{QStringLiteral("user"),
              QJsonObject{{QStringLiteral("id"), QStringLiteral("U1")},
                          {QStringLiteral("name"), QStringLiteral("ada")},
                          {QStringLiteral("profile"),
                           QJsonObject{{QStringLiteral("display_name"), QStringLiteral("Ada")},
                                       {QStringLiteral("email"), QStringLiteral("ada@x")}}}}}}));
    auto *job = new UsersInfoJob(m_nam, bot(), QStringLiteral("U1"), this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->user().id, QStringLiteral("U1"));
    QCOMPARE(job->user().bestName(), QStringLiteral("Ada"));
    QCOMPARE(job->user().email, QStringLiteral("ada@x"));
    QCOMPARE(m_server->last(QStringLiteral("users.info")).form.queryItemValue(QStringLiteral("user")),
             QStringLiteral("U1"));
    delete job;
}

void TestSlackJobs::usersInfoHostileResponses_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("succeeds");
    QTest::addColumn<QString>("detail");   // of the failure
    QTest::addColumn<QString>("bestName"); // on success
    QTest::newRow("no user") << QByteArray(R"({"ok":true})") << false << QStringLiteral("invalid_response")
                             << QString();
    QTest::newRow("user is a string") << QByteArray(R"({"ok":true,"user":"U1"})") << false
                                      << QStringLiteral("invalid_response") << QString();
    QTest::newRow("user is an array") << QByteArray(R"({"ok":true,"user":[{"id":"U1"}]})") << false
                                      << QStringLiteral("invalid_response") << QString();
    QTest::newRow("id is a number") << QByteArray(R"({"ok":true,"user":{"id":42,"name":"x"}})") << false
                                    << QStringLiteral("invalid_response") << QString();
    QTest::newRow("not json") << QByteArray("<html>502</html>") << false << QString() << QString();
    QTest::newRow("truncated json") << QByteArray(R"({"ok":true,"user":{"id":"U1")") << false << QString()
                                    << QString();
    QTest::newRow("user_not_found") << QByteArray(R"({"ok":false,"error":"user_not_found"})") << false
                                    << QStringLiteral("user_not_found") << QString();
    QTest::newRow("ok is missing") << QByteArray(R"({"user":{"id":"U1","name":"x"}})") << false << QString()
                                   << QString();
    QTest::newRow("wrong field types")
        << QByteArray(R"({"ok":true,"user":{"id":"U1","name":["a"],"profile":"p",
                                                     "real_name":{"x":1}}})")
        << true << QString() << QStringLiteral("U1");
    QTest::newRow("huge display name")
        << (QByteArray(R"({"ok":true,"user":{"id":"U1","profile":{"display_name":")") +
            QByteArray(200000, 'a') + QByteArray(R"("}}})"))
        << true << QString() << QString(200000, QLatin1Char('a'));
    QTest::newRow("markup in the name")
        << QByteArray(R"({"ok":true,"user":{"id":"U1","profile":{"display_name":"<!channel> & Co"}}})")
        << true << QString() << QStringLiteral("<!channel> & Co");
}

// users.info answers that are not what Slack documents end the job with a clear error (or, for
// odd but usable fields, a usable user); nothing crashes and nothing is silently taken as a name
// (the sync side cleans and checks the name, tests/sync).
void TestSlackJobs::usersInfoHostileResponses()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, succeeds);
    QFETCH(QString, detail);
    QFETCH(QString, bestName);
    m_server->setResponse(QStringLiteral("users.info"), FakeSlackServer::Response{200, body, {}, false});
    auto *job = new UsersInfoJob(m_nam, bot(), QStringLiteral("U1"), this);
    const auto outcome = run(job);
    QCOMPARE(outcome.finished, 1);
    QCOMPARE(outcome.succeeded, succeeds ? 1 : 0);
    if (succeeds) {
        QCOMPARE(job->user().id, QStringLiteral("U1"));
        QCOMPARE(job->user().bestName(), bestName);
    } else {
        QVERIFY(!outcome.error.message.isEmpty());
        if (!detail.isEmpty())
            QCOMPARE(outcome.error.detail, detail);
    }
    delete job;
}

void TestSlackJobs::usersList()
{
    m_server->setResponse(
        QStringLiteral("users.list"),
        FakeSlackServer::ok({{QStringLiteral("members"),
                              QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("U1")}},
                                         QJsonObject{{QStringLiteral("id"), QStringLiteral("U2")}}}},
                             {QStringLiteral("response_metadata"),
                              QJsonObject{{QStringLiteral("next_cursor"), QStringLiteral("c2")}}}}));
    auto *job = new UsersListJob(m_nam, bot(), QStringLiteral("c1"), 2, this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->users().size(), 2);
    QCOMPARE(job->nextCursor(), QStringLiteral("c2"));
    const auto form = m_server->last(QStringLiteral("users.list")).form;
    QCOMPARE(form.queryItemValue(QStringLiteral("cursor")), QStringLiteral("c1"));
    QCOMPARE(form.queryItemValue(QStringLiteral("limit")), QStringLiteral("2"));
    delete job;
}

void TestSlackJobs::usersLookupByEmail()
{
    m_server->setResponse(QStringLiteral("users.lookupByEmail"),
                          FakeSlackServer::ok({{QStringLiteral("user"),
                                                QJsonObject{{QStringLiteral("id"), QStringLiteral("U7")}}}}));
    auto *job = new UsersLookupByEmailJob(m_nam, bot(), QStringLiteral("a+b@x.example"), this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->user().id, QStringLiteral("U7"));
    QCOMPARE(m_server->last(QStringLiteral("users.lookupByEmail"))
                 .form.queryItemValue(QStringLiteral("email"), QUrl::FullyDecoded),
             QStringLiteral("a+b@x.example"));
    delete job;
}

void TestSlackJobs::conversationsOpen()
{
    m_server->setResponse(
        QStringLiteral("conversations.open"),
        FakeSlackServer::ok(
            {{QStringLiteral("channel"), QJsonObject{{QStringLiteral("id"), QStringLiteral("D069C7QFK")}}}}));
    auto *job = new ConversationsOpenJob(m_nam, bot(), QStringLiteral("U1"), this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->channelId(), QStringLiteral("D069C7QFK"));
    QCOMPARE(
        m_server->last(QStringLiteral("conversations.open")).form.queryItemValue(QStringLiteral("users")),
        QStringLiteral("U1"));
    delete job;
}

void TestSlackJobs::postMessage()
{
    m_server->setResponse(
        QStringLiteral("chat.postMessage"),
        FakeSlackServer::ok(
            {{QStringLiteral("channel"), QStringLiteral("D1")},
             {QStringLiteral("ts"), QStringLiteral("1503435956.000247")},
             {QStringLiteral("message"),
              QJsonObject{{QStringLiteral("ts"), QStringLiteral("1503435956.000247")},
                          {QStringLiteral("bot_id"), QStringLiteral("B1")},
                          {QStringLiteral("thread_ts"), QStringLiteral("1503435900.000100")}}}}));
    PostMessageArgs args;
    args.channel = QStringLiteral("D1");
    args.text = QStringLiteral("a & b = 100% \"done\"");
    args.threadTs = QStringLiteral("1503435900.000100");
    args.blocks = QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("section")}}};
    args.metadata = QJsonObject{
        {QStringLiteral("event_type"), QStringLiteral("threadline_update")},
        {QStringLiteral("event_payload"), QJsonObject{{QStringLiteral("update"), QStringLiteral("42")}}}};
    auto *job = new PostMessageJob(m_nam, bot(), args, this);
    QCOMPARE(job->channel(), QStringLiteral("D1"));
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->ts(), QStringLiteral("1503435956.000247"));
    QCOMPARE(job->message().threadTs, QStringLiteral("1503435900.000100"));
    const QUrlQuery form = m_server->last(QStringLiteral("chat.postMessage")).form;
    const auto value = [&form](const char *key) {
        return form.queryItemValue(QString::fromLatin1(key), QUrl::FullyDecoded);
    };
    QCOMPARE(value("channel"), QStringLiteral("D1"));
    QCOMPARE(value("text"), args.text);
    QCOMPARE(value("thread_ts"), args.threadTs);
    QCOMPARE(value("unfurl_links"), QStringLiteral("false"));
    QCOMPARE(value("unfurl_media"), QStringLiteral("false"));
    QCOMPARE(QJsonDocument::fromJson(value("blocks").toUtf8()).array(), args.blocks);
    QCOMPARE(QJsonDocument::fromJson(value("metadata").toUtf8()).object(), *args.metadata);
    delete job;
}

void TestSlackJobs::updateMessage()
{
    m_server->setResponse(QStringLiteral("chat.update"),
                          FakeSlackServer::ok({{QStringLiteral("channel"), QStringLiteral("D1")},
                                               {QStringLiteral("ts"), QStringLiteral("1.000001")},
                                               {QStringLiteral("text"), QStringLiteral("new")}}));
    UpdateMessageArgs args{QStringLiteral("D1"), QStringLiteral("1.000001"), QStringLiteral("new"),
                           std::nullopt, std::nullopt};
    auto *job = new UpdateMessageJob(m_nam, bot(), args, this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->ts(), QStringLiteral("1.000001"));
    const QUrlQuery form = m_server->last(QStringLiteral("chat.update")).form;
    QVERIFY(!form.hasQueryItem(QStringLiteral("blocks")));   // omitted, not "[]"
    QVERIFY(!form.hasQueryItem(QStringLiteral("metadata"))); // omitted keeps the old metadata
    QCOMPARE(form.queryItemValue(QStringLiteral("ts")), QStringLiteral("1.000001"));
    delete job;
}

void TestSlackJobs::deleteMessage()
{
    m_server->queueResponse(QStringLiteral("chat.delete"),
                            FakeSlackServer::slackError(QStringLiteral("cant_delete_message")));
    auto *job = new DeleteMessageJob(m_nam, bot(), QStringLiteral("D1"), QStringLiteral("2.000002"), this);
    const Outcome o = run(job);
    QCOMPARE(o.failed, 1);
    QCOMPARE(o.action, SlackErrorAction::GiveUp);
    QCOMPARE(o.error.detail, QStringLiteral("cant_delete_message"));
    delete job;
    m_server->setResponse(QStringLiteral("chat.delete"),
                          FakeSlackServer::ok({{QStringLiteral("channel"), QStringLiteral("D1")},
                                               {QStringLiteral("ts"), QStringLiteral("2.000002")}}));
    job = new DeleteMessageJob(m_nam, bot(), QStringLiteral("D1"), QStringLiteral("2.000002"), this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->ts(), QStringLiteral("2.000002"));
    delete job;
}

void TestSlackJobs::conversationsReplies()
{
    m_server->setResponse(
        QStringLiteral("conversations.replies"),
        FakeSlackServer::ok(
            {{QStringLiteral("messages"),
              QJsonArray{QJsonObject{{QStringLiteral("ts"), QStringLiteral("1.0")},
                                     {QStringLiteral("thread_ts"), QStringLiteral("1.0")},
                                     {QStringLiteral("reply_count"), 1}},
                         QJsonObject{{QStringLiteral("ts"), QStringLiteral("2.0")},
                                     {QStringLiteral("thread_ts"), QStringLiteral("1.0")},
                                     {QStringLiteral("metadata"),
                                      QJsonObject{{QStringLiteral("event_type"), QStringLiteral("tl")}}}}}},
             {QStringLiteral("has_more"), true},
             {QStringLiteral("response_metadata"),
              QJsonObject{{QStringLiteral("next_cursor"), QStringLiteral("n")}}}}));
    auto *job = new ConversationsRepliesJob(
        m_nam, bot(), {QStringLiteral("D1"), QStringLiteral("1.0"), {}, {}, 50, true}, this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->messages().size(), 2);
    QCOMPARE(job->messages().at(0).replyCount, 1);
    QCOMPARE(job->messages().at(1).metadata.value(QStringLiteral("event_type")).toString(),
             QStringLiteral("tl"));
    QVERIFY(job->hasMore());
    QCOMPARE(job->nextCursor(), QStringLiteral("n"));
    QCOMPARE(m_server->last(QStringLiteral("conversations.replies"))
                 .form.queryItemValue(QStringLiteral("include_all_metadata")),
             QStringLiteral("true"));
    delete job;
}

void TestSlackJobs::conversationsHistory()
{
    m_server->setResponse(
        QStringLiteral("conversations.history"),
        FakeSlackServer::ok({{QStringLiteral("messages"),
                              QJsonArray{QJsonObject{{QStringLiteral("ts"), QStringLiteral("3.0")}}}},
                             {QStringLiteral("has_more"), false}}));
    ConversationsHistoryJob::Args args;
    args.channel = QStringLiteral("D1");
    args.oldest = QStringLiteral("1.0");
    auto *job = new ConversationsHistoryJob(m_nam, bot(), args, this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->messages().size(), 1);
    QVERIFY(!job->hasMore());
    QCOMPARE(
        m_server->last(QStringLiteral("conversations.history")).form.queryItemValue(QStringLiteral("oldest")),
        QStringLiteral("1.0"));
    delete job;
}

void TestSlackJobs::filesInfo()
{
    m_server->setResponse(QStringLiteral("files.info"),
                          FakeSlackServer::ok({{QStringLiteral("file"),
                                                QJsonObject{{QStringLiteral("id"), QStringLiteral("F1")},
                                                            {QStringLiteral("name"), QStringLiteral("a.pdf")},
                                                            {QStringLiteral("size"), 12},
                                                            {QStringLiteral("url_private_download"),
                                                             QStringLiteral("https://f/x")}}}}));
    auto *job = new FilesInfoJob(m_nam, bot(), QStringLiteral("F1"), this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->file().id, QStringLiteral("F1"));
    QCOMPARE(job->file().size, qint64(12));
    QCOMPARE(job->file().urlPrivateDownload, QStringLiteral("https://f/x"));
    delete job;
}

void TestSlackJobs::uploadFlowStreamsFromDevice()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    QByteArray chunk(64 * 1024, 'x');
    for (int i = 0; i < 32; ++i) { // 2 MiB
        chunk[0] = char('a' + i % 26);
        file.write(chunk);
    }
    file.flush();
    file.seek(0);
    const qint64 size = file.size();

    m_server->setResponse(
        QStringLiteral("files.getUploadURLExternal"),
        FakeSlackServer::ok({{QStringLiteral("upload_url"),
                              QString(m_server->baseUrl().toString() + QStringLiteral("upload/v1/ABC"))},
                             {QStringLiteral("file_id"), QStringLiteral("F9")}}));
    auto *getUrl = new GetUploadUrlJob(m_nam, bot(), QStringLiteral("report.bin"), size, {}, this);
    QCOMPARE(run(getUrl).succeeded, 1);
    QCOMPARE(getUrl->fileId(), QStringLiteral("F9"));
    QCOMPARE(m_server->last(QStringLiteral("files.getUploadURLExternal"))
                 .form.queryItemValue(QStringLiteral("length")),
             QString::number(size));

    auto *upload = new UploadFileJob(m_nam, getUrl->uploadUrl(), &file, size, {}, this);
    QCOMPARE(run(upload).succeeded, 1);
    file.seek(0);
    QCOMPARE(m_server->uploaded().size(), size);
    QCOMPARE(m_server->uploaded(), file.readAll());

    m_server->setResponse(
        QStringLiteral("files.completeUploadExternal"),
        FakeSlackServer::ok(
            {{QStringLiteral("files"),
              QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("F9")},
                                     {QStringLiteral("title"), QStringLiteral("Report")}}}}}));
    auto *complete = new CompleteUploadJob(m_nam, bot(), {{QStringLiteral("F9"), QStringLiteral("Report")}},
                                           QStringLiteral("D1"), QStringLiteral("1.0"), {}, this);
    QCOMPARE(run(complete).succeeded, 1);
    QCOMPARE(complete->files().size(), 1);
    const QUrlQuery form = m_server->last(QStringLiteral("files.completeUploadExternal")).form;
    QCOMPARE(form.queryItemValue(QStringLiteral("channel_id")), QStringLiteral("D1"));
    QCOMPARE(form.queryItemValue(QStringLiteral("thread_ts")), QStringLiteral("1.0"));
    QCOMPARE(
        QJsonDocument::fromJson(form.queryItemValue(QStringLiteral("files"), QUrl::FullyDecoded).toUtf8())
            .array()
            .at(0)
            .toObject()
            .value(QStringLiteral("id"))
            .toString(),
        QStringLiteral("F9"));

    // a failed upload (non-200) fails the job
    m_server->queueResponse(QStringLiteral("upload"), {500, "nope", {}, false});
    file.seek(0);
    auto *failing = new UploadFileJob(m_nam, getUrl->uploadUrl(), &file, size, {}, this);
    const Outcome o = run(failing);
    QCOMPARE(o.failed, 1);
    QCOMPARE(o.action, SlackErrorAction::Retry);
    // an unreadable source fails without a request
    QBuffer closed;
    auto *unreadable = new UploadFileJob(m_nam, getUrl->uploadUrl(), &closed, 10, {}, this);
    QCOMPARE(run(unreadable).failed, 1);
    delete getUrl;
    delete upload;
    delete complete;
    delete failing;
    delete unreadable;
}

void TestSlackJobs::downloadStreamsToDevice()
{
    QByteArray bytes(3 * 1024 * 1024, '\0');
    for (int i = 0; i < bytes.size(); ++i)
        bytes[i] = char(i * 7);
    m_server->setDownload(QStringLiteral("a.bin"), bytes, "application/octet-stream", BotToken.toUtf8());
    QTemporaryFile sink;
    QVERIFY(sink.open());
    auto *job =
        new DownloadFileJob(m_nam, QUrl(m_server->baseUrl().toString() + QStringLiteral("files/a.bin")),
                            BotToken, &sink, -1, this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->bytesWritten(), qint64(bytes.size()));
    sink.flush();
    sink.seek(0);
    QCOMPARE(sink.readAll(), bytes);
    QCOMPARE(m_server->last(QStringLiteral("download")).authorization,
             QByteArray("Bearer ") + BotToken.toUtf8());
    delete job;
}

void TestSlackJobs::downloadRejectsLoginPageAndOversize()
{
    m_server->setDownload(QStringLiteral("b.bin"), QByteArray(1000, 'b'), "application/octet-stream",
                          "xoxb-other");
    QBuffer sink;
    sink.open(QIODevice::WriteOnly);
    auto *job =
        new DownloadFileJob(m_nam, QUrl(m_server->baseUrl().toString() + QStringLiteral("files/b.bin")),
                            BotToken, &sink, -1, this);
    Outcome o = run(job);
    QCOMPARE(o.failed, 1);
    QCOMPARE(o.action, SlackErrorAction::FixConfiguration);
    QCOMPARE(sink.data().size(), 0);
    delete job;

    m_server->setDownload(QStringLiteral("c.bin"), QByteArray(100000, 'c'), "application/octet-stream",
                          BotToken.toUtf8());
    QBuffer small;
    small.open(QIODevice::WriteOnly);
    job = new DownloadFileJob(m_nam, QUrl(m_server->baseUrl().toString() + QStringLiteral("files/c.bin")),
                              BotToken, &small, 1000, this);
    o = run(job);
    QCOMPARE(o.failed, 1);
    QCOMPARE(o.error.code, ErrorCode::TooLarge);
    QVERIFY(small.data().size() <= 1000);
    delete job;
}

void TestSlackJobs::connectionsOpenUsesAppToken()
{
    auto *job = new ConnectionsOpenJob(m_nam, {m_server->apiUrl(), AppToken}, this);
    QCOMPARE(run(job).succeeded, 1);
    QCOMPARE(job->url().scheme(), QStringLiteral("ws"));
    const auto request = m_server->last(QStringLiteral("apps.connections.open"));
    QCOMPARE(request.authorization, QByteArray("Bearer ") + AppToken.toUtf8());
    QVERIFY(!request.body.contains("token"));
    delete job;
}

void TestSlackJobs::slackErrorsMapToActions_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::addColumn<SlackErrorAction>("action");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<qint64>("retryAfterMs");
    QTest::newRow("ok:false invalid_auth")
        << 200 << QByteArray(R"({"ok":false,"error":"invalid_auth"})") << QByteArray()
        << SlackErrorAction::FixConfiguration << "invalid_auth" << qint64(-1);
    QTest::newRow("ok:false channel_not_found")
        << 200 << QByteArray(R"({"ok":false,"error":"channel_not_found"})") << QByteArray()
        << SlackErrorAction::GiveUp << "channel_not_found" << qint64(-1);
    QTest::newRow("429 Retry-After 3")
        << 429 << QByteArray(R"({"ok":false,"error":"ratelimited"})") << QByteArray("3")
        << SlackErrorAction::WaitThenRetry << "ratelimited" << qint64(3000);
    QTest::newRow("500") << 500 << QByteArray("oops") << QByteArray() << SlackErrorAction::Retry << "http_500"
                         << qint64(-1);
    QTest::newRow("503") << 503 << QByteArray() << QByteArray() << SlackErrorAction::Retry << "http_503"
                         << qint64(-1);
    QTest::newRow("html body") << 200 << QByteArray("<html>proxy</html>") << QByteArray()
                               << SlackErrorAction::Retry << "invalid_response" << qint64(-1);
    QTest::newRow("ok without ts") << 200 << QByteArray(R"({"ok":true})") << QByteArray()
                                   << SlackErrorAction::GiveUp << "invalid_response" << qint64(-1);
}

void TestSlackJobs::slackErrorsMapToActions()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, retryAfter);
    QFETCH(SlackErrorAction, action);
    QFETCH(QString, detail);
    QFETCH(qint64, retryAfterMs);
    m_server->setResponse(QStringLiteral("chat.postMessage"), {status, body, retryAfter, false});
    auto *job = new PostMessageJob(
        m_nam, bot(), {QStringLiteral("D1"), QStringLiteral("x"), {}, {}, {}, false, false}, this);
    const Outcome o = run(job);
    QCOMPARE(o.finished, 1);
    QCOMPARE(o.failed, 1);
    QCOMPARE(o.succeeded, 0);
    QCOMPARE(o.action, action);
    QCOMPARE(o.error.detail, detail);
    QCOMPARE(o.error.retryAfterMs, retryAfterMs);
    QCOMPARE(job->errorAction(), action);
    QVERIFY(!o.error.toString().contains(BotToken));
    delete job;
}

void TestSlackJobs::transferTimeoutIsRetry()
{
    m_server->setResponse(QStringLiteral("chat.update"), {200, {}, {}, true});
    auto *job = new UpdateMessageJob(
        m_nam, bot(), {QStringLiteral("D1"), QStringLiteral("1.0"), QStringLiteral("x"), {}, {}}, this);
    job->setTransferTimeout(200);
    const Outcome o = run(job);
    QCOMPARE(o.failed, 1);
    QCOMPARE(o.action, SlackErrorAction::Retry);
    QCOMPARE(o.error.detail, QStringLiteral("timeout"));
    delete job;
}

void TestSlackJobs::unreachableServerIsRetry()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close(); // nothing listens there now
    auto *job =
        new AuthTestJob(m_nam, {QUrl(QStringLiteral("http://127.0.0.1:%1/api/").arg(port)), BotToken}, this);
    const Outcome o = run(job);
    QCOMPARE(o.failed, 1);
    QCOMPARE(o.action, SlackErrorAction::Retry);
    QCOMPARE(o.error.code, ErrorCode::Unavailable);
    delete job;
}

void TestSlackJobs::emitAtMostOnce()
{
    // abort while running: one failed, one finished, never a success afterwards
    m_server->setResponse(QStringLiteral("auth.test"), {200, {}, {}, true});
    auto *job = new AuthTestJob(m_nam, bot(), this);
    job->setAutoDelete(false);
    QSignalSpy finished(job, &SlackJob::finished);
    QSignalSpy succeeded(job, &SlackJob::succeeded);
    QSignalSpy failed(job, &SlackJob::failed);
    job->start();
    job->start();
    QTRY_COMPARE(m_server->count(QStringLiteral("auth.test")), 1);
    job->abort();
    job->abort();
    QCOMPARE(finished.size(), 1);
    QCOMPARE(failed.size(), 1);
    QTest::qWait(50);
    job->start();
    QTest::qWait(50);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(failed.size(), 1);
    QCOMPARE(succeeded.size(), 0);
    QCOMPARE(m_server->count(QStringLiteral("auth.test")), 1);
    delete job;

    // abort before the scheduled start: no request at all
    auto *early = new AuthTestJob(m_nam, bot(), this);
    early->setAutoDelete(false);
    QSignalSpy earlyFinished(early, &SlackJob::finished);
    early->start();
    early->abort();
    QTest::qWait(50);
    QCOMPARE(earlyFinished.size(), 1);
    QCOMPARE(m_server->count(QStringLiteral("auth.test")), 1);
    delete early;
}

void TestSlackJobs::startOnlySchedules()
{
    auto *job = new ConnectionsOpenJob(m_nam, {m_server->apiUrl(), AppToken}, this);
    job->setAutoDelete(false);
    QSignalSpy finished(job, &SlackJob::finished);
    job->start();
    QCOMPARE(job->status(), SlackJob::Status::Scheduled);
    QCOMPARE(finished.size(), 0);
    QVERIFY(finished.wait(5000));
    QCOMPARE(job->status(), SlackJob::Status::Succeeded);
    delete job;
}

void TestSlackJobs::autoDeleteAfterFinish()
{
    QPointer<SlackJob> job = new ConnectionsOpenJob(m_nam, {m_server->apiUrl(), AppToken}, this);
    QSignalSpy finished(job.data(), &SlackJob::finished);
    job->start();
    QVERIFY(finished.wait(5000));
    QTRY_VERIFY(job.isNull());
}

void TestSlackJobs::destroyedWhileRunningEmitsNothing()
{
    m_server->setResponse(QStringLiteral("auth.test"), {200, {}, {}, true});
    int signals_ = 0;
    auto *job = new AuthTestJob(m_nam, bot(), this);
    connect(job, &SlackJob::finished, this, [&signals_] { ++signals_; });
    job->start();
    QTRY_COMPARE(m_server->count(QStringLiteral("auth.test")), 1);
    delete job;
    QTest::qWait(50);
    QCOMPARE(signals_, 0);
}

void TestSlackJobs::clientAuthenticates()
{
    m_server->setResponse(QStringLiteral("auth.test"),
                          FakeSlackServer::ok({{QStringLiteral("team_id"), QStringLiteral("T1")},
                                               {QStringLiteral("user_id"), QStringLiteral("UBOT")},
                                               {QStringLiteral("bot_id"), QStringLiteral("B1")}}));
    SlackConfig config;
    config.apiUrl = m_server->apiUrl();
    config.botToken = BotToken;
    SlackClient client(m_nam, config);
    QSignalSpy states(client.connectionState(), &SlackConnectionState::stateChanged);
    QSignalSpy authenticated(&client, &SlackClient::authenticated);
    client.authenticate();
    QVERIFY(authenticated.wait(5000));
    QCOMPARE(client.connectionState()->state(), SlackConnectionState::State::Connected);
    QCOMPARE(client.identity().botId, QStringLiteral("B1"));
    QCOMPARE(states.size(), 2); // Connecting, Connected
}

void TestSlackJobs::clientBadTokenNeedsReauthorization()
{
    m_server->setResponse(QStringLiteral("auth.test"),
                          FakeSlackServer::slackError(QStringLiteral("token_revoked")));
    SlackConfig config;
    config.apiUrl = m_server->apiUrl();
    config.botToken = BotToken;
    SlackClient client(m_nam, config);
    client.retryBackoff().setBaseMs(10);
    client.authenticate();
    QTRY_COMPARE(client.connectionState()->state(), SlackConnectionState::State::NeedsReauthorization);
    QCOMPARE(client.connectionState()->reason().detail, QStringLiteral("token_revoked"));
    QTest::qWait(200);
    QCOMPARE(m_server->count(QStringLiteral("auth.test")), 1); // no crash loop, no retry loop

    SlackClient noToken(m_nam, SlackConfig{m_server->apiUrl(), {}, {}, {}});
    noToken.authenticate();
    QCOMPARE(noToken.connectionState()->state(), SlackConnectionState::State::NeedsReauthorization);
}

void TestSlackJobs::clientRetriesTransientFailures()
{
    m_server->queueResponse(QStringLiteral("auth.test"), {503, {}, {}, false});
    m_server->queueResponse(QStringLiteral("auth.test"),
                            {429, R"({"ok":false,"error":"ratelimited"})", "0", false});
    m_server->setResponse(QStringLiteral("auth.test"),
                          FakeSlackServer::ok({{QStringLiteral("team_id"), QStringLiteral("T1")},
                                               {QStringLiteral("user_id"), QStringLiteral("UBOT")}}));
    SlackConfig config;
    config.apiUrl = m_server->apiUrl();
    config.botToken = BotToken;
    SlackClient client(m_nam, config);
    client.retryBackoff().setBaseMs(10);
    QSignalSpy errors(&client, &SlackClient::networkError);
    client.authenticate();
    QTRY_COMPARE_WITH_TIMEOUT(client.connectionState()->state(), SlackConnectionState::State::Connected,
                              5000);
    QCOMPARE(errors.size(), 2);
    QCOMPARE(m_server->count(QStringLiteral("auth.test")), 3);
}

void TestSlackJobs::tokensNeverLogged()
{
    // Every test above ran with all threadline categories at debug level.
    for (const QString &line : std::as_const(s_log)) {
        QVERIFY2(!line.contains(BotToken), qPrintable(line));
        QVERIFY2(!line.contains(AppToken), qPrintable(line));
        QVERIFY2(!line.contains(QLatin1String("xoxb-")), qPrintable(line));
    }
    QVERIFY(!s_log.isEmpty());
}

QTEST_GUILESS_MAIN(TestSlackJobs)
#include "tst_slackjobs.moc"
