// The inbound half of the sync engine against the Slack sandbox over real loopback (Socket Mode
// and HTTP Events): durable receipt before the ack, exactly-once application, echoes, edits,
// deletes, helpful replies, hostile payloads and forged signatures.
//
// Invariants stated (docs/architecture.md, section 2):
//  3. every Slack event is durably stored before it is acknowledged, and applied exactly once
//     (dedupe on event_id and on (channel, ts, kind));
//  5. the app's own posts, edits, deletes and file shares never come back as desk updates;
// 10. nothing is silently lost: a malformed event ends as a failed inbox row with its reason.
#include "postgresschemas.h"
#include "sandbox/sandboxserver.h"
#include "slack/deletemessagejob.h"
#include "slack/postmessagejob.h"
#include "slack/slackclient.h"
#include "slack/slackeventsreceiver.h"
#include "slack/socketmodeclient.h"
#include "slack/updatemessagejob.h"
#include "store/store.h"
#include "sync/engine.h"
#include "sync/inboundprocessor.h"
#include "sync/inboundreceiver.h"
#include "sync/inboundstore.h"
#include "sync/slackusers.h"
#include "syncharness.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace threadline;
using namespace threadline::sync;
using namespace threadline::slack;
using threadline::sandbox::SandboxOptions;
using threadline::sandbox::SandboxServer;

namespace {

bool runJob(SlackJob *job)
{
    job->setAutoDelete(false);
    bool done = false;
    bool ok = false;
    QObject::connect(job, &SlackJob::finished, job, [&](SlackJob *j) {
        done = true;
        ok = j->status() == SlackJob::Status::Succeeded;
    });
    job->start();
    if (!QTest::qWaitFor([&done] { return done; }, 10000))
        return false;
    return ok;
}

QJsonObject userMessagePayload(const QString &eventId, const QString &channel, const QString &user,
                               const QString &ts, const QString &threadTs, const QString &text)
{
    QJsonObject event{{QStringLiteral("type"), QStringLiteral("message")},
                      {QStringLiteral("channel"), channel},
                      {QStringLiteral("channel_type"), QStringLiteral("im")},
                      {QStringLiteral("user"), user},
                      {QStringLiteral("ts"), ts},
                      {QStringLiteral("event_ts"), ts},
                      {QStringLiteral("text"), text}};
    if (!threadTs.isEmpty())
        event.insert(QStringLiteral("thread_ts"), threadTs);
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("event_callback")},
                       {QStringLiteral("team_id"), QStringLiteral("T0SANDBOX")},
                       {QStringLiteral("event_id"), eventId},
                       {QStringLiteral("event_time"), 1700000000},
                       {QStringLiteral("event"), event}};
}

} // namespace

class TestSyncInbound : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void init();
    void cleanup();

    void socketModeReplyBecomesOneDeskUpdate();
    void duplicateAndDelayedDeliveriesGiveOneUpdate();
    void newEventIdSameMessageGivesOneUpdate();
    void noAckUntilCommitted();
    void ownEchoesNeverImported();
    void editsAndDeletesReachTheDesk();
    void unfurlOnlyIsNotAnEdit();
    void deleteBeforeMessageIsConsistent();
    void outsideThreadGetsHelpfulReply();
    void unknownPersonGetsHelpfulReply();
    void replyToASummaryNotYetRecordedWaitsForIt();
    void slackUserNamesAreChecked();
    void userChangeRenamesThePersonOnce();
    void userChangeStormIsCoalesced();
    void deactivatedUserIsMarkedNotLookedUp();
    void fileShareRecordedWithoutDownload();
    void hostilePayloads_data();
    void hostilePayloads();
    void invalidJsonBytesAreFailedRows();
    void crashBetweenApplyAndMarkDoesNotDoubleApply();
    void httpEventsReplyBecomesOneDeskUpdate();
    void httpEventsStoreFailureIs500ThenRetried();
    void httpEventsForgedSignaturesRejected_data();
    void httpEventsForgedSignaturesRejected();
    void endToEndWithOutboundEngine();

    // Through the wired Engine (its own receipt thread, processor, planner and scheduler).
    void engineFlows_data();
    void engineFlows();
    void engineFaultsGiveTheFaultFreeState_data();
    void engineFaultsGiveTheFaultFreeState();
    void killedEngineImportsEveryReplyExactlyOnce();
    void engineRefreshOpensTheNewSocketFirstAndLinkDisabledStops();
    void engineRenameRefreshesEverySummaryShowingThePerson_data();
    void engineRenameRefreshesEverySummaryShowingThePerson();

private:
    struct EngineRun
    {
        ~EngineRun()
        {
            engine.reset(); // joins its receipt thread
            delete sandbox;
            delete store;
        }
        SandboxServer *sandbox = nullptr;
        Store *store = nullptr;
        std::unique_ptr<Engine> engine;
        QList<qint64> people; //!< person ids, in creation order
        QStringList slackIds; //!< their Slack user ids
        QStringList names;
    };
    //! A sandbox and an Engine with its inbound side on (Socket Mode or HTTP Events) on \a url.
    void startEngineRun(EngineRun &run, const QString &url, bool http, bool withFaultTimers = false);
    //! Creates a request (people by index: requester, assignee, others) and waits for the summaries.
    qint64 engineRequest(EngineRun &run, const QString &title, const QList<int> &members);
    ThreadState threadOf(EngineRun &run, qint64 requestId, int member);
    //! The live replies in a thread, "app: text" or "user: text", in thread order.
    QStringList threadPicture(EngineRun &run, qint64 requestId, int member);
    //! Desk + every thread of every request: what must be equal with and without faults.
    QMap<QString, QStringList> fullPicture(EngineRun &run, const QList<qint64> &requests);
    bool engineIdle(EngineRun &run);
    void runWorkload(EngineRun &run, bool faults, QList<qint64> &requests);
    QString extraUrl(const QString &suffix);

    void startSandbox(bool http);
    void startSocketMode();
    QString postAsBot(const QString &channel, const QString &text, const QString &threadTs = {});
    qint64 addConversation(qint64 requestId, qint64 personId, const QString &channel,
                           const QString &summaryTs);
    QList<Update> slackUpdates();
    QList<InboxRow> inboxRows();
    int jobCount(const QString &kind);
    //! refresh_summary jobs per conversation id.
    QMap<qint64, int> refreshJobs(Store *store);
    QString slackUserState(const QString &slackId);
    void checkInvariants();

    QTemporaryDir *m_dir = nullptr;
    QString m_schema; //!< PostgreSQL: this test's schema, dropped in cleanup()
    test::PostgresSchemas m_pg{QStringLiteral("inbound")}; //!< this test's schemas, dropped in cleanup()
    std::function<void()> m_engineCleanup;
    int m_counter = 0;
    QString m_dbUrl;
    Store *m_store = nullptr;
    QNetworkAccessManager *m_nam = nullptr;
    SandboxServer *m_sandbox = nullptr;
    SocketModeClient *m_socket = nullptr;
    SlackEventsReceiver *m_http = nullptr;
    InboundReceiver *m_receiver = nullptr;
    InboundProcessor *m_processor = nullptr;
    SlackIdentity m_self;

    // desk + Slack fixture
    QString m_adaId, m_bobId, m_adaDm, m_bobDm, m_adaSummary, m_bobSummary;
    qint64 m_ada = 0, m_bob = 0, m_request = 0, m_adaConv = 0, m_bobConv = 0;
};

void TestSyncInbound::initTestCase_data()
{
    test::addBackendRows();
}

void TestSyncInbound::init()
{
    QFETCH_GLOBAL(QString, backend);
    m_dir = new QTemporaryDir;
    QVERIFY(m_dir->isValid());
    m_nam = new QNetworkAccessManager(this);
    m_schema.clear();
    if (backend == QLatin1String("postgresql")) {
        THREADLINE_POSTGRES_OR_SKIP();
        m_dbUrl = m_pg.newUrl();
        m_schema = m_pg.schemas().constLast();
    } else {
        m_dbUrl = QStringLiteral("sqlite:") + m_dir->filePath(QStringLiteral("desk.db"));
    }
    m_store = new Store(this);
    auto opened = m_store->open(m_dbUrl);
    QVERIFY2(opened.ok(), qPrintable(opened.error().toString()));
}

void TestSyncInbound::cleanup()
{
    if (m_engineCleanup)
        std::exchange(m_engineCleanup, {})();
    if (m_socket)
        m_socket->stop();
    delete m_processor;
    delete m_receiver;
    delete m_socket;
    delete m_http;
    delete m_sandbox;
    delete m_store;
    if (const QString failed = m_pg.dropAll(); !failed.isEmpty())
        qWarning("%s", qPrintable(failed));
    delete m_nam;
    delete m_dir;
    m_processor = nullptr;
    m_receiver = nullptr;
    m_socket = nullptr;
    m_http = nullptr;
    m_sandbox = nullptr;
    m_store = nullptr;
    m_nam = nullptr;
    m_dir = nullptr;
}

void TestSyncInbound::startSandbox(bool http)
{
    SandboxOptions options;
    options.rateLimitsEnabled = false;
    options.ackTimeoutMs = 400;
    options.retryDelaysMs = {0, 200, 400};
    options.serverPingIntervalMs = 0;
    options.httpTimeoutMs = 1000;
    m_sandbox = new SandboxServer(options, this);
    QVERIFY(m_sandbox->listen());
    m_self.userId = options.botUserId;
    m_self.botId = options.botId;
    m_self.appId = options.appId;
    m_self.teamId = options.teamId;

    auto &ws = m_sandbox->workspace();
    m_adaId =
        ws.addUser(QStringLiteral("ada"), QStringLiteral("ada@example.com"), QStringLiteral("Ada Lovelace"))
            .id;
    m_bobId =
        ws.addUser(QStringLiteral("bob"), QStringLiteral("bob@example.com"), QStringLiteral("Bob Agent")).id;
    m_adaDm = ws.openDm(m_adaId);
    m_bobDm = ws.openDm(m_bobId);

    auto ada = m_store->upsertPerson(
        {m_adaId, QStringLiteral("Ada Lovelace"), QStringLiteral("ada@example.com"), false});
    QVERIFY(ada.ok());
    auto bob = m_store->upsertPerson(
        {m_bobId, QStringLiteral("Bob Agent"), QStringLiteral("bob@example.com"), true});
    QVERIFY(bob.ok());
    m_ada = ada.value().id;
    m_bob = bob.value().id;
    NewRequest nr;
    nr.title = QStringLiteral("Laptop broken");
    nr.body = QStringLiteral("It does not start");
    nr.requesterId = m_ada;
    nr.assigneeId = m_bob;
    auto request = m_store->createRequest(nr);
    QVERIFY2(request.ok(), qPrintable(request.error().toString()));
    m_request = request.value().id;

    m_receiver = new InboundReceiver(m_store, m_self, this);
    m_processor = new InboundProcessor(m_store, m_self, this);
    m_processor->setRetryDelayMs(50);
    m_processor->setDeferLimitMs(3000);
    connect(m_receiver, &InboundReceiver::stored, m_processor, &InboundProcessor::wake);

    if (http) {
        m_http = new SlackEventsReceiver(options.signingSecret, m_receiver->httpConsumer(), this);
        const quint16 port = m_http->listen();
        QVERIFY(port != 0);
        ws.mutableOptions().eventsUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/slack/events").arg(port));
    } else {
        startSocketMode();
    }
    // The summaries, posted as the bot through the sandbox Web API; their echoes come back too.
    m_adaSummary = postAsBot(m_adaDm, QStringLiteral("*Laptop broken* — you are the requester"));
    m_bobSummary = postAsBot(m_bobDm, QStringLiteral("*Laptop broken* — you are the assignee"));
    QVERIFY(!m_adaSummary.isEmpty() && !m_bobSummary.isEmpty());
    m_adaConv = addConversation(m_request, m_ada, m_adaDm, m_adaSummary);
    m_bobConv = addConversation(m_request, m_bob, m_bobDm, m_bobSummary);
    m_processor->start();
    // The summaries' echoes are stored (and acked) before a test starts counting.
    QTRY_COMPARE_WITH_TIMEOUT(inboxRows().size(), 2, 5000);
    if (!http)
        QTRY_COMPARE_WITH_TIMEOUT(m_sandbox->socketMode().pendingCount(), 0, 5000);
}

void TestSyncInbound::startSocketMode()
{
    const auto &options = m_sandbox->workspace().options();
    m_socket = new SocketModeClient(m_nam, {m_sandbox->apiUrl(), options.appToken}, this);
    m_socket->setPingInterval(200);
    m_socket->setPongTimeout(2000);
    m_socket->setReconnectBackoff(20, 200);
    m_receiver->attachSocketMode(m_socket);
    QSignalSpy ready(m_socket, &SocketModeClient::ready);
    m_socket->start();
    QVERIFY(ready.wait(10000));
}

QString TestSyncInbound::postAsBot(const QString &channel, const QString &text, const QString &threadTs)
{
    PostMessageArgs args;
    args.channel = channel;
    args.text = text;
    args.threadTs = threadTs;
    auto *job = new PostMessageJob(m_nam, {m_sandbox->apiUrl(), m_sandbox->workspace().options().botToken},
                                   args, this);
    const bool ok = runJob(job);
    const QString ts = ok ? job->ts() : QString();
    delete job;
    return ts;
}

qint64 TestSyncInbound::addConversation(qint64 requestId, qint64 personId, const QString &channel,
                                        const QString &summaryTs)
{
    auto id = m_store->insert(
        QStringLiteral("INSERT INTO conversations (request_id, person_id, channel_id, summary_ts, "
                       "state, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?) "
                       "RETURNING id"),
        {requestId, personId, channel, summaryTs, m_store->now(), m_store->now()});
    return id ? id.value() : 0;
}

QList<Update> TestSyncInbound::slackUpdates()
{
    QList<Update> out;
    auto timeline = m_store->timeline(m_request);
    if (!timeline)
        return out;
    for (const Update &u : timeline.value().updates) {
        if (u.source == UpdateSource::Slack)
            out.append(u);
    }
    return out;
}

QList<InboxRow> TestSyncInbound::inboxRows()
{
    InboundStore inbox(m_store);
    auto rows = inbox.rows(100000);
    return rows ? rows.value() : QList<InboxRow>();
}

int TestSyncInbound::jobCount(const QString &kind)
{
    auto v = m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE kind = ?"), {kind});
    return v && v.value() ? v.value()->toInt() : -1;
}

//! Exactly once: every imported Slack message is one update with one `original` mapping, and every
//! applied user message row names a distinct update.
void TestSyncInbound::checkInvariants()
{
    QSet<qint64> seen;
    for (const InboxRow &row : inboxRows()) {
        if (row.kind == QLatin1String("user_message") && row.state == InboxState::Applied &&
            row.updateId > 0) {
            QVERIFY2(!seen.contains(row.updateId), "two inbox rows created the same update");
            seen.insert(row.updateId);
        }
    }
    auto q = m_store->exec(QStringLiteral("SELECT slack_ts, COUNT(*) FROM thread_messages WHERE state IN "
                                          "('original','deleted') GROUP BY slack_ts HAVING COUNT(*) > 1"));
    QVERIFY(q.ok());
    QueryGuard guard(q.value());
    QVERIFY2(!q.value()->next(), "one Slack message is mapped to two updates");
}

// ---------------------------------------------------------------------------------------------

void TestSyncInbound::socketModeReplyBecomesOneDeskUpdate()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    const auto posted = ws.postAsUser(
        m_adaId, QStringLiteral("Still broken, <@%1> can you look? 1 < 2 & 3").arg(m_bobId), m_adaSummary);
    QVERIFY(posted.ok);
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 10000);
    const Update u = slackUpdates().constFirst();
    QCOMPARE(u.authorId, m_ada);
    QCOMPARE(u.source, UpdateSource::Slack);
    QCOMPARE(u.text, QStringLiteral("Still broken, @Bob Agent can you look? 1 < 2 & 3"));
    // The author's own message is their conversation's copy, recorded as the original.
    auto state =
        m_store->scalar(QStringLiteral("SELECT state FROM thread_messages WHERE conversation_id = ? AND "
                                       "update_id = ? AND slack_ts = ?"),
                        {m_adaConv, u.id, posted.ts});
    QVERIFY(state.ok() && state.value());
    QCOMPARE(state.value()->toString(), QStringLiteral("original"));
    // Nothing for Bob's conversation yet: that copy is the outbound side's.
    auto bobRows = m_store->scalar(
        QStringLiteral("SELECT COUNT(*) FROM thread_messages WHERE conversation_id = ?"), {m_bobConv});
    QCOMPARE(bobRows.value()->toInt(), 0);
    // The summaries' echoes were stored and ignored.
    int echoes = 0;
    for (const InboxRow &row : inboxRows()) {
        if (row.kind == QLatin1String("own_echo")) {
            ++echoes;
            QCOMPARE(row.state, InboxState::Ignored);
        }
    }
    QVERIFY(echoes >= 2);
    QTRY_COMPARE(m_sandbox->socketMode().pendingCount(), 0); // everything acked
    checkInvariants();
}

void TestSyncInbound::duplicateAndDelayedDeliveriesGiveOneUpdate()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    ws.faults().duplicateRate = 0.5;
    ws.faults().delayRate = 0.3;
    ws.faults().delayMs = 150;
    ws.faults().dropSocketRate = 0.1; // dropped deliveries are redelivered unacked
    constexpr int N = 30;
    for (int i = 0; i < N; ++i) {
        const auto r = ws.postAsUser(i % 2 ? m_adaId : m_bobId, QStringLiteral("reply %1").arg(i),
                                     i % 2 ? m_adaSummary : m_bobSummary);
        QVERIFY(r.ok);
    }
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), N, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(m_sandbox->socketMode().pendingCount(), 0, 10000);
    QTest::qWait(300);
    QCOMPARE(slackUpdates().size(), N);
    QSet<QString> texts;
    for (const Update &u : slackUpdates()) {
        texts.insert(u.text);
        const int i = u.text.mid(6).toInt();
        QCOMPARE(u.authorId, i % 2 ? m_ada : m_bob);
    }
    QCOMPARE(texts.size(), N);
    QVERIFY2(m_receiver->stats().duplicates > 0, "the fault dice gave no duplicate; raise the rate");
    checkInvariants();
}

void TestSyncInbound::newEventIdSameMessageGivesOneUpdate()
{
    startSandbox(false);
    const QString ts = QStringLiteral("1800000000.000100");
    QSignalSpy acks(&m_sandbox->workspace(), &sandbox::Workspace::envelopeAcked);
    for (const char *id : {"EvA1", "EvA2", "EvA3"}) {
        m_sandbox->socketMode().deliver(userMessagePayload(QString::fromLatin1(id), m_adaDm, m_adaId, ts,
                                                           m_adaSummary, QStringLiteral("same message")));
    }
    QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 3, 5000); // a duplicate is a success: acked
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 5000);
    QTest::qWait(200);
    QCOMPARE(slackUpdates().size(), 1);
    int rows = 0;
    for (const InboxRow &row : inboxRows())
        rows += row.channel == m_adaDm && row.ts == ts;
    QCOMPARE(rows, 1);
    QCOMPARE(m_receiver->stats().duplicates, 2);
    checkInvariants();
}

void TestSyncInbound::noAckUntilCommitted()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    QSignalSpy sent(&m_sandbox->socketMode(), &sandbox::SocketModeHub::envelopeSent);
    QSignalSpy acked(&ws, &sandbox::Workspace::envelopeAcked);
    QSignalSpy refused(m_receiver, &InboundReceiver::storeFailed);

    m_store->close(); // the database is gone
    const auto posted = ws.postAsUser(m_adaId, QStringLiteral("while the database is down"), m_adaSummary);
    QVERIFY(posted.ok);
    QTRY_VERIFY_WITH_TIMEOUT(sent.size() >= 2, 5000); // delivered, not acked, redelivered
    QVERIFY(refused.size() >= 1);
    QCOMPARE(acked.size(), 0); // no ack reached Slack while nothing was stored
    const QString eventId = sent.constFirst().at(1).toString();
    for (const auto &s : std::as_const(sent))
        QCOMPARE(s.at(1).toString(), eventId);
    QVERIFY(sent.constLast().at(2).toInt() >= 1); // retry_attempt

    QVERIFY(m_store->open(m_dbUrl).ok()); // back: the next redelivery is stored, then acked
    QTRY_VERIFY_WITH_TIMEOUT(!acked.isEmpty(), 5000);
    QCOMPARE(acked.constFirst().at(1).toString(), eventId);
    InboundStore inbox(m_store);
    auto row = inbox.rowByEventId(eventId);
    QVERIFY(row.ok() && row.value());
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 5000);
    QCOMPARE(slackUpdates().constFirst().text, QStringLiteral("while the database is down"));
    checkInvariants();
}

void TestSyncInbound::ownEchoesNeverImported()
{
    startSandbox(false);
    const SlackEndpoint bot{m_sandbox->apiUrl(), m_sandbox->workspace().options().botToken};
    const QString copy = postAsBot(m_adaDm, QStringLiteral("a copy of Bob's update"), m_adaSummary);
    QVERIFY(!copy.isEmpty());
    auto *update = new UpdateMessageJob(
        m_nam, bot, {m_adaDm, copy, QStringLiteral("edited copy"), std::nullopt, std::nullopt}, this);
    QVERIFY(runJob(update));
    delete update;
    auto *del = new DeleteMessageJob(m_nam, bot, m_adaDm, copy, this);
    QVERIFY(runJob(del));
    delete del;
    // A real user message after them proves the echoes went through the whole path first.
    QVERIFY(m_sandbox->workspace().postAsUser(m_adaId, QStringLiteral("after the echoes"), m_adaSummary).ok);
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 10000);
    QCOMPARE(slackUpdates().constFirst().text, QStringLiteral("after the echoes"));
    int echoes = 0;
    for (const InboxRow &row : inboxRows()) {
        if (row.kind == QLatin1String("own_echo")) {
            ++echoes;
            QCOMPARE(row.state, InboxState::Ignored);
            QCOMPARE(row.updateId, 0);
        }
    }
    QVERIFY2(echoes >= 5, qPrintable(QString::number(echoes))); // 2 summaries, post, update, delete
    checkInvariants();
}

void TestSyncInbound::editsAndDeletesReachTheDesk()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    const auto posted = ws.postAsUser(m_adaId, QStringLiteral("first text"), m_adaSummary);
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 10000);
    const qint64 id = slackUpdates().constFirst().id;
    QVERIFY(ws.editAsUser(m_adaId, posted.ts, QStringLiteral("second text")).ok);
    QTRY_COMPARE_WITH_TIMEOUT(m_store->update(id).value().text, QStringLiteral("second text"), 10000);
    QVERIFY(ws.editAsUser(m_adaId, posted.ts, QStringLiteral("third text"))
                .ok); // a second edit is not a duplicate
    QTRY_COMPARE_WITH_TIMEOUT(m_store->update(id).value().text, QStringLiteral("third text"), 10000);
    QVERIFY(m_store->update(id).value().editedAt.isValid());

    QVERIFY(ws.deleteAsUser(m_adaId, posted.ts).ok);
    QTRY_VERIFY_WITH_TIMEOUT(m_store->update(id).value().isDeleted(), 10000);
    QCOMPARE(m_store->update(id).value().deletedBy, m_ada);
    auto state =
        m_store->scalar(QStringLiteral("SELECT state FROM thread_messages WHERE update_id = ?"), {id});
    QCOMPARE(state.value()->toString(), QStringLiteral("deleted"));
    QCOMPARE(slackUpdates().size(), 1);
    checkInvariants();
}

void TestSyncInbound::unfurlOnlyIsNotAnEdit()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    const auto posted = ws.postAsUser(m_adaId, QStringLiteral("see https://example.com"), m_adaSummary);
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 10000);
    const qint64 id = slackUpdates().constFirst().id;
    // Slack adds the unfurl: message_changed with the same text and new attachments.
    ws.editMessage(
        m_adaDm, posted.ts, m_adaId, [](sandbox::SandboxMessage &) {}, false);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const InboxRow &row : inboxRows()) {
                if (row.kind == QLatin1String("unfurl_only"))
                    return row.state == InboxState::Ignored;
            }
            return false;
        }(),
        10000);
    QCOMPARE(m_store->update(id).value().text, QStringLiteral("see https://example.com"));
    QVERIFY(!m_store->update(id).value().editedAt.isValid());
}

void TestSyncInbound::deleteBeforeMessageIsConsistent()
{
    startSandbox(false);
    // The delete arrives first (delayed delivery of the message), then the message.
    const QString ts = QStringLiteral("1800000000.000200");
    QJsonObject del{{QStringLiteral("type"), QStringLiteral("event_callback")},
                    {QStringLiteral("event_id"), QStringLiteral("EvDel")},
                    {QStringLiteral("event"),
                     QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                                 {QStringLiteral("subtype"), QStringLiteral("message_deleted")},
                                 {QStringLiteral("channel"), m_adaDm},
                                 {QStringLiteral("channel_type"), QStringLiteral("im")},
                                 {QStringLiteral("ts"), QStringLiteral("1800000000.000300")},
                                 {QStringLiteral("deleted_ts"), ts},
                                 {QStringLiteral("previous_message"),
                                  QJsonObject{{QStringLiteral("user"), m_adaId},
                                              {QStringLiteral("ts"), ts},
                                              {QStringLiteral("thread_ts"), m_adaSummary},
                                              {QStringLiteral("text"), QStringLiteral("oops")}}}}}};
    m_sandbox->socketMode().deliver(del);
    QTest::qWait(300);
    m_sandbox->socketMode().deliver(userMessagePayload(QStringLiteral("EvMsg"), m_adaDm, m_adaId, ts,
                                                       m_adaSummary, QStringLiteral("oops")));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto rows = inboxRows();
            return std::all_of(rows.begin(), rows.end(),
                               [](const InboxRow &r) { return r.state != InboxState::Pending; });
        }(),
        10000);
    QCOMPARE(slackUpdates().size(), 0); // deleted in Slack before it was imported: never on the desk
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM updates")).value()->toInt(), 0);
}

void TestSyncInbound::outsideThreadGetsHelpfulReply()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    QVERIFY(ws.postAsUser(m_adaId, QStringLiteral("hello app")).ok); // top level
    QTRY_COMPARE_WITH_TIMEOUT(jobCount(QStringLiteral("reply_outside_thread")), 1, 10000);
    const QString other = postAsBot(m_adaDm, QStringLiteral("a thread of no request"));
    QVERIFY(ws.postAsUser(m_adaId, QStringLiteral("in an unknown thread"), other).ok);
    QTRY_COMPARE_WITH_TIMEOUT(jobCount(QStringLiteral("reply_outside_thread")), 2, 10000);

    auto current = m_store->request(m_request);
    QVERIFY(m_store->setStatus(m_request, RequestStatus::Closed, current.value().version, m_bob).ok());
    QVERIFY(ws.postAsUser(m_adaId, QStringLiteral("in a closed request"), m_adaSummary).ok);
    QTRY_COMPARE_WITH_TIMEOUT(jobCount(QStringLiteral("reply_outside_thread")), 3, 10000);
    QCOMPARE(slackUpdates().size(), 0);

    auto q = m_store->exec(QStringLiteral("SELECT lane, ordering_key, payload, state FROM jobs WHERE kind = "
                                          "'reply_outside_thread' ORDER BY id"));
    QVERIFY(q.ok());
    QStringList reasons;
    while (q.value()->next()) {
        QCOMPARE(q.value()->value(0).toString(), QStringLiteral("fast"));
        QCOMPARE(q.value()->value(1).toString(), QStringLiteral("ch:") + m_adaDm);
        QCOMPARE(q.value()->value(3).toString(), QStringLiteral("pending"));
        const QJsonObject p = QJsonDocument::fromJson(q.value()->value(2).toString().toUtf8()).object();
        QCOMPARE(p.value(QStringLiteral("channel")).toString(), m_adaDm);
        QCOMPARE(p.value(QStringLiteral("user")).toString(), m_adaId);
        QVERIFY(!p.value(QStringLiteral("text")).toString().isEmpty());
        reasons << p.value(QStringLiteral("reason")).toString();
    }
    q.value()->finish();
    QCOMPARE(reasons, (QStringList{QStringLiteral("outside_thread"), QStringLiteral("unknown_thread"),
                                   QStringLiteral("closed_request")}));
}

void TestSyncInbound::unknownPersonGetsHelpfulReply()
{
    startSandbox(false);
    // Carol writes in Ada's thread (impossible in a real DM, so a visible failure), then a stranger
    // not in the people table does the same: nothing reaches the desk, the stranger is told so in
    // the thread and their name is looked up (users.info) for whoever reads the inbox.
    const QString ts1 = QStringLiteral("1800000000.000400");
    const QString ts2 = QStringLiteral("1800000000.000500");
    auto carol = m_store->upsertPerson({QStringLiteral("UCAROL"), QStringLiteral("Carol"), {}, false});
    QVERIFY(carol.ok());
    m_sandbox->socketMode().deliver(userMessagePayload(
        QStringLiteral("EvC"), m_adaDm, QStringLiteral("UCAROL"), ts1, m_adaSummary, QStringLiteral("hi")));
    m_sandbox->socketMode().deliver(userMessagePayload(QStringLiteral("EvS"), m_adaDm,
                                                       QStringLiteral("USTRANGER"), ts2, m_adaSummary,
                                                       QStringLiteral("hi")));
    m_sandbox->socketMode().deliver(userMessagePayload(QStringLiteral("EvOk"), m_adaDm, m_adaId,
                                                       QStringLiteral("1800000000.000600"), m_adaSummary,
                                                       QStringLiteral("after them")));
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 10000);
    InboundStore inbox(m_store);
    auto c = inbox.rowByEventId(QStringLiteral("EvC"));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.rowByEventId(QStringLiteral("EvC")).value()->state, InboxState::Failed,
                              5000);
    QVERIFY(inbox.rowByEventId(QStringLiteral("EvC"))
                .value()
                ->lastError.contains(QLatin1String("author mismatch")));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.rowByEventId(QStringLiteral("EvS")).value()->state, InboxState::Applied,
                              5000);
    const QString why = inbox.rowByEventId(QStringLiteral("EvS")).value()->lastError;
    QVERIFY2(why.contains(QLatin1String("unknown person")) && why.contains(QLatin1String("unknown_person")),
             qPrintable(why));
    QCOMPARE(inbox.rowByEventId(QStringLiteral("EvS")).value()->updateId, 0);
    auto q = m_store->exec(QStringLiteral("SELECT payload FROM jobs WHERE kind = 'reply_outside_thread'"));
    QVERIFY(q.ok());
    QVERIFY(q.value()->next());
    const QJsonObject p = QJsonDocument::fromJson(q.value()->value(0).toString().toUtf8()).object();
    q.value()->finish();
    QCOMPARE(p.value(QStringLiteral("reason")).toString(), QStringLiteral("unknown_person"));
    QCOMPARE(p.value(QStringLiteral("user")).toString(), QStringLiteral("USTRANGER"));
    QCOMPARE(p.value(QStringLiteral("thread_ts")).toString(), m_adaSummary);
    QVERIFY(p.value(QStringLiteral("text")).toString().contains(QLatin1String("not added")));
    QCOMPARE(jobCount(QStringLiteral("users_info")), 1);
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT state FROM slack_users WHERE slack_id = 'USTRANGER'"))
                 .value()
                 ->toString(),
             QStringLiteral("pending"));
    QCOMPARE(jobCount(QStringLiteral("reply_outside_thread")), 1);
}

QMap<qint64, int> TestSyncInbound::refreshJobs(Store *store)
{
    QMap<qint64, int> out;
    auto q = store->exec(QStringLiteral("SELECT conversation_id, COUNT(*) FROM jobs WHERE kind = "
                                        "'refresh_summary' GROUP BY conversation_id"));
    if (!q)
        return out;
    while (q.value()->next())
        out.insert(q.value()->value(0).toLongLong(), q.value()->value(1).toInt());
    q.value()->finish();
    return out;
}

QString TestSyncInbound::slackUserState(const QString &slackId)
{
    auto v =
        m_store->scalar(QStringLiteral("SELECT state || ':' || COALESCE(name, '') FROM slack_users WHERE "
                                       "slack_id = ?"),
                        {slackId});
    return v && v.value() ? v.value()->toString() : QString();
}

// A member renames themselves in Slack: the sandbox raises user_change (Socket Mode), the inbox
// stores it once, the processor renames the desk person and queues one summary refresh per
// conversation whose summary shows them (Ada is the requester: both threads of the request).
// Redeliveries (same event_id, or a new event_id for the same change) do nothing more; an older
// change that arrives late does not bring the old name back.
void TestSyncInbound::userChangeRenamesThePersonOnce()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    // Carol follows nothing that shows Ada: her conversation of another request is untouched.
    auto carol = m_store->upsertPerson({QStringLiteral("UCAROL"), QStringLiteral("Carol"), {}, false});
    QVERIFY(carol.ok());
    NewRequest other;
    other.title = QStringLiteral("Other");
    other.body = QStringLiteral("b");
    other.requesterId = carol.value().id;
    other.assigneeId = m_bob;
    auto otherRequest = m_store->createRequest(other);
    QVERIFY(otherRequest.ok());
    const qint64 carolConv = addConversation(otherRequest.value().id, carol.value().id,
                                             QStringLiteral("DCAROL"), QStringLiteral("5.0"));
    QVERIFY(carolConv > 0);

    QList<QJsonObject> raised;
    connect(&ws, &sandbox::Workspace::eventRaised, this, [&](const QJsonObject &payload) {
        if (payload.value(QStringLiteral("event")).toObject().value(QStringLiteral("type")).toString() ==
            QLatin1String("user_change"))
            raised << payload;
    });
    const int rowsBefore = inboxRows().size();
    sandbox::Workspace::ProfileChange change;
    change.displayName = QStringLiteral("Ada  Byron\u202e"); // bidi control and double space cleaned
    QCOMPARE(ws.changeProfile(m_adaId, change), QString());
    QCOMPARE(raised.size(), 1);
    const QJsonObject user = raised.constFirst()
                                 .value(QStringLiteral("event"))
                                 .toObject()
                                 .value(QStringLiteral("user"))
                                 .toObject();
    QCOMPARE(user.value(QStringLiteral("id")).toString(), m_adaId);
    QCOMPARE(
        user.value(QStringLiteral("profile")).toObject().value(QStringLiteral("display_name")).toString(),
        QStringLiteral("Ada  Byron\u202e"));

    QTRY_COMPARE_WITH_TIMEOUT(m_store->person(m_ada).value().name, QStringLiteral("Ada Byron"), 10000);
    InboundStore inbox(m_store);
    const QString eventId = raised.constFirst().value(QStringLiteral("event_id")).toString();
    QTRY_COMPARE_WITH_TIMEOUT(inbox.rowByEventId(eventId).value()->state, InboxState::Applied, 5000);
    const InboxRow row = *inbox.rowByEventId(eventId).value();
    QCOMPARE(row.kind, QStringLiteral("user_changed"));
    QCOMPARE(row.channel, m_adaId);
    QVERIFY2(row.lastError.contains(QLatin1String("2 summaries to refresh")), qPrintable(row.lastError));
    QCOMPARE(slackUserState(m_adaId), QStringLiteral("resolved:Ada Byron"));
    QMap<qint64, int> jobs = refreshJobs(m_store);
    QCOMPARE(jobs.value(m_adaConv), 1);
    QCOMPARE(jobs.value(m_bobConv), 1);
    QCOMPARE(jobs.value(carolConv), 0);
    QCOMPARE(jobs.size(), 2);
    // The desk and its audit log show the rename.
    QCOMPARE(m_store
                 ->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'person.upsert' AND "
                                         "entity_id = ? AND after_json LIKE '%Ada Byron%'"),
                          {m_ada})
                 .value()
                 ->toInt(),
             1);

    // The same event again, and the same change under a new event_id: stored once, nothing more.
    QStringList acked;
    connect(&ws, &sandbox::Workspace::envelopeAcked, this, [&](const QString &, const QString &id) {
        if (id == eventId || id == QLatin1String("EvRenamedAgain"))
            acked << id;
    });
    m_sandbox->socketMode().deliver(raised.constFirst());
    QJsonObject renamed = raised.constFirst();
    renamed.insert(QStringLiteral("event_id"), QStringLiteral("EvRenamedAgain"));
    m_sandbox->socketMode().deliver(renamed);
    QTRY_VERIFY_WITH_TIMEOUT(acked.contains(eventId) && acked.contains(QStringLiteral("EvRenamedAgain")),
                             5000);
    QVERIFY(QTest::qWaitFor([&] { return inbox.count(InboxState::Pending).value() == 0; }, 5000));
    QCOMPARE(inboxRows().size(), rowsBefore + 1);
    QCOMPARE(refreshJobs(m_store), jobs);

    // Renamed again, then the first change arrives late under a new id: the newer name stays.
    change.displayName = QStringLiteral("Ada King");
    QCOMPARE(ws.changeProfile(m_adaId, change), QString());
    QTRY_COMPARE_WITH_TIMEOUT(m_store->person(m_ada).value().name, QStringLiteral("Ada King"), 10000);
    QJsonObject late = raised.constFirst();
    late.insert(QStringLiteral("event_id"), QStringLiteral("EvLate"));
    QJsonObject lateEvent = late.value(QStringLiteral("event")).toObject();
    // One second before the first change: an older change, not a redelivery of either.
    const QStringList firstTs =
        lateEvent.value(QStringLiteral("event_ts")).toString().split(QLatin1Char('.'));
    QCOMPARE(firstTs.size(), 2);
    const QString lateTs = QString::number(firstTs.at(0).toLongLong() - 1) + QLatin1Char('.') + firstTs.at(1);
    lateEvent.insert(QStringLiteral("event_ts"), lateTs);
    late.insert(QStringLiteral("event"), lateEvent);
    m_sandbox->socketMode().deliver(late);
    QTRY_COMPARE_WITH_TIMEOUT(inbox.rowByEventId(QStringLiteral("EvLate")).value().has_value(), true, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(inbox.rowByEventId(QStringLiteral("EvLate")).value()->state,
                              InboxState::Ignored, 5000);
    QVERIFY(inbox.rowByEventId(QStringLiteral("EvLate")).value()->lastError.contains(QLatin1String("older")));
    QCOMPARE(m_store->person(m_ada).value().name, QStringLiteral("Ada King"));
    QCOMPARE(slackUserState(m_adaId), QStringLiteral("resolved:Ada King"));

    // A member who is not a desk person: only the cached name, used for mentions at once.
    const QString stranger = ws.addUser(QStringLiteral("zed"), {}, QStringLiteral("Zed Old")).id;
    change.displayName = QStringLiteral("Zed New");
    QCOMPARE(ws.changeProfile(stranger, change), QString());
    QTRY_COMPARE_WITH_TIMEOUT(slackUserState(stranger), QStringLiteral("resolved:Zed New"), 10000);
    m_sandbox->socketMode().deliver(userMessagePayload(QStringLiteral("EvMention"), m_adaDm, m_adaId,
                                                       QStringLiteral("1800000000.000900"), m_adaSummary,
                                                       QStringLiteral("ask <@%1>").arg(stranger)));
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 10000);
    QCOMPARE(slackUpdates().constFirst().text, QStringLiteral("ask @Zed New"));
    QCOMPARE(jobCount(QStringLiteral("users_info")), 0);
    QCOMPARE(m_store->person(carol.value().id).value().name, QStringLiteral("Carol"));
}

// Ten renames in a burst while the processor is busy elsewhere: one pending refresh per
// conversation, and the desk ends with the last name.
void TestSyncInbound::userChangeStormIsCoalesced()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    m_processor->stop();
    const int rowsBefore = inboxRows().size();
    sandbox::Workspace::ProfileChange change;
    for (int i = 1; i <= 10; ++i) {
        change.realName = QStringLiteral("Ada %1").arg(i);
        change.displayName = QString(); // display name cleared: the real name is shown
        QCOMPARE(ws.changeProfile(m_adaId, change), QString());
    }
    QTRY_COMPARE_WITH_TIMEOUT(inboxRows().size(), rowsBefore + 10, 10000);
    auto done = m_processor->processDue();
    QVERIFY2(done.ok(), qPrintable(done.ok() ? QString() : done.error().toString()));
    QCOMPARE(done.value(), 10);
    QCOMPARE(m_store->person(m_ada).value().name, QStringLiteral("Ada 10"));
    const QMap<qint64, int> jobs = refreshJobs(m_store);
    QCOMPARE(jobs.value(m_adaConv), 1);
    QCOMPARE(jobs.value(m_bobConv), 1);
    QCOMPARE(jobs.size(), 2);
    // Once that refresh is no longer pending (it ran), the next rename queues a new one.
    QVERIFY(m_store
                ->execAffected(
                    QStringLiteral("UPDATE jobs SET state = 'done' WHERE kind = 'refresh_summary'"), {})
                .ok());
    change.realName = QStringLiteral("Ada 11");
    QCOMPARE(ws.changeProfile(m_adaId, change), QString());
    QTRY_COMPARE_WITH_TIMEOUT(inboxRows().size(), rowsBefore + 11, 10000);
    QCOMPARE(m_processor->processDue().value(), 1);
    QCOMPARE(refreshJobs(m_store).value(m_adaConv), 2);
    QCOMPARE(m_store->person(m_ada).value().name, QStringLiteral("Ada 11"));
}

// A deactivated member (user.deleted) is marked in slack_users and never looked up again; the desk
// person and their threads stay (docs/sync.md, "Renames").
void TestSyncInbound::deactivatedUserIsMarkedNotLookedUp()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    sandbox::Workspace::ProfileChange change;
    change.deleted = true;
    QCOMPARE(ws.changeProfile(m_bobId, change), QString());
    QTRY_COMPARE_WITH_TIMEOUT(slackUserState(m_bobId), QStringLiteral("deactivated:bob"), 10000);
    InboundStore inbox(m_store);
    auto rows = inboxRows();
    QVERIFY(std::any_of(rows.cbegin(), rows.cend(), [](const InboxRow &r) {
        return r.kind == QLatin1String("user_changed") && r.state == InboxState::Applied &&
               r.lastError.contains(QLatin1String("deactivated"));
    }));
    // The handle is the only name left (the sandbox's display name is the handle): the desk
    // renames Bob Agent to "bob", and his conversation keeps its state.
    QCOMPARE(m_store->person(m_bob).value().name, QStringLiteral("bob"));
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT state FROM conversations WHERE id = ?"), {m_bobConv})
                 .value()
                 ->toString(),
             QStringLiteral("active"));
    // Never looked up again, and a mention shows the cached name.
    auto looked =
        m_store->transaction([&]() -> Result<void> { return SlackUsers::requestLookup(m_store, m_bobId); });
    QVERIFY(looked.ok());
    QCOMPARE(jobCount(QStringLiteral("users_info")), 0);
    QCOMPARE(SlackUsers::cachedName(m_store, m_bobId).value().value_or(QString()), QStringLiteral("bob"));
    // Reactivated: resolved again.
    change.deleted = false;
    change.displayName = QStringLiteral("Bob Back");
    QCOMPARE(ws.changeProfile(m_bobId, change), QString());
    QTRY_COMPARE_WITH_TIMEOUT(slackUserState(m_bobId), QStringLiteral("resolved:Bob Back"), 10000);
    QCOMPARE(m_store->person(m_bob).value().name, QStringLiteral("Bob Back"));
    // The sandbox refuses what Slack refuses.
    QCOMPARE(ws.changeProfile(QStringLiteral("UNOBODY"), change), QStringLiteral("user_not_found"));
    change.displayName = QString(81, QLatin1Char('x'));
    QCOMPARE(ws.changeProfile(m_bobId, change), QStringLiteral("invalid_name"));
}

// What users.info sends is checked before it becomes desk text: ids we look up, and names cut to
// something printable on one line.
void TestSyncInbound::replyToASummaryNotYetRecordedWaitsForIt()
{
    startSandbox(false);
    // A second request for Ada whose summary is posted but whose ts is not recorded yet (the
    // result is committed after the call, or the posting process died and the intent awaits
    // reconciliation): its post_summary job is still open.
    NewRequest nr;
    nr.title = QStringLiteral("Badge lost");
    nr.body = QStringLiteral("At the front desk");
    nr.requesterId = m_ada;
    nr.assigneeId = m_bob;
    auto request = m_store->createRequest(nr);
    QVERIFY(request.ok());
    const qint64 rid = request.value().id;
    auto conv = m_store->insert(
        QStringLiteral("INSERT INTO conversations (request_id, person_id, channel_id, summary_ts, state, "
                       "created_at, updated_at) VALUES (?, ?, ?, NULL, 'pending', ?, ?) RETURNING id"),
        {rid, m_ada, m_adaDm, m_store->now(), m_store->now()});
    QVERIFY(conv.ok());
    NewJob job;
    job.lane = QStringLiteral("fast");
    job.kind = QStringLiteral("post_summary");
    job.orderingKey = QStringLiteral("conv:%1").arg(conv.value());
    job.dedupeKey = QStringLiteral("test-summary:%1").arg(conv.value());
    job.requestId = rid;
    job.conversationId = conv.value();
    QVERIFY(m_store->enqueueJob(job).ok());
    QVERIFY(
        m_store
            ->execAffected(QStringLiteral("UPDATE jobs SET state = 'in_flight' WHERE conversation_id = ?"),
                           {conv.value()})
            .ok());
    const int echoes = int(inboxRows().size()) + 1;
    const QString summaryTs = postAsBot(m_adaDm, QStringLiteral("*Badge lost* — you are the requester"));
    QVERIFY(!summaryTs.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(int(inboxRows().size()), echoes, 5000);

    auto &ws = m_sandbox->workspace();
    QVERIFY(ws.postAsUser(m_adaId, QStringLiteral("found it, never mind"), summaryTs).ok);
    const auto slackCount = [&] {
        return m_store
            ->scalar(QStringLiteral("SELECT COUNT(*) FROM updates WHERE request_id = ? AND source = 'slack'"),
                     {rid})
            .value()
            ->toInt();
    };
    // The reply waits (pending, deferred) instead of getting "unknown thread".
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto rows = inboxRows();
            return std::any_of(rows.begin(), rows.end(), [](const InboxRow &r) {
                return r.state == InboxState::Pending && r.lastError.contains(QStringLiteral("summary"));
            });
        }(),
        5000);
    QCOMPARE(jobCount(QStringLiteral("reply_outside_thread")), 0);
    QCOMPARE(slackCount(), 0);

    // The summary's ts is recorded: the reply lands on that request, once.
    QVERIFY(m_store
                ->execAffected(
                    QStringLiteral("UPDATE conversations SET summary_ts = ?, state = 'active' WHERE id = ?"),
                    {summaryTs, conv.value()})
                .ok());
    QVERIFY(m_store
                ->execAffected(QStringLiteral("UPDATE jobs SET state = 'done' WHERE conversation_id = ?"),
                               {conv.value()})
                .ok());
    QTRY_COMPARE_WITH_TIMEOUT(slackCount(), 1, 10000);
    QCOMPARE(jobCount(QStringLiteral("reply_outside_thread")), 0);

    // A reply in a thread of no request, while no summary is on its way, is answered at once.
    const QString other = postAsBot(m_adaDm, QStringLiteral("a thread of no request"));
    QVERIFY(ws.postAsUser(m_adaId, QStringLiteral("in an unknown thread"), other).ok);
    QTRY_COMPARE_WITH_TIMEOUT(jobCount(QStringLiteral("reply_outside_thread")), 1, 10000);
    QCOMPARE(slackCount(), 1);
}

void TestSyncInbound::slackUserNamesAreChecked()
{
    QFETCH_GLOBAL(QString, backend);
    if (backend != QLatin1String("sqlite"))
        QSKIP("pure functions: once is enough");
    using namespace SlackUsers;
    QVERIFY(isValidUserId(QStringLiteral("U024BE7LH")));
    QVERIFY(isValidUserId(QStringLiteral("W012A3CDE")));
    for (const QString &bad :
         {QString(), QStringLiteral("U"), QStringLiteral("u024be7lh"), QStringLiteral("C024BE7LH"),
          QStringLiteral("U024'; DROP TABLE people;--"), QStringLiteral("U%"), QStringLiteral("U_1"),
          QString(QStringLiteral("U") + QString(40, QLatin1Char('A'))), QStringLiteral("U12\n")})
        QVERIFY2(!isValidUserId(bad), qPrintable(bad));
    QCOMPARE(cleanName(QStringLiteral("  Dana \t Scully\n")), QStringLiteral("Dana Scully"));
    QCOMPARE(cleanName(QStringLiteral("a\u0000b\u001bc\u202ed")), QStringLiteral("a b c d"));
    QCOMPARE(cleanName(QStringLiteral("\n\t \u200b")), QString());
    QCOMPARE(cleanName(QString(100000, QLatin1Char('x'))).size(), 80);
    // 79 letters and an emoji: never half a surrogate pair.
    const QString cut = cleanName(QString(79, QLatin1Char('x')) + QStringLiteral("\U0001F600"));
    QVERIFY(!cut.back().isHighSurrogate());
    QVERIFY(cut.size() <= 80);
    // Markup is kept as text: the outbound side escapes & < > and neutralizes mass mentions.
    QCOMPARE(cleanName(QStringLiteral("<!channel> & Co")), QStringLiteral("<!channel> & Co"));
}

void TestSyncInbound::fileShareRecordedWithoutDownload()
{
    startSandbox(false);
    auto &ws = m_sandbox->workspace();
    QVERIFY(ws.uploadAsUser(m_adaId, QStringLiteral("screenshot.png"), QByteArray(2048, 'x'),
                            QStringLiteral("image/png"), m_adaSummary, QStringLiteral("here is the error"))
                .ok);
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 10000);
    const QString text = slackUpdates().constFirst().text;
    QVERIFY2(text.startsWith(QLatin1String("here is the error")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("[file: screenshot.png")), qPrintable(text));
    QVERIFY(text.contains(QLatin1String("not transferred yet")));
    QCOMPARE(ws.callCount(QStringLiteral("files.info")), 0); // nothing downloaded or looked up
}

void TestSyncInbound::hostilePayloads_data()
{
    QTest::addColumn<QJsonObject>("payload");
    QTest::addColumn<QString>("expectedState");
    QTest::addColumn<QString>("reasonContains");

    const auto base = [](const QJsonObject &event, const QString &id) {
        return QJsonObject{{QStringLiteral("type"), QStringLiteral("event_callback")},
                           {QStringLiteral("event_id"), id},
                           {QStringLiteral("event"), event}};
    };
    QTest::newRow("no event") << QJsonObject{{QStringLiteral("type"), QStringLiteral("event_callback")},
                                             {QStringLiteral("event_id"), QStringLiteral("EvH1")}}
                              << "failed"
                              << "no event";
    QTest::newRow("no event_id") << QJsonObject{{QStringLiteral("type"), QStringLiteral("event_callback")},
                                                {QStringLiteral("event"), QJsonObject{}}}
                                 << "failed"
                                 << "event_id";
    QTest::newRow("event not object")
        << base(QJsonObject{}, QStringLiteral("EvH2")).value(QStringLiteral("x")).toObject() << "failed"
        << "type";
    QTest::newRow("ts is a number") << base(QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                                                        {QStringLiteral("channel"), QStringLiteral("D1")},
                                                        {QStringLiteral("user"), QStringLiteral("U1")},
                                                        {QStringLiteral("ts"), 12.5}},
                                            QStringLiteral("EvH3"))
                                    << "failed"
                                    << "event.ts";
    QTest::newRow("channel is an array")
        << base(QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                            {QStringLiteral("channel"), QJsonArray{1, 2}},
                            {QStringLiteral("ts"), QStringLiteral("1.2")}},
                QStringLiteral("EvH4"))
        << "failed"
        << "event.channel";
    QTest::newRow("files not an array")
        << base(QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                            {QStringLiteral("channel"), QStringLiteral("D1")},
                            {QStringLiteral("user"), QStringLiteral("U1")},
                            {QStringLiteral("ts"), QStringLiteral("1.3")},
                            {QStringLiteral("files"), QStringLiteral("nope")}},
                QStringLiteral("EvH5"))
        << "failed"
        << "event.files";
    QTest::newRow("edit without message")
        << base(QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                            {QStringLiteral("subtype"), QStringLiteral("message_changed")},
                            {QStringLiteral("channel"), QStringLiteral("D1")}},
                QStringLiteral("EvH6"))
        << "failed"
        << "edit";
    QTest::newRow("message without author")
        << base(QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                            {QStringLiteral("channel"), QStringLiteral("D1")},
                            {QStringLiteral("ts"), QStringLiteral("1.4")}},
                QStringLiteral("EvH7"))
        << "failed"
        << "author";
    // Deeply nested JSON (QJsonDocument refuses more than 1024 levels when parsing; build 1000).
    QJsonValue nested = QStringLiteral("deep");
    for (int i = 0; i < 1000; ++i)
        nested = QJsonObject{{QStringLiteral("n"), nested}};
    QJsonObject deepEvent{{QStringLiteral("type"), QStringLiteral("message")},
                          {QStringLiteral("channel"), QStringLiteral("D1")},
                          {QStringLiteral("ts"), QStringLiteral("1.5")},
                          {QStringLiteral("user"), nested}};
    QTest::newRow("deeply nested") << base(deepEvent, QStringLiteral("EvH8")) << "failed"
                                   << "event.user";
    QTest::newRow("unknown payload type")
        << QJsonObject{{QStringLiteral("type"), QStringLiteral("app_rate_limited")}} << "ignored"
        << "payload:app_rate_limited";
    QTest::newRow("other event type")
        << base(QJsonObject{{QStringLiteral("type"), QStringLiteral("reaction_added")}},
                QStringLiteral("EvH9"))
        << "ignored"
        << "event:reaction_added";
    // user_change (a member's profile): the user object is required and typed as Slack sends it.
    const auto userChange = [&](const QJsonValue &user, const QString &id) {
        QJsonObject event{{QStringLiteral("type"), QStringLiteral("user_change")},
                          {QStringLiteral("event_ts"), QStringLiteral("1800000000.000100")}};
        if (!user.isUndefined())
            event.insert(QStringLiteral("user"), user);
        return base(event, id);
    };
    QTest::newRow("user_change without user")
        << userChange(QJsonValue::Undefined, QStringLiteral("EvU1")) << "failed"
        << "has no user";
    QTest::newRow("user_change user is a string")
        << userChange(QStringLiteral("U0ADA"), QStringLiteral("EvU2")) << "failed"
        << "event.user";
    QTest::newRow("user_change id is a number")
        << userChange(QJsonObject{{QStringLiteral("id"), 42}}, QStringLiteral("EvU3")) << "failed"
        << "event.user.id";
    QTest::newRow("user_change id is not a user id")
        << userChange(QJsonObject{{QStringLiteral("id"), QStringLiteral("D0CHANNEL'; --")}},
                      QStringLiteral("EvU4"))
        << "failed"
        << "event.user.id";
    QTest::newRow("user_change deleted is a string")
        << userChange(QJsonObject{{QStringLiteral("id"), QStringLiteral("U0ZED")},
                                  {QStringLiteral("deleted"), QStringLiteral("yes")}},
                      QStringLiteral("EvU5"))
        << "failed"
        << "event.user.deleted";
    QTest::newRow("user_change profile of the wrong type")
        << userChange(QJsonObject{{QStringLiteral("id"), QStringLiteral("U0ZED")},
                                  {QStringLiteral("profile"), QJsonArray{1}}},
                      QStringLiteral("EvU6"))
        << "failed"
        << "event.user.profile";
    QTest::newRow("user_change 200,000-character name")
        << userChange(
               QJsonObject{{QStringLiteral("id"), QStringLiteral("U0ZED")},
                           {QStringLiteral("profile"), QJsonObject{{QStringLiteral("display_name"),
                                                                    QString(200000, QLatin1Char('n'))}}}},
               QStringLiteral("EvU7"))
        << "failed"
        << "too long";
    QTest::newRow("user_change with unknown fields")
        << userChange(QJsonObject{{QStringLiteral("id"), QStringLiteral("U0ZED")},
                                  {QStringLiteral("name"), QStringLiteral("zed")},
                                  {QStringLiteral("brand_new"),
                                   QJsonObject{{QStringLiteral("x"), QJsonArray{1, 2}}}},
                                  {QStringLiteral("profile"),
                                   QJsonObject{{QStringLiteral("display_name"), QStringLiteral("Zed")},
                                               {QStringLiteral("pronouns"), 7}}}},
                      QStringLiteral("EvU8"))
        << "applied"
        << "not a desk person";
}

void TestSyncInbound::hostilePayloads()
{
    QFETCH(QJsonObject, payload);
    QFETCH(QString, expectedState);
    QFETCH(QString, reasonContains);
    startSandbox(false);
    QSignalSpy acks(&m_sandbox->workspace(), &sandbox::Workspace::envelopeAcked);
    m_sandbox->socketMode().deliver(payload);
    // Huge text in a request thread: stored, then failed by the processor with the reason.
    m_sandbox->socketMode().deliver(userMessagePayload(QStringLiteral("EvHuge"), m_adaDm, m_adaId,
                                                       QStringLiteral("1800000000.000700"), m_adaSummary,
                                                       QString(200000, QLatin1Char('x'))));
    m_sandbox->socketMode().deliver(userMessagePayload(QStringLiteral("EvAfter"), m_adaDm, m_adaId,
                                                       QStringLiteral("1800000000.000800"), m_adaSummary,
                                                       QStringLiteral("a later row")));
    QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 3, 10000); // stored, so acked, malformed or not
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 10000);
    QCOMPARE(slackUpdates().constFirst().text, QStringLiteral("a later row"));
    InboundStore inbox(m_store);
    QTRY_COMPARE_WITH_TIMEOUT(inbox.rowByEventId(QStringLiteral("EvHuge")).value()->state, InboxState::Failed,
                              5000);
    QVERIFY(
        inbox.rowByEventId(QStringLiteral("EvHuge")).value()->lastError.contains(QLatin1String("too long")));
    bool found = false;
    for (const InboxRow &row : inboxRows()) {
        if (row.eventId == QLatin1String("EvHuge") || row.eventId == QLatin1String("EvAfter") ||
            row.kind == QLatin1String("own_echo"))
            continue;
        found = true;
        QCOMPARE(inboxStateName(row.state), expectedState);
        QVERIFY2(row.lastError.contains(reasonContains), qPrintable(row.lastError));
        QVERIFY(row.processedAt > 0);
    }
    QVERIFY(found);
}

void TestSyncInbound::invalidJsonBytesAreFailedRows()
{
    // The transports refuse invalid JSON before the inbox (SocketModeClient drops the frame; the
    // Events receiver answers 400): receive(bytes) is the path for tools and replays.
    InboundStore inbox(m_store);
    SlackIdentity self;
    for (const QByteArray &bytes :
         {QByteArray("{not json"), QByteArray("[1,2,3]"), QByteArray("\xff\xfe\x00", 3),
          QByteArray(InboundStore::MaxPayloadBytes + 10, 'a')}) {
        auto r = inbox.receive(bytes, self);
        QVERIFY2(r.ok(), qPrintable(r.error().toString()));
        QVERIFY(r.value().inserted);
        QCOMPARE(r.value().state, InboxState::Failed);
        auto again = inbox.receive(bytes, self); // the same bytes again: a duplicate, still a success
        QVERIFY(again.ok());
        QVERIFY(!again.value().inserted);
    }
    auto rows = inbox.rows();
    QCOMPARE(rows.value().size(), 4);
    for (const InboxRow &row : rows.value()) {
        QCOMPARE(row.state, InboxState::Failed);
        QVERIFY(!row.lastError.isEmpty());
        QVERIFY(row.payload.size() <= 64 * 1024 + 16);
    }
}

void TestSyncInbound::crashBetweenApplyAndMarkDoesNotDoubleApply()
{
    startSandbox(false);
    m_processor->stop();
    m_sandbox->socketMode().deliver(userMessagePayload(QStringLiteral("EvCrash"), m_adaDm, m_adaId,
                                                       QStringLiteral("1800000000.000900"), m_adaSummary,
                                                       QStringLiteral("exactly once")));
    InboundStore inbox(m_store);
    QTRY_VERIFY_WITH_TIMEOUT(inbox.rowByEventId(QStringLiteral("EvCrash")).value().has_value(), 5000);
    // Simulate a crash after the desk write but before COMMIT: the whole transaction rolls back.
    auto rolledBack = m_store->transaction([&]() -> Result<void> {
        InboundProcessor p(m_store, m_self);
        p.setReplySink({});
        auto n = p.processDue(10);
        if (!n)
            return n.error();
        if (slackUpdates().size() != 1)
            return makeError(ErrorCode::Internal, QStringLiteral("not applied inside the transaction"));
        return makeError(ErrorCode::Internal, QStringLiteral("crash before COMMIT"));
    });
    QVERIFY(!rolledBack.ok());
    QCOMPARE(rolledBack.error().message, QStringLiteral("crash before COMMIT"));
    QCOMPARE(slackUpdates().size(), 0);
    QCOMPARE(inbox.rowByEventId(QStringLiteral("EvCrash")).value()->state, InboxState::Pending);
    // "Restart": processed again, once; a second pass finds nothing.
    InboundProcessor restarted(m_store, m_self);
    QCOMPARE(restarted.processDue(10).value(), 1);
    QCOMPARE(restarted.processDue(10).value(), 0);
    QCOMPARE(slackUpdates().size(), 1);
    checkInvariants();
}

void TestSyncInbound::httpEventsReplyBecomesOneDeskUpdate()
{
    startSandbox(true);
    auto &ws = m_sandbox->workspace();
    ws.faults().duplicateRate = 0.5;
    QVERIFY(ws.postAsUser(m_adaId, QStringLiteral("over HTTP, <@%1>").arg(m_bobId), m_adaSummary).ok);
    QVERIFY(ws.postAsUser(m_bobId, QStringLiteral("answer over HTTP"), m_bobSummary).ok);
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 2, 10000);
    QTest::qWait(300);
    QCOMPARE(slackUpdates().size(), 2);
    // Two people, two HTTP deliveries in flight at once: either may be stored first.
    QMap<qint64, QString> byAuthor;
    for (const Update &u : slackUpdates())
        byAuthor.insert(u.authorId, u.text);
    QCOMPARE(byAuthor.value(m_ada), QStringLiteral("over HTTP, @Bob Agent"));
    QCOMPARE(byAuthor.value(m_bob), QStringLiteral("answer over HTTP"));
    checkInvariants();
}

void TestSyncInbound::httpEventsStoreFailureIs500ThenRetried()
{
    startSandbox(true);
    auto &ws = m_sandbox->workspace();
    QStringList deliveredIds; // only the user's event (the summaries' echoes may still be answered)
    QList<int> attempts;
    QSignalSpy refused(m_receiver, &InboundReceiver::storeFailed);
    m_store->close();
    QStringList eventIds;
    connect(&ws, &sandbox::Workspace::eventRaised, this, [&](const QJsonObject &payload) {
        eventIds << payload.value(QStringLiteral("event_id")).toString();
    });
    connect(&m_sandbox->httpEvents(), &sandbox::HttpEventSender::eventDelivered, this,
            [&](const QString &eventId, int attempt) {
                if (eventIds.contains(eventId)) {
                    deliveredIds << eventId;
                    attempts << attempt;
                }
            });
    QVERIFY(ws.postAsUser(m_adaId, QStringLiteral("HTTP while the database is down"), m_adaSummary).ok);
    QCOMPARE(eventIds.size(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(refused.size() >= 1, 5000); // answered 500: not delivered
    QTest::qWait(100);
    QCOMPARE(deliveredIds.size(), 0);
    QVERIFY(m_store->open(m_dbUrl).ok());
    QTRY_VERIFY_WITH_TIMEOUT(deliveredIds.size() >= 1, 5000); // a retry is stored, then 200
    QVERIFY(attempts.constLast() >= 1);
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 5000);
}

void TestSyncInbound::httpEventsForgedSignaturesRejected_data()
{
    QTest::addColumn<QString>("secret");
    QTest::addColumn<qint64>("age");
    QTest::addColumn<bool>("tamper");
    QTest::addColumn<int>("expectedStatus");
    QTest::newRow("valid") << QString() << qint64(0) << false << 200;
    QTest::newRow("wrong secret") << QStringLiteral("forged-secret") << qint64(0) << false << 401;
    QTest::newRow("expired") << QString() << qint64(301) << false << 401;
    QTest::newRow("replayed a day later") << QString() << qint64(86400) << false << 401;
    QTest::newRow("from the future") << QString() << qint64(-400) << false << 401;
    QTest::newRow("body tampered") << QString() << qint64(0) << true << 401;
}

void TestSyncInbound::httpEventsForgedSignaturesRejected()
{
    QFETCH(QString, secret);
    QFETCH(qint64, age);
    QFETCH(bool, tamper);
    QFETCH(int, expectedStatus);
    startSandbox(true);
    const int before = inboxRows().size();
    const QByteArray body = QJsonDocument(userMessagePayload(QStringLiteral("EvSig"), m_adaDm, m_adaId,
                                                             QStringLiteral("1800000001.000100"),
                                                             m_adaSummary, QStringLiteral("signed")))
                                .toJson(QJsonDocument::Compact);
    const qint64 ts = QDateTime::currentSecsSinceEpoch() - age;
    const QString key = secret.isEmpty() ? m_sandbox->workspace().options().signingSecret : secret;
    const QByteArray signature = sandbox::HttpEventSender::signature(key.toUtf8(), ts, body);
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/slack/events").arg(m_http->port())));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    request.setRawHeader("X-Slack-Request-Timestamp", QByteArray::number(ts));
    request.setRawHeader("X-Slack-Signature", signature);
    QByteArray sent = body;
    if (tamper)
        sent.replace("signed", "SIGNED");
    // Sent twice: a replay of a valid request within the window is stored once.
    for (int i = 0; i < 2; ++i) {
        QNetworkReply *reply = m_nam->post(request, sent);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(finished.wait(5000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), expectedStatus);
        reply->deleteLater();
    }
    if (expectedStatus == 200) {
        QCOMPARE(inboxRows().size(), before + 1);
        QTRY_COMPARE_WITH_TIMEOUT(slackUpdates().size(), 1, 5000);
    } else {
        QCOMPARE(inboxRows().size(), before); // nothing stored
        QTest::qWait(100);
        QCOMPARE(slackUpdates().size(), 0);
    }
}

// Slack reply → desk update → copies in every OTHER follower's thread; top-level DM → helpful reply
// in Slack; Slack delete → desk delete → copies deleted. The outbound Engine runs with its own
// inbound side off; this half is attached to the Engine's store by hand (the Engine does not wire
// it yet, docs/sync.md "Engine wiring").
void TestSyncInbound::endToEndWithOutboundEngine()
{
    SandboxOptions options = test::quietSandboxOptions();
    options.ackTimeoutMs = 400;
    m_sandbox = new SandboxServer(options, this);
    QVERIFY(m_sandbox->listen());
    auto &ws = m_sandbox->workspace();
    delete m_store; // the Engine opens its own store on the same file
    m_store = nullptr;

    EngineOptions o = test::testEngineOptions(m_dbUrl, *m_sandbox, m_nam);
    o.inboundEnabled = false;
    o.maxAttempts = 8; // as in production: nothing in this flow has to be retried
    Engine engine(o);
    QVERIFY(engine.start().ok());
    QTRY_COMPARE_WITH_TIMEOUT(engine.state(), EngineState::Running, 10000);
    Store *store = engine.store();
    m_self = engine.slackClient()->identity();
    QVERIFY(m_self.isValid());

    QList<test::Member> people;
    for (const QString &name : {QStringLiteral("Ada"), QStringLiteral("Bob"), QStringLiteral("Carol")})
        people << test::addMember(ws, store, name);
    const qint64 rid = test::createRequest(store, people[0], {people[2]}, people[1],
                                           QStringLiteral("VPN does not connect"), {});
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto t = engine.requestThreads(rid);
            if (!t || t.value().threads.size() != 3)
                return false;
            const QList<ThreadState> threads = t.value().threads;
            return std::all_of(threads.cbegin(), threads.cend(),
                               [](const ThreadState &s) { return !s.summaryTs.isEmpty(); });
        }(),
        10000);
    QHash<qint64, ThreadState> threadOf;
    const QList<ThreadState> threads = engine.requestThreads(rid).value().threads;
    for (const ThreadState &t : threads)
        threadOf.insert(t.personId, t);

    InboundReceiver receiver(store, m_self);
    InboundProcessor processor(store, m_self);
    connect(&receiver, &InboundReceiver::stored, &processor, &InboundProcessor::wake);
    connect(&processor, &InboundProcessor::rowProcessed, &engine, &Engine::nudge);
    SocketModeClient socket(m_nam, {m_sandbox->apiUrl(), options.appToken});
    socket.setReconnectBackoff(20, 200);
    receiver.attachSocketMode(&socket);
    QSignalSpy ready(&socket, &SocketModeClient::ready);
    socket.start();
    QVERIFY(ready.wait(10000));
    processor.start();

    // Ada replies in her thread (Slack's wire text: what she typed, with & < > escaped).
    const ThreadState ada = threadOf.value(people[0].personId);
    const auto posted = ws.postAsUser(
        people[0].slackId, QStringLiteral("It says &lt;b&gt;timeout&lt;/b&gt; &amp; fails"), ada.summaryTs);
    QVERIFY(posted.ok);
    const auto botReplies = [&](const ThreadState &t) {
        QStringList texts;
        for (const auto *m : ws.replies(t.channelId, t.summaryTs)) {
            if (m->byApp && !m->deleted)
                texts << m->text;
        }
        return texts;
    };
    for (int i = 1; i < 3; ++i) {
        const ThreadState t = threadOf.value(people[i].personId);
        QTRY_COMPARE_WITH_TIMEOUT(botReplies(t).size(), 1, 10000);
        QVERIFY2(botReplies(t).constFirst().contains(QLatin1String("timeout")),
                 qPrintable(botReplies(t).constFirst()));
    }
    QTest::qWait(300);
    QCOMPARE(botReplies(ada).size(), 0); // the poster never receives their own update
    const auto timeline = store->timeline(rid).value();
    QCOMPARE(timeline.updates.size(), 1);
    QCOMPARE(timeline.updates.constFirst().source, UpdateSource::Slack);
    QCOMPARE(timeline.updates.constFirst().authorId, people[0].personId);
    QCOMPARE(timeline.updates.constFirst().text, QStringLiteral("It says <b>timeout</b> & fails"));

    // Ada mentions Dana, who is in Slack but not on the desk: the desk shows the placeholder at
    // once, users.info (one call) brings the name, and the desk text and both copies are refreshed.
    const QString dana = ws.addUser(QStringLiteral("Dana Scully"), QStringLiteral("dana@example.com")).id;
    const auto mention =
        ws.postAsUser(people[0].slackId, QStringLiteral("ask <@%1> about the VPN").arg(dana), ada.summaryTs);
    QVERIFY(mention.ok);
    const QString named = QStringLiteral("ask @Dana Scully about the VPN");
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto t = store->timeline(rid).value();
            return t.updates.size() == 2 && t.updates.constLast().text == named;
        }(),
        10000);
    for (int i = 1; i < 3; ++i)
        QTRY_VERIFY_WITH_TIMEOUT(botReplies(threadOf.value(people[i].personId))
                                     .constLast()
                                     .contains(QLatin1String("@Dana Scully")),
                                 10000);
    QCOMPARE(ws.callCount(QStringLiteral("users.info")), 1);
    // Known now: a second mention is named at once, without another lookup.
    QVERIFY(ws.postAsUser(people[0].slackId, QStringLiteral("<@%1> knows").arg(dana), ada.summaryTs).ok);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto t = store->timeline(rid).value();
            return t.updates.size() == 3 &&
                   t.updates.constLast().text == QStringLiteral("@Dana Scully knows");
        }(),
        10000);
    QCOMPARE(ws.callCount(QStringLiteral("users.info")), 1);
    // Someone Slack does not know stays a placeholder, with the reason recorded.
    QVERIFY(ws.postAsUser(people[0].slackId, QStringLiteral("and <@UGHOST1>"), ada.summaryTs).ok);
    QTRY_COMPARE_WITH_TIMEOUT(
        store->scalar(QStringLiteral("SELECT state FROM slack_users WHERE slack_id = 'UGHOST1'"))
            .value()
            .value_or(QVariant())
            .toString(),
        QStringLiteral("not_found"), 10000);
    QCOMPARE(store->timeline(rid).value().updates.constLast().text, QStringLiteral("and @UGHOST1"));

    // Ada deletes it in Slack: the desk deletes it, the copies go.
    QVERIFY(ws.deleteAsUser(people[0].slackId, posted.ts).ok);
    QTRY_VERIFY_WITH_TIMEOUT(store->update(timeline.updates.constFirst().id).value().isDeleted(), 10000);
    for (int i = 1; i < 3; ++i)
        QTRY_VERIFY_WITH_TIMEOUT(!botReplies(threadOf.value(people[i].personId))
                                      .join(QLatin1Char('\n'))
                                      .contains(QLatin1String("timeout")),
                                 10000);

    // A top-level DM gets a helpful reply in Slack, under the person's message.
    const auto hello = ws.postAsUser(people[2].slackId, QStringLiteral("hello?"));
    QVERIFY(hello.ok);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const auto *m : ws.replies(hello.channel, hello.ts)) {
                if (m->byApp && m->text.contains(QLatin1String("thread")))
                    return true;
            }
            return false;
        }(),
        10000);
    socket.stop();
    processor.stop();
    engine.stop();
}

// ---- Through the wired Engine ---------------------------------------------------------------

QString TestSyncInbound::extraUrl(const QString &suffix)
{
    if (m_schema.isEmpty())
        return QStringLiteral("sqlite:") + m_dir->filePath(QStringLiteral("desk-%1.db").arg(suffix));
    return m_pg.newUrl();
}

void TestSyncInbound::startEngineRun(EngineRun &run, const QString &url, bool http, bool)
{
    SandboxOptions options;
    options.rateLimitsEnabled = false;
    options.ackTimeoutMs = 400;
    options.retryDelaysMs = QList<int>(40, 100); // keep redelivering: faults must not lose an event
    options.serverPingIntervalMs = 0;
    options.httpTimeoutMs = 1000;
    run.sandbox = new SandboxServer(options);
    QVERIFY(run.sandbox->listen());
    run.store = new Store;
    auto opened = run.store->open(url);
    QVERIFY2(opened.ok(), qPrintable(opened.error().toString()));
    auto &ws = run.sandbox->workspace();
    for (const QString &name :
         {QStringLiteral("Ada"), QStringLiteral("Bob"), QStringLiteral("Carol"), QStringLiteral("Dan")}) {
        const auto user = ws.addUser(name.toLower(), name.toLower() + QStringLiteral("@example.com"), name);
        auto p = run.store->upsertPerson({user.id, name, user.email, name == QLatin1String("Bob")});
        QVERIFY(p.ok());
        run.people << p.value().id;
        run.slackIds << user.id;
        run.names << name;
    }
    EngineOptions o;
    o.databaseUrl = url;
    o.slack.apiUrl = run.sandbox->apiUrl();
    o.slack.botToken = options.botToken;
    o.nam = m_nam;
    o.pollIntervalMs = 100;
    o.retryBaseMs = 20;
    o.retryMaxMs = 300;
    o.maxAttempts = 1000;
    o.rateLimitScale = 1000; // the client's own limiter out of the way: the sandbox's 429s are the test
    if (http) {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 port = probe.serverPort();
        probe.close();
        o.eventsListen = {QHostAddress(QHostAddress::LocalHost), port};
        o.slack.signingSecret = options.signingSecret;
        ws.mutableOptions().eventsUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/slack/events").arg(port));
    } else {
        o.slack.appToken = options.appToken;
        o.configureSocket = [](SocketModeClient *socket) {
            socket->setReconnectBackoff(20, 200);
            socket->setPingInterval(200);
            socket->setPongTimeout(2000);
        };
    }
    run.engine = std::make_unique<Engine>(o);
    QVERIFY(run.engine->start().ok());
    QTRY_COMPARE_WITH_TIMEOUT(run.engine->state(), EngineState::Running, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(run.engine->inboundConnected(), 10000);
}

qint64 TestSyncInbound::engineRequest(EngineRun &run, const QString &title, const QList<int> &members)
{
    NewRequest nr;
    nr.title = title;
    nr.body = QStringLiteral("Details of ") + title;
    nr.requesterId = run.people.at(members.at(0));
    nr.assigneeId = run.people.at(members.at(1));
    for (qsizetype i = 2; i < members.size(); ++i)
        nr.followerIds << run.people.at(members.at(i));
    auto request = run.store->createRequest(nr);
    if (!request)
        return 0;
    const qint64 rid = request.value().id;
    run.engine->nudge();
    const bool ready = QTest::qWaitFor(
        [&] {
            auto t = run.engine->requestThreads(rid);
            if (!t || t.value().threads.size() != members.size())
                return false;
            const QList<ThreadState> threads = t.value().threads;
            return std::all_of(threads.cbegin(), threads.cend(),
                               [](const ThreadState &s) { return !s.summaryTs.isEmpty(); });
        },
        30000);
    return ready ? rid : 0;
}

ThreadState TestSyncInbound::threadOf(EngineRun &run, qint64 requestId, int member)
{
    auto threads = run.engine->requestThreads(requestId);
    if (threads) {
        for (const ThreadState &t : std::as_const(threads.value().threads)) {
            if (t.personId == run.people.at(member))
                return t;
        }
    }
    return {};
}

QStringList TestSyncInbound::threadPicture(EngineRun &run, qint64 requestId, int member)
{
    const ThreadState t = threadOf(run, requestId, member);
    QStringList out;
    if (t.summaryTs.isEmpty())
        return {QStringLiteral("<no thread>")};
    for (const auto *m : run.sandbox->workspace().replies(t.channelId, t.summaryTs)) {
        if (!m->deleted)
            out << (m->byApp ? QStringLiteral("app: ") : QStringLiteral("user: ")) + m->text;
    }
    return out;
}

QMap<QString, QStringList> TestSyncInbound::fullPicture(EngineRun &run, const QList<qint64> &requests)
{
    QMap<QString, QStringList> out;
    auto &ws = run.sandbox->workspace();
    const auto nameOf = [&run](qint64 personId) {
        const qsizetype i = run.people.indexOf(personId);
        return i < 0 ? QStringLiteral("?") : run.names.at(i);
    };
    for (qint64 rid : requests) {
        auto timeline = run.store->timeline(rid);
        if (!timeline)
            continue;
        const QString title = timeline.value().request.title;
        QStringList desk;
        for (const Update &u : std::as_const(timeline.value().updates))
            desk << QStringLiteral("%1 | %2 | %3")
                        .arg(nameOf(u.authorId), updateSourceName(u.source),
                             u.isDeleted() ? QStringLiteral("<deleted>") : u.text);
        desk.sort();
        out.insert(QStringLiteral("desk: ") + title, desk);
        for (int member = 0; member < run.people.size(); ++member) {
            const ThreadState t = threadOf(run, rid, member);
            if (t.summaryTs.isEmpty())
                continue;
            QStringList thread = threadPicture(run, rid, member);
            thread.sort();
            out.insert(QStringLiteral("thread: %1 / %2").arg(title, run.names.at(member)), thread);
            const auto *summary = ws.message(t.channelId, t.summaryTs);
            out.insert(QStringLiteral("summary: %1 / %2").arg(title, run.names.at(member)),
                       {summary ? summary->text : QStringLiteral("<none>")});
            // Every top-level message of the person that is not a summary, with its replies.
            if (rid == requests.constFirst()) {
                QStringList dm;
                for (const auto *m : ws.topLevel(t.channelId)) {
                    if (m->byApp || m->deleted)
                        continue;
                    dm << QStringLiteral("user: ") + m->text;
                    for (const auto *r : ws.replies(t.channelId, m->ts)) {
                        if (!r->deleted)
                            dm << (r->byApp ? QStringLiteral("  app: ") : QStringLiteral("  user: ")) +
                                      r->text;
                    }
                }
                out.insert(QStringLiteral("dm: ") + run.names.at(member), dm);
            }
        }
    }
    return out;
}

bool TestSyncInbound::engineIdle(EngineRun &run)
{
    auto busy = run.store->scalar(QStringLiteral(
        "SELECT (SELECT COUNT(*) FROM inbox WHERE state = 'pending') + (SELECT COUNT(*) FROM "
        "jobs WHERE state IN ('pending','in_flight')) + (SELECT COUNT(*) FROM change_log WHERE "
        "id > COALESCE((SELECT position FROM sync_cursors WHERE name = 'planner'), 0))"));
    if (!busy || !busy.value() || busy.value()->toLongLong() != 0)
        return false;
    return run.sandbox->socketMode().pendingCount() == 0;
}

//! Three requests of three followers; 30 Slack replies, two edits, two deletes, a desk update, a DM
//! outside any thread and a reply in a closed request.
void TestSyncInbound::runWorkload(EngineRun &run, bool faults, QList<qint64> &requests)
{
    auto &ws = run.sandbox->workspace();
    const QList<QList<int>> members = {{0, 1, 2}, {2, 1, 3}, {3, 1, 0}};
    const QStringList titles = {QStringLiteral("Laptop broken"), QStringLiteral("VPN down"),
                                QStringLiteral("New badge")};
    for (int k = 0; k < 3; ++k) {
        const qint64 rid = engineRequest(run, titles.at(k), members.at(k));
        QVERIFY2(rid > 0, "the summaries were not posted");
        requests << rid;
    }
    QObject faultScope;
    QTimer dropper;
    int droppedSockets = 0;
    int redelivered = 0;
    if (faults) {
        auto &f = ws.faults();
        f.serverErrorRate = 0.1;
        f.resetRate = 0.1;
        f.latencyMs = 2;
        f.duplicateRate = 0.2;
        f.delayRate = 0.2;
        f.delayMs = 300;
        ws.setTimeScale(3); // 429 bursts: 3 posts/s per channel (burst 3); the client does not hold back
        ws.setRateLimitsEnabled(true);
        if (ws.options().eventsUrl.isEmpty()) {
            connect(&dropper, &QTimer::timeout, &faultScope, [&] {
                ++droppedSockets;
                run.sandbox->socketMode().dropAll();
            });
            dropper.start(2000);
        } else {
            // HTTP Events: the sandbox retries on timeouts and errors; add duplicate and delayed
            // deliveries of the same event (same event_id) as Slack makes them.
            QRandomGenerator dice(4711);
            connect(&ws, &sandbox::Workspace::eventRaised, &faultScope,
                    [&, dice](const QJsonObject &payload) mutable {
                        if (dice.bounded(100) >= 30)
                            return;
                        ++redelivered;
                        QTimer::singleShot(int(dice.bounded(20, 600)), &faultScope,
                                           [&run, payload] { run.sandbox->httpEvents().deliver(payload); });
                    });
        }
    }
    // 30 replies, each by a follower in their own thread of the request.
    QList<QPair<int, QString>> replies; // author, ts
    for (int i = 0; i < 30; ++i) {
        const int k = i % 3;
        const int author = members.at(k).at((i / 3) % 3);
        const ThreadState t = threadOf(run, requests.at(k), author);
        const auto posted =
            ws.postAsUser(run.slackIds.at(author), QStringLiteral("slack reply %1").arg(i), t.summaryTs);
        QVERIFY(posted.ok);
        replies.append({author, posted.ts});
        QTest::qWait(20);
    }
    const auto slackUpdatesOnDesk = [&] {
        int n = 0;
        for (qint64 rid : std::as_const(requests)) {
            const auto timeline = run.store->timeline(rid);
            for (const Update &u : timeline ? timeline.value().updates : QList<Update>())
                n += u.source == UpdateSource::Slack ? 1 : 0;
        }
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(slackUpdatesOnDesk(), 30, 90000);
    for (int i : {3, 7})
        QVERIFY(ws.editAsUser(run.slackIds.at(replies.at(i).first), replies.at(i).second,
                              QStringLiteral("slack reply %1, edited").arg(i))
                    .ok);
    for (int i : {5, 11})
        QVERIFY(ws.deleteAsUser(run.slackIds.at(replies.at(i).first), replies.at(i).second).ok);
    QVERIFY(run.store
                ->postUpdate(
                    {requests.at(0), run.people.at(1), QStringLiteral("desk note"), UpdateSource::Desk, {}})
                .ok());
    run.engine->nudge();
    QVERIFY(ws.postAsUser(run.slackIds.at(3), QStringLiteral("hello desk?")).ok);
    const auto badge = run.store->timeline(requests.at(2));
    QVERIFY(badge.ok());
    QVERIFY(run.store
                ->setStatus(requests.at(2), RequestStatus::Closed, badge.value().request.version,
                            run.people.at(1))
                .ok());
    run.engine->nudge();
    QVERIFY(ws.postAsUser(run.slackIds.at(0), QStringLiteral("one more thing"),
                          threadOf(run, requests.at(2), 0).summaryTs)
                .ok);
    const auto done = [&] {
        auto edited = run.store->scalar(QStringLiteral(
            "SELECT COUNT(*) FROM updates WHERE text LIKE '%, edited' OR deleted_at IS NOT NULL"));
        return edited && edited.value() && edited.value()->toInt() == 4 && engineIdle(run);
    };
    QTRY_VERIFY_WITH_TIMEOUT(done(), 120000);
    if (faults) {
        int errors = 0;
        for (const QString &method : {QStringLiteral("chat.postMessage"), QStringLiteral("chat.update"),
                                      QStringLiteral("chat.delete"), QStringLiteral("conversations.replies"),
                                      QStringLiteral("conversations.history")}) {
            errors += ws.callCount(method, QStringLiteral("service_unavailable")) +
                      ws.callCount(method, QStringLiteral("connection_reset"));
        }
        qInfo() << "faults: 5xx and resets" << errors << "429s" << ws.rateLimitedCount() << "socket drops"
                << droppedSockets << "HTTP redeliveries" << redelivered;
        QVERIFY(errors > 0);
        dropper.stop();
        ws.faults() = {};
        ws.setRateLimitsEnabled(false);
        QVERIFY(ws.rateLimitedCount() > 0);
        if (ws.options().eventsUrl.isEmpty())
            QVERIFY(droppedSockets > 0);
        else
            QVERIFY(redelivered > 0);
    }
    QTest::qWait(1000); // late duplicates and delayed deliveries change nothing
    QTRY_VERIFY_WITH_TIMEOUT(engineIdle(run), 30000);
}

void TestSyncInbound::engineFlows_data()
{
    QTest::addColumn<bool>("http");
    QTest::newRow("socket mode") << false;
    QTest::newRow("http events") << true;
}

// Every inbound flow through the wired Engine, asserting the threads in the sandbox and the desk.
void TestSyncInbound::engineFlows()
{
    QFETCH(bool, http);
    EngineRun run;
    startEngineRun(run, m_dbUrl, http);
    if (QTest::currentTestFailed())
        return;
    auto &ws = run.sandbox->workspace();
    const qint64 rid = engineRequest(run, QStringLiteral("Laptop broken"), {0, 1, 2}); // Ada, Bob, Carol
    QVERIFY(rid > 0);
    const ThreadState ada = threadOf(run, rid, 0);
    const auto copyOf = [](const QString &text) {
        return [text](const QStringList &thread) {
            return thread.size() == 1 && thread.constFirst().startsWith(QLatin1String("app: ")) &&
                   thread.constFirst().contains(text);
        };
    };

    // Slack reply → one desk update (author Ada, source slack) and one copy in every OTHER thread.
    const auto posted = ws.postAsUser(run.slackIds.at(0),
                                      QStringLiteral("It says &lt;timeout&gt; &amp; fails"), ada.summaryTs);
    QVERIFY(posted.ok);
    QTRY_VERIFY_WITH_TIMEOUT(copyOf(QStringLiteral("timeout"))(threadPicture(run, rid, 1)), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(copyOf(QStringLiteral("timeout"))(threadPicture(run, rid, 2)), 15000);
    QCOMPARE(threadPicture(run, rid, 0),
             QStringList{QStringLiteral("user: It says &lt;timeout&gt; &amp; fails")});
    auto timeline = run.store->timeline(rid).value();
    QCOMPARE(timeline.updates.size(), 1);
    const Update update = timeline.updates.constFirst();
    QCOMPARE(update.source, UpdateSource::Slack);
    QCOMPARE(update.authorId, run.people.at(0));
    QCOMPARE(update.text, QStringLiteral("It says <timeout> & fails"));

    // Slack edit → desk text, and chat.update of every copy.
    const int updatesBefore = ws.callCount(QStringLiteral("chat.update"));
    QVERIFY(ws.editAsUser(run.slackIds.at(0), posted.ts, QStringLiteral("It says timeout, edited")).ok);
    QTRY_COMPARE_WITH_TIMEOUT(run.store->update(update.id).value().text,
                              QStringLiteral("It says timeout, edited"), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(copyOf(QStringLiteral("edited"))(threadPicture(run, rid, 1)), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(copyOf(QStringLiteral("edited"))(threadPicture(run, rid, 2)), 15000);
    QCOMPARE(ws.callCount(QStringLiteral("chat.update"), QStringLiteral("ok")) - updatesBefore, 2);
    QCOMPARE(threadPicture(run, rid, 0), QStringList{QStringLiteral("user: It says timeout, edited")});

    // Slack delete → desk delete, the copies deleted.
    QVERIFY(ws.deleteAsUser(run.slackIds.at(0), posted.ts).ok);
    QTRY_VERIFY_WITH_TIMEOUT(run.store->update(update.id).value().isDeleted(), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(threadPicture(run, rid, 1), QStringList(), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(threadPicture(run, rid, 2), QStringList(), 15000);
    QCOMPARE(threadPicture(run, rid, 0), QStringList());

    // A desk update from Bob reaches Ada and Carol; its echoes are never imported.
    QVERIFY(
        run.store->postUpdate({rid, run.people.at(1), QStringLiteral("desk note"), UpdateSource::Desk, {}})
            .ok());
    run.engine->nudge();
    QTRY_VERIFY_WITH_TIMEOUT(copyOf(QStringLiteral("desk note"))(threadPicture(run, rid, 0)), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(copyOf(QStringLiteral("desk note"))(threadPicture(run, rid, 2)), 15000);

    // A DM outside any request thread → the helpful reply under it.
    const auto hello = ws.postAsUser(run.slackIds.at(2), QStringLiteral("hello?"));
    QVERIFY(hello.ok);
    const auto appRepliesTo = [&](const QString &channel, const QString &ts) {
        QStringList texts;
        for (const auto *m : ws.replies(channel, ts)) {
            if (m->byApp && !m->deleted)
                texts << m->text;
        }
        return texts;
    };
    QTRY_COMPARE_WITH_TIMEOUT(appRepliesTo(hello.channel, hello.ts).size(), 1, 15000);
    QVERIFY(
        appRepliesTo(hello.channel, hello.ts).constFirst().contains(QLatin1String("reply in its thread")));

    // A reply in a closed request → the helpful reply in that thread; the desk takes nothing.
    const auto before = run.store->timeline(rid).value();
    QVERIFY(run.store->setStatus(rid, RequestStatus::Closed, before.request.version, run.people.at(1)).ok());
    run.engine->nudge();
    const ThreadState bob = threadOf(run, rid, 1);
    QVERIFY(ws.postAsUser(run.slackIds.at(1), QStringLiteral("still there?"), bob.summaryTs).ok);
    QTRY_COMPARE_WITH_TIMEOUT(threadPicture(run, rid, 1).size(), 2, 15000);
    const QStringList bobThread = threadPicture(run, rid, 1);
    QCOMPARE(bobThread.at(0), QStringLiteral("user: still there?"));
    QVERIFY2(bobThread.at(1).startsWith(QLatin1String("app: ")) &&
                 bobThread.at(1).contains(QLatin1String("closed")),
             qPrintable(bobThread.at(1)));
    QTRY_VERIFY_WITH_TIMEOUT(engineIdle(run), 15000);

    // Final state: the desk holds the deleted Slack update and the desk note, nothing else (no
    // echo of the app's summaries, copies, edits, deletes or helpful replies was imported).
    timeline = run.store->timeline(rid).value();
    QCOMPARE(timeline.updates.size(), 2);
    QVERIFY(timeline.updates.at(0).isDeleted());
    QCOMPARE(timeline.updates.at(1).text, QStringLiteral("desk note"));
    QVERIFY(copyOf(QStringLiteral("desk note"))(threadPicture(run, rid, 0)));
    QVERIFY(copyOf(QStringLiteral("desk note"))(threadPicture(run, rid, 2)));
    QCOMPARE(threadPicture(run, rid, 1).size(), 2);
    InboundStore inbox(run.store);
    int echoes = 0;
    const auto rows = inbox.rows(1000);
    QVERIFY(rows.ok());
    for (const InboxRow &row : rows.value()) {
        if (row.kind == QLatin1String("own_echo")) {
            ++echoes;
            QCOMPARE(row.state, InboxState::Ignored);
        }
    }
    QVERIFY(echoes >= 8); // 3 summaries, 4 copies, 2 helpful replies (and the edits of the copies)
    auto slackUpdates =
        run.store->scalar(QStringLiteral("SELECT COUNT(*) FROM updates WHERE source = 'slack'")).value();
    QCOMPARE(slackUpdates->toInt(), 1);
}

void TestSyncInbound::engineFaultsGiveTheFaultFreeState_data()
{
    engineFlows_data();
}

// With sandbox faults on (Web API 5xx and resets, 429 bursts, dropped sockets, duplicate and
// delayed deliveries) the desk and every thread end as in the fault-free run of the same workload.
void TestSyncInbound::engineFaultsGiveTheFaultFreeState()
{
    QFETCH(bool, http);
    QMap<QString, QStringList> reference;
    QMap<QString, QStringList> faulty;
    {
        EngineRun run;
        startEngineRun(run, extraUrl(QStringLiteral("reference")), http);
        if (QTest::currentTestFailed())
            return;
        QList<qint64> requests;
        runWorkload(run, false, requests);
        if (QTest::currentTestFailed())
            return;
        reference = fullPicture(run, requests);
    }
    {
        EngineRun run;
        startEngineRun(run, m_dbUrl, http);
        if (QTest::currentTestFailed())
            return;
        QList<qint64> requests;
        runWorkload(run, true, requests);
        if (QTest::currentTestFailed())
            return;
        faulty = fullPicture(run, requests);
    }
    QCOMPARE(faulty.keys(), reference.keys());
    for (auto it = reference.cbegin(); it != reference.cend(); ++it) {
        const QStringList got = faulty.value(it.key());
        QVERIFY2(got == it.value(), qPrintable(QStringLiteral("%1:\n  with faults: %2\n  without: %3")
                                                   .arg(it.key(), got.join(QStringLiteral(" ; ")),
                                                        it.value().join(QStringLiteral(" ; ")))));
    }
    // The workload's shape, so that two equally broken runs cannot pass.
    QCOMPARE(reference.value(QStringLiteral("desk: Laptop broken")).size(), 11); // 10 replies + the desk note
    // Ada in "New badge": her 3 replies, the 5 live ones of Dan and Bob (one each deleted), her
    // message after the close and its helpful reply.
    QCOMPARE(reference.value(QStringLiteral("thread: New badge / Ada")).size(), 3 + 5 + 1 + 1);
}

// Slack replies posted while the engine process is SIGKILLed at random points and restarted:
// every reply exactly once on the desk and exactly once in every other follower's thread.
void TestSyncInbound::killedEngineImportsEveryReplyExactlyOnce()
{
    QFETCH_GLOBAL(QString, backend);
    if (backend != QLatin1String("sqlite"))
        QSKIP("the crash test runs on SQLite (one engine process on a file)");
    const QString worker =
        QCoreApplication::applicationDirPath() + QStringLiteral("/tst_sync_inbound_worker");
    QVERIFY(QFile::exists(worker));
    SandboxOptions options;
    options.rateLimitsEnabled = false;
    options.ackTimeoutMs = 300;
    options.retryDelaysMs = QList<int>(200, 100); // a dead engine must not exhaust Slack's retries here
    options.serverPingIntervalMs = 0;
    m_sandbox = new SandboxServer(options, this);
    QVERIFY(m_sandbox->listen());
    auto &ws = m_sandbox->workspace();
    QSignalSpy dropped(&m_sandbox->socketMode(), &sandbox::SocketModeHub::eventDropped);

    QList<qint64> people;
    QStringList slackIds;
    for (int i = 0; i < 5; ++i) {
        const QString name = QStringLiteral("Person %1").arg(i);
        const auto user =
            ws.addUser(QStringLiteral("p%1").arg(i), QStringLiteral("p%1@example.com").arg(i), name);
        people << m_store->upsertPerson({user.id, name, user.email, i == 1}).value().id;
        slackIds << user.id;
    }
    const QList<QList<int>> members = {{0, 1, 2}, {2, 1, 3, 4}, {3, 1, 0}, {4, 1}};
    QList<qint64> requests;
    for (int k = 0; k < members.size(); ++k) {
        NewRequest nr;
        nr.title = QStringLiteral("Crash %1").arg(k);
        nr.requesterId = people.at(members.at(k).at(0));
        nr.assigneeId = people.at(members.at(k).at(1));
        for (qsizetype j = 2; j < members.at(k).size(); ++j)
            nr.followerIds << people.at(members.at(k).at(j));
        requests << m_store->createRequest(nr).value().id;
    }
    const QStringList args = {m_dbUrl, m_sandbox->apiUrl().toString(), options.botToken, options.appToken};
    struct Thread
    {
        qint64 requestId;
        qint64 personId;
        QString user, channel, summaryTs;
    };
    QList<Thread> threads;
    const auto loadThreads = [&] {
        threads.clear();
        auto q = m_store->exec(QStringLiteral("SELECT c.request_id, c.person_id, p.slack_id, c.channel_id, "
                                              "c.summary_ts FROM conversations c JOIN people p ON p.id = "
                                              "c.person_id WHERE c.summary_ts IS NOT NULL ORDER BY c.id"));
        if (!q)
            return false;
        QueryGuard guard(q.value());
        while (q.value()->next())
            threads.append({q.value()->value(0).toLongLong(), q.value()->value(1).toLongLong(),
                            q.value()->value(2).toString(), q.value()->value(3).toString(),
                            q.value()->value(4).toString()});
        return threads.size() == 3 + 4 + 3 + 2;
    };
    const auto pending = [&]() -> qint64 {
        auto r = m_store->scalar(QStringLiteral(
            "SELECT (SELECT COUNT(*) FROM inbox WHERE state = 'pending') + (SELECT COUNT(*) FROM jobs WHERE "
            "state IN ('pending','in_flight')) + (SELECT COUNT(*) FROM change_log WHERE id > "
            "COALESCE((SELECT "
            "position FROM sync_cursors WHERE name = 'planner'), 0))"));
        return r && r.value() ? r.value()->toLongLong() : -1;
    };
    {
        QProcess first;
        first.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        first.start(worker, args);
        QVERIFY(first.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(loadThreads(), 30000);
        first.kill();
        QVERIFY(first.waitForFinished());
    }

    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo() << "inbound crash test seed" << seed;
    QRandomGenerator dice(seed);
    constexpr int Kills = 20;
    int posted = 0;
    const auto post = [&] {
        const Thread &t = threads.at(posted % threads.size());
        QVERIFY(ws.postAsUser(t.user, QStringLiteral("crash reply #%1.").arg(posted), t.summaryTs).ok);
        ++posted;
    };
    int kills = 0;
    for (; kills < Kills; ++kills) {
        QProcess p;
        p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p.start(worker, args);
        QVERIFY(p.waitForStarted());
        const int burst = int(dice.bounded(5, 15));
        for (int i = 0; i < burst; ++i) {
            post();
            QTest::qWait(int(dice.bounded(5, 40)));
        }
        QTest::qWait(int(dice.bounded(0, 400)));
        p.kill(); // SIGKILL: mid-receipt, mid-apply or mid-post
        QVERIFY(p.waitForFinished());
        post(); // and one while no engine runs
    }
    QProcess last;
    last.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    last.start(worker, args);
    QVERIFY(last.waitForStarted());
    const auto slackUpdates = [&] {
        auto r = m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM updates WHERE source = 'slack'"));
        return r && r.value() ? r.value()->toInt() : -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(
        slackUpdates() >= posted && pending() == 0 && m_sandbox->socketMode().pendingCount() == 0, 120000);
    last.terminate();
    QVERIFY(last.waitForFinished());
    QCOMPARE(kills, Kills);
    QCOMPARE(dropped.count(), 0);

    static const QRegularExpression number(QStringLiteral("crash reply #(\\d+)\\."));
    QHash<int, int> onDesk;
    {
        auto q = m_store->exec(QStringLiteral("SELECT text FROM updates WHERE source = 'slack'"));
        QVERIFY(q.ok());
        QueryGuard guard(q.value());
        while (q.value()->next()) {
            const auto match = number.match(q.value()->value(0).toString());
            QVERIFY(match.hasMatch());
            ++onDesk[match.captured(1).toInt()];
        }
    }
    for (int i = 0; i < posted; ++i)
        QVERIFY2(onDesk.value(i) == 1,
                 qPrintable(QStringLiteral("reply %1 is %2 times on the desk").arg(i).arg(onDesk.value(i))));
    for (const Thread &t : std::as_const(threads)) {
        QHash<int, int> copies, own;
        for (const auto *m : ws.replies(t.channel, t.summaryTs)) {
            const auto match = number.match(m->text);
            if (!match.hasMatch() || m->deleted)
                continue;
            ++(m->byApp ? copies : own)[match.captured(1).toInt()];
        }
        for (int i = 0; i < posted; ++i) {
            const Thread &source = threads.at(i % threads.size());
            const bool mine = source.personId == t.personId && source.requestId == t.requestId;
            const bool sameRequest = source.requestId == t.requestId;
            QVERIFY2(own.value(i) == (mine ? 1 : 0) && copies.value(i) == (sameRequest && !mine ? 1 : 0),
                     qPrintable(QStringLiteral(
                                    "reply %1 in the thread of person %2 on request %3: %4 copies, %5 own")
                                    .arg(i)
                                    .arg(t.personId)
                                    .arg(t.requestId)
                                    .arg(copies.value(i))
                                    .arg(own.value(i))));
        }
    }
    auto failed = m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'failed'"));
    QVERIFY(failed.ok() && failed.value());
    QCOMPARE(failed.value()->toLongLong(), 0);
}

// warning / refresh_requested: the engine's client opens the new socket before the old one closes
// (two open at once, inbound never reported down, a reply posted meanwhile imported once);
// link_disabled: the client stops, no reconnect loop, and the engine says why.
void TestSyncInbound::engineRefreshOpensTheNewSocketFirstAndLinkDisabledStops()
{
    EngineRun run;
    startEngineRun(run, m_dbUrl, false);
    if (QTest::currentTestFailed())
        return;
    auto &ws = run.sandbox->workspace();
    auto &hub = run.sandbox->socketMode();
    const qint64 rid = engineRequest(run, QStringLiteral("Refresh"), {0, 1});
    QVERIFY(rid > 0);
    const ThreadState ada = threadOf(run, rid, 0);
    QSignalSpy inboundChanges(run.engine.get(), &Engine::inboundStateChanged);
    QObject scope;
    int maxOpen = hub.connectionCount();
    connect(&hub, &sandbox::SocketModeHub::connectionsChanged, &scope,
            [&maxOpen](int count) { maxOpen = std::max(maxOpen, count); });
    int replies = 0;
    for (const QString &reason : {QStringLiteral("warning"), QStringLiteral("refresh_requested")}) {
        QTRY_COMPARE_WITH_TIMEOUT(hub.connectionCount(), 1, 10000);
        maxOpen = 1;
        const int opens = ws.callCount(QStringLiteral("apps.connections.open"));
        hub.disconnectAll(reason);
        QVERIFY(ws.postAsUser(run.slackIds.at(0), QStringLiteral("during %1").arg(reason), ada.summaryTs).ok);
        ++replies;
        QTRY_COMPARE_WITH_TIMEOUT(maxOpen, 2, 10000); // the replacement is open, the old one not closed yet
        // The client closes the old socket itself once the new one said hello (well before the
        // sandbox's 10 s grace after a warning).
        QTRY_COMPARE_WITH_TIMEOUT(hub.connectionCount(), 1, 5000);
        QCOMPARE(ws.callCount(QStringLiteral("apps.connections.open")), opens + 1);
        QTRY_COMPARE_WITH_TIMEOUT(threadPicture(run, rid, 1).size(), replies, 15000);
    }
    QCOMPARE(inboundChanges.count(), 0); // never reported disconnected
    QVERIFY(run.engine->inboundConnected());
    QTRY_VERIFY_WITH_TIMEOUT(engineIdle(run), 15000);
    auto slackUpdates =
        run.store->scalar(QStringLiteral("SELECT COUNT(*) FROM updates WHERE source = 'slack'"));
    QVERIFY(slackUpdates.ok() && slackUpdates.value());
    QCOMPARE(slackUpdates.value()->toInt(), replies);

    // link_disabled: stop, say so, no reconnect loop.
    const int opens = ws.callCount(QStringLiteral("apps.connections.open"));
    hub.disconnectAll(QStringLiteral("link_disabled"));
    QTRY_VERIFY_WITH_TIMEOUT(!run.engine->inboundConnected(), 5000);
    QVERIFY2(run.engine->inboundProblem().contains(QLatin1String("disabled Socket Mode")),
             qPrintable(run.engine->inboundProblem()));
    QCOMPARE(run.engine->state(), EngineState::Running); // outbound keeps working
    QVERIFY(run.engine->stateReason().message.contains(QLatin1String("Socket Mode")));
    QTest::qWait(1500);
    QCOMPARE(ws.callCount(QStringLiteral("apps.connections.open")), opens);
    QCOMPARE(hub.connectionCount(), 0);
    // Outbound still runs: a desk update reaches Ada.
    QVERIFY(run.store
                ->postUpdate({rid, run.people.at(1), QStringLiteral("still sending"), UpdateSource::Desk, {}})
                .ok());
    run.engine->nudge();
    QTRY_VERIFY_WITH_TIMEOUT(
        threadPicture(run, rid, 0).join(QLatin1Char('\n')).contains(QLatin1String("still sending")), 15000);
}

void TestSyncInbound::engineRenameRefreshesEverySummaryShowingThePerson_data()
{
    engineFlows_data(); // both transports
}

// Ada renames herself in Slack. Through the wired Engine: the desk person is renamed, and every
// summary that shows her (requester of one request, assignee of another) is re-rendered in the
// sandbox with the new name by exactly one chat.update per conversation; the summaries of a
// request she is not part of are untouched. The same user_change delivered again (same event_id,
// and under a new event_id) changes nothing more.
void TestSyncInbound::engineRenameRefreshesEverySummaryShowingThePerson()
{
    QFETCH(bool, http);
    EngineRun run;
    startEngineRun(run, m_dbUrl, http);
    if (QTest::currentTestFailed())
        return;
    auto &ws = run.sandbox->workspace();
    const qint64 r1 = engineRequest(run, QStringLiteral("Laptop broken"), {0, 1, 2}); // Ada requests
    const qint64 r2 = engineRequest(run, QStringLiteral("VPN down"), {2, 1, 3});      // no Ada
    const qint64 r3 = engineRequest(run, QStringLiteral("New badge"), {3, 0});        // Ada assigned
    QVERIFY(r1 > 0 && r2 > 0 && r3 > 0);
    QTRY_VERIFY_WITH_TIMEOUT(engineIdle(run), 15000);

    struct Summary
    {
        qint64 request;
        int member;
        QString channel;
        QString ts;
    };
    QList<Summary> summaries;
    for (const auto &[rid, members] : {std::pair{r1, QList<int>{0, 1, 2}}, std::pair{r2, QList<int>{2, 1, 3}},
                                       std::pair{r3, QList<int>{3, 0}}}) {
        for (int m : members) {
            const ThreadState t = threadOf(run, rid, m);
            QVERIFY(!t.summaryTs.isEmpty());
            summaries.append({rid, m, t.channelId, t.summaryTs});
        }
    }
    const auto summaryText = [&](const Summary &s) {
        const auto *m = ws.message(s.channel, s.ts);
        return m ? m->text : QString();
    };
    for (const Summary &s : std::as_const(summaries)) {
        QCOMPARE(summaryText(s).contains(QLatin1String("Ada")), s.request != r2);
        QVERIFY(!summaryText(s).contains(QLatin1String("Countess")));
    }
    QMap<QString, int> updatedTimes; // "channel/ts" -> chat.update of that message
    connect(&ws, &sandbox::Workspace::messageUpdated, this, [&](const QString &channel, const QString &ts) {
        ++updatedTimes[channel + QLatin1Char('/') + ts];
    });
    QList<QJsonObject> raised;
    connect(&ws, &sandbox::Workspace::eventRaised, this, [&](const QJsonObject &payload) {
        if (payload.value(QStringLiteral("event")).toObject().value(QStringLiteral("type")).toString() ==
            QLatin1String("user_change"))
            raised << payload;
    });
    const QMap<QString, QString> r2Before = [&] {
        QMap<QString, QString> m;
        for (const Summary &s : std::as_const(summaries))
            if (s.request == r2)
                m.insert(s.ts, summaryText(s));
        return m;
    }();

    const int refreshesBefore =
        run.store->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE kind = 'refresh_summary'"))
            .value()
            ->toInt();
    // The rename, through the sandbox's control route as a script would do it.
    QNetworkRequest request(
        run.sandbox->controlUrl().resolved(QUrl(QStringLiteral("users/%1/profile").arg(run.slackIds.at(0)))));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply *reply = m_nam->post(
        request, QJsonDocument(QJsonObject{{QStringLiteral("display_name"), QStringLiteral("Countess Ada")}})
                     .toJson(QJsonDocument::Compact));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 5000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    reply->deleteLater();
    QCOMPARE(raised.size(), 1);

    QTRY_COMPARE_WITH_TIMEOUT(run.store->person(run.people.at(0)).value().name,
                              QStringLiteral("Countess Ada"), 15000);
    for (const Summary &s : std::as_const(summaries)) {
        if (s.request == r2)
            continue;
        QTRY_VERIFY2_WITH_TIMEOUT(summaryText(s).contains(QLatin1String("Countess Ada")),
                                  qPrintable(summaryText(s)), 15000);
    }
    QTRY_VERIFY_WITH_TIMEOUT(engineIdle(run), 15000);
    for (const Summary &s : std::as_const(summaries)) {
        const int times = updatedTimes.value(s.channel + QLatin1Char('/') + s.ts);
        if (s.request == r2) {
            QCOMPARE(times, 0);
            QCOMPARE(summaryText(s), r2Before.value(s.ts));
        } else {
            QCOMPARE(times, 1); // exactly once per conversation
            QVERIFY(!summaryText(s).contains(QLatin1String("requested by Ada,")));
        }
    }
    QCOMPARE(updatedTimes.size(), 5);

    // Delivered again: the same event (same event_id), and the same change under a new event_id.
    QJsonObject again = raised.constFirst();
    again.insert(QStringLiteral("event_id"), QStringLiteral("EvRenameAgain"));
    if (http) {
        const QString firstId = raised.constFirst().value(QStringLiteral("event_id")).toString();
        QStringList delivered;
        connect(&run.sandbox->httpEvents(), &sandbox::HttpEventSender::eventDelivered, this,
                [&](const QString &id, int) {
                    if (id == firstId || id == QLatin1String("EvRenameAgain"))
                        delivered << id;
                });
        run.sandbox->httpEvents().deliver(raised.constFirst());
        run.sandbox->httpEvents().deliver(again);
        QTRY_VERIFY_WITH_TIMEOUT(
            delivered.contains(firstId) && delivered.contains(QStringLiteral("EvRenameAgain")), 10000);
    } else {
        const QString firstId = raised.constFirst().value(QStringLiteral("event_id")).toString();
        QStringList acked;
        connect(&ws, &sandbox::Workspace::envelopeAcked, this, [&](const QString &, const QString &id) {
            if (id == firstId || id == QLatin1String("EvRenameAgain"))
                acked << id;
        });
        run.sandbox->socketMode().deliver(raised.constFirst());
        run.sandbox->socketMode().deliver(again);
        QTRY_VERIFY_WITH_TIMEOUT(acked.contains(firstId) && acked.contains(QStringLiteral("EvRenameAgain")),
                                 10000);
    }
    QTRY_VERIFY_WITH_TIMEOUT(engineIdle(run), 15000);
    auto rows = run.store->scalar(QStringLiteral("SELECT COUNT(*) FROM inbox WHERE kind = 'user_changed'"));
    QVERIFY(rows.ok());
    QCOMPARE(rows.value()->toInt(), 1);
    int total = 0;
    for (int n : std::as_const(updatedTimes))
        total += n;
    QCOMPARE(total, 5);
    auto jobs = run.store->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE kind = 'refresh_summary'"));
    QCOMPARE(jobs.value()->toInt(), refreshesBefore + 5);
}

QTEST_GUILESS_MAIN(TestSyncInbound)
#include "tst_sync_inbound.moc"
