// engine/slack against the Slack sandbox (engine/sandbox), which shares no Slack code with it:
// auth.test, a DM thread (post, reply, update, delete), Socket Mode delivery of a user's message
// with an explicit ack, echo filtering, a refresh_requested reconnect and a file round trip.
#include "sandbox/sandboxserver.h"

#include "slack/authtestjob.h"
#include "slack/completeuploadjob.h"
#include "slack/conversationsopenjob.h"
#include "slack/conversationsrepliesjob.h"
#include "slack/deletemessagejob.h"
#include "slack/downloadfilejob.h"
#include "slack/getuploadurljob.h"
#include "slack/mrkdwn.h"
#include "slack/postmessagejob.h"
#include "slack/slackevent.h"
#include "slack/socketmodeclient.h"
#include "slack/summaryrenderer.h"
#include "slack/updatemessagejob.h"
#include "slack/uploadfilejob.h"
#include "slack/userslookupbyemailjob.h"

#include <QBuffer>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

using namespace threadline;
using namespace threadline::slack;
using threadline::sandbox::SandboxServer;

namespace {

//! Starts a job and waits for it; true when it succeeded.
bool runJob(SlackJob *job, Error *error = nullptr)
{
    job->setAutoDelete(false);
    bool done = false;
    bool ok = false;
    QObject::connect(job, &SlackJob::finished, job, [&](SlackJob *j) {
        done = true;
        ok = j->status() == SlackJob::Status::Succeeded;
        if (error && !ok)
            *error = j->error();
    });
    job->start();
    if (!QTest::qWaitFor([&done] { return done; }, 10000))
        return false;
    return ok;
}

} // namespace

class TestSlackSandbox : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void authTestGivesIdentity();
    void dmThreadPostUpdateDelete();
    void socketModeDeliversUserMessageAndAck();
    void ownPostsEchoAsOwnEcho();
    void unackedEnvelopeIsRedeliveredWithSameEventId();
    void refreshRequestedReconnects();
    void fileRoundTrip();

private:
    SlackEndpoint bot() const { return {m_sandbox->apiUrl(), m_sandbox->workspace().options().botToken}; }
    QList<SlackEvent> takeEvents();

    QNetworkAccessManager *m_nam = nullptr;
    SandboxServer *m_sandbox = nullptr;
    SocketModeClient *m_socket = nullptr;
    SlackIdentity m_identity;
    QString m_userId;
    QString m_dm;
    QString m_summaryTs;
    QList<SocketModeEnvelope> m_envelopes;
};

void TestSlackSandbox::initTestCase()
{
    m_nam = new QNetworkAccessManager(this);
    threadline::sandbox::SandboxOptions options;
    options.ackTimeoutMs = 2000;
    options.serverPingIntervalMs = 0;
    options.warningGraceMs = 500;
    m_sandbox = new SandboxServer(options, this);
    QVERIFY(m_sandbox->listen());
    m_userId =
        m_sandbox->workspace()
            .addUser(QStringLiteral("ada"), QStringLiteral("ada@example.com"), QStringLiteral("Ada Lovelace"))
            .id;
    QVERIFY(!m_userId.isEmpty());

    m_socket = new SocketModeClient(m_nam, {m_sandbox->apiUrl(), options.appToken}, this);
    m_socket->setPingInterval(200);
    m_socket->setPongTimeout(2000);
    m_socket->setReconnectBackoff(20, 200);
    connect(m_socket, &SocketModeClient::envelopeReceived, this,
            [this](const SocketModeEnvelope &envelope) { m_envelopes.append(envelope); });
    QSignalSpy ready(m_socket, &SocketModeClient::ready);
    m_socket->start();
    QVERIFY(ready.wait(10000));
}

void TestSlackSandbox::cleanupTestCase()
{
    m_socket->stop();
}

QList<SlackEvent> TestSlackSandbox::takeEvents()
{
    QList<SlackEvent> events;
    const auto envelopes = std::exchange(m_envelopes, {});
    for (const SocketModeEnvelope &envelope : envelopes) {
        const Result<SlackEvent> parsed = SlackEvent::parse(envelope.payload, m_identity);
        if (parsed.ok())
            events.append(parsed.value());
        else
            qWarning("unparsable event: %s", qPrintable(parsed.error().toString()));
        m_socket->ack(envelope.envelopeId); // "stored": ack after parsing
    }
    return events;
}

void TestSlackSandbox::authTestGivesIdentity()
{
    auto *job = new AuthTestJob(m_nam, bot(), this);
    QVERIFY(runJob(job));
    m_identity = job->identity();
    const auto &options = m_sandbox->workspace().options();
    QCOMPARE(m_identity.userId, options.botUserId);
    QCOMPARE(m_identity.botId, options.botId);
    QCOMPARE(m_identity.teamId, options.teamId);
    QCOMPARE(m_identity.appId, options.appId);
    delete job;

    auto *bad = new AuthTestJob(m_nam, {m_sandbox->apiUrl(), QStringLiteral("xoxb-wrong")}, this);
    Error error;
    QVERIFY(!runJob(bad, &error));
    QCOMPARE(bad->errorAction(), SlackErrorAction::FixConfiguration);
    delete bad;
}

void TestSlackSandbox::dmThreadPostUpdateDelete()
{
    auto *lookup = new UsersLookupByEmailJob(m_nam, bot(), QStringLiteral("ada@example.com"), this);
    QVERIFY(runJob(lookup));
    QCOMPARE(lookup->user().id, m_userId);
    delete lookup;

    auto *open = new ConversationsOpenJob(m_nam, bot(), m_userId, this);
    QVERIFY(runJob(open));
    m_dm = open->channelId();
    QVERIFY(m_dm.startsWith(QLatin1Char('D')));
    delete open;

    RequestSummary summary;
    summary.requestId = QStringLiteral("42");
    summary.title = QStringLiteral("Laptop <broken> & @here");
    summary.status = QStringLiteral("Open");
    summary.requester = {m_userId, QStringLiteral("Ada")};
    summary.followerReason = QStringLiteral("You are the requester");
    summary.deskLink = QUrl(QStringLiteral("https://desk.example/requests/42"));
    const RenderedMessage rendered = SummaryRenderer::render(summary);
    PostMessageArgs args;
    args.channel = m_dm;
    args.text = rendered.text;
    args.blocks = rendered.blocks;
    args.metadata = QJsonObject{
        {QStringLiteral("event_type"), QStringLiteral("threadline_summary")},
        {QStringLiteral("event_payload"), QJsonObject{{QStringLiteral("request"), QStringLiteral("42")}}}};
    auto *post = new PostMessageJob(m_nam, bot(), args, this);
    Error error;
    QVERIFY2(runJob(post, &error), qPrintable(error.toString()));
    m_summaryTs = post->ts();
    QVERIFY(!m_summaryTs.isEmpty());
    delete post;

    PostMessageArgs reply;
    reply.channel = m_dm;
    reply.threadTs = m_summaryTs;
    reply.text = mrkdwn::encode(QStringLiteral("First update: <ok> & done"));
    auto *postReply = new PostMessageJob(m_nam, bot(), reply, this);
    QVERIFY2(runJob(postReply, &error), qPrintable(error.toString()));
    const QString replyTs = postReply->ts();
    delete postReply;
    const auto *stored = m_sandbox->workspace().message(m_dm, replyTs);
    QVERIFY(stored);
    QCOMPARE(stored->threadTs, m_summaryTs);
    QCOMPARE(mrkdwn::decode(stored->text), QStringLiteral("First update: <ok> & done"));

    auto *update = new UpdateMessageJob(
        m_nam, bot(), {m_dm, replyTs, QStringLiteral("edited"), std::nullopt, std::nullopt}, this);
    QVERIFY2(runJob(update, &error), qPrintable(error.toString()));
    delete update;
    QCOMPARE(m_sandbox->workspace().message(m_dm, replyTs)->text, QStringLiteral("edited"));

    auto *replies = new ConversationsRepliesJob(m_nam, bot(), {m_dm, m_summaryTs, {}, {}, 100, true}, this);
    QVERIFY2(runJob(replies, &error), qPrintable(error.toString()));
    QCOMPARE(replies->messages().size(), 2);
    QCOMPARE(replies->messages().at(0).ts, m_summaryTs);
    QCOMPARE(replies->messages().at(0).metadata.value(QStringLiteral("event_type")).toString(),
             QStringLiteral("threadline_summary"));
    delete replies;

    auto *del = new DeleteMessageJob(m_nam, bot(), m_dm, replyTs, this);
    QVERIFY2(runJob(del, &error), qPrintable(error.toString()));
    delete del;
    auto *again = new DeleteMessageJob(m_nam, bot(), m_dm, replyTs, this);
    QVERIFY(!runJob(again, &error));
    QCOMPARE(again->errorAction(), SlackErrorAction::GiveUp);
    QCOMPARE(error.detail, QStringLiteral("message_not_found"));
    delete again;
}

void TestSlackSandbox::socketModeDeliversUserMessageAndAck()
{
    QVERIFY(!m_summaryTs.isEmpty());
    takeEvents();
    QSignalSpy acked(&m_sandbox->workspace(), &threadline::sandbox::Workspace::envelopeAcked);
    const auto result =
        m_sandbox->workspace().postAsUser(m_userId, QStringLiteral("Any news? <@U0> & @here"), m_summaryTs);
    QVERIFY2(result.ok, qPrintable(result.error));
    QTRY_VERIFY_WITH_TIMEOUT(!m_envelopes.isEmpty(), 10000);
    const QList<SlackEvent> events = takeEvents();
    const auto it =
        std::find_if(events.begin(), events.end(), [&](const SlackEvent &e) { return e.ts == result.ts; });
    QVERIFY(it != events.end());
    QCOMPARE(SlackEvent::kindName(it->kind), SlackEvent::kindName(SlackEvent::Kind::UserMessage));
    QCOMPARE(it->channel, m_dm);
    QCOMPARE(it->threadTs, m_summaryTs);
    QCOMPARE(it->user, m_userId);
    QVERIFY(it->isThreadReply());
    // postAsUser takes Slack text as Slack would store it: <@U0> is mention markup there.
    QCOMPARE(mrkdwn::decode(it->text,
                            [](const QString &id) {
                                return id == QLatin1String("U0") ? QStringLiteral("Bob") : QString();
                            }),
             QStringLiteral("Any news? @Bob & @here"));
    QTRY_VERIFY_WITH_TIMEOUT(!acked.isEmpty(), 5000);
    // acked: no redelivery after the sandbox's ack timeout
    QTest::qWait(2500);
    const QList<SlackEvent> later = takeEvents();
    QVERIFY(std::none_of(later.begin(), later.end(), [&](const SlackEvent &e) { return e.ts == result.ts; }));

    // the user edits and deletes their reply
    const auto edited =
        m_sandbox->workspace().editAsUser(m_userId, result.ts, QStringLiteral("Any news now?"));
    QVERIFY2(edited.ok, qPrintable(edited.error));
    QTRY_VERIFY_WITH_TIMEOUT(!m_envelopes.isEmpty(), 10000);
    QList<SlackEvent> edits = takeEvents();
    QVERIFY(std::any_of(edits.begin(), edits.end(), [&](const SlackEvent &e) {
        return e.kind == SlackEvent::Kind::MessageEdited && e.ts == result.ts &&
               e.text == QLatin1String("Any news now?");
    }));
    const auto deleted = m_sandbox->workspace().deleteAsUser(m_userId, result.ts);
    QVERIFY2(deleted.ok, qPrintable(deleted.error));
    QTRY_VERIFY_WITH_TIMEOUT(!m_envelopes.isEmpty(), 10000);
    QList<SlackEvent> deletes = takeEvents();
    QVERIFY(std::any_of(deletes.begin(), deletes.end(), [&](const SlackEvent &e) {
        return e.kind == SlackEvent::Kind::MessageDeleted && e.ts == result.ts && e.threadTs == m_summaryTs;
    }));
}

void TestSlackSandbox::ownPostsEchoAsOwnEcho()
{
    takeEvents();
    PostMessageArgs args;
    args.channel = m_dm;
    args.threadTs = m_summaryTs;
    args.text = QStringLiteral("from the desk");
    auto *post = new PostMessageJob(m_nam, bot(), args, this);
    QVERIFY(runJob(post));
    const QString ts = post->ts();
    delete post;
    auto *update = new UpdateMessageJob(
        m_nam, bot(), {m_dm, ts, QStringLiteral("from the desk, edited"), std::nullopt, std::nullopt}, this);
    QVERIFY(runJob(update));
    delete update;
    auto *del = new DeleteMessageJob(m_nam, bot(), m_dm, ts, this);
    QVERIFY(runJob(del));
    delete del;
    QTest::qWait(500);
    const QList<SlackEvent> events = takeEvents();
    QVERIFY(std::any_of(events.begin(), events.end(), [&ts](const SlackEvent &e) { return e.ts == ts; }));
    for (const SlackEvent &e : events) {
        if (e.ts == ts)
            QCOMPARE(SlackEvent::kindName(e.kind), SlackEvent::kindName(SlackEvent::Kind::OwnEcho));
        QVERIFY2(e.kind != SlackEvent::Kind::UserMessage && e.kind != SlackEvent::Kind::MessageEdited &&
                     e.kind != SlackEvent::Kind::MessageDeleted,
                 qPrintable(SlackEvent::kindName(e.kind) + QLatin1Char(' ') + e.ts));
    }
}

void TestSlackSandbox::unackedEnvelopeIsRedeliveredWithSameEventId()
{
    takeEvents();
    const auto result =
        m_sandbox->workspace().postAsUser(m_userId, QStringLiteral("not stored yet"), m_summaryTs);
    QVERIFY2(result.ok, qPrintable(result.error));
    QTRY_VERIFY_WITH_TIMEOUT(!m_envelopes.isEmpty(), 10000);
    const SocketModeEnvelope first = m_envelopes.takeFirst();
    QCOMPARE(first.retryAttempt, 0);
    // The consumer "failed to store" it and did not ack: Slack must deliver it again.
    QTRY_VERIFY_WITH_TIMEOUT(!m_envelopes.isEmpty(), 10000);
    const SocketModeEnvelope retry = m_envelopes.takeFirst();
    QVERIFY(retry.retryAttempt >= 1);
    const SlackEvent a = SlackEvent::parse(first.payload, m_identity).value();
    const SlackEvent b = SlackEvent::parse(retry.payload, m_identity).value();
    QCOMPARE(b.eventId, a.eventId);
    QCOMPARE(b.dedupeKey(), a.dedupeKey());
    QCOMPARE(a.ts, result.ts);
    QVERIFY(m_socket->ack(retry.envelopeId));
}

void TestSlackSandbox::refreshRequestedReconnects()
{
    takeEvents();
    const int opensBefore = m_socket->connectionsOpened();
    QSignalSpy lost(m_socket, &SocketModeClient::connectionLost);
    m_sandbox->socketMode().disconnectAll(QStringLiteral("refresh_requested"));
    QTRY_VERIFY_WITH_TIMEOUT(m_socket->connectionsOpened() > opensBefore, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_socket->state(), SlackConnectionState::State::Connected, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_sandbox->socketMode().connectionCount(), 1, 10000);
    const auto result =
        m_sandbox->workspace().postAsUser(m_userId, QStringLiteral("after refresh"), m_summaryTs);
    QVERIFY2(result.ok, qPrintable(result.error));
    QTRY_VERIFY_WITH_TIMEOUT(!m_envelopes.isEmpty(), 10000);
    const QList<SlackEvent> events = takeEvents();
    QVERIFY(std::any_of(events.begin(), events.end(), [&](const SlackEvent &e) {
        return e.kind == SlackEvent::Kind::UserMessage && e.ts == result.ts;
    }));
}

void TestSlackSandbox::fileRoundTrip()
{
    // desk → Slack: three-step upload into the thread
    QByteArray content(200 * 1024, 'q');
    QBuffer source(&content);
    QVERIFY(source.open(QIODevice::ReadOnly));
    auto *getUrl = new GetUploadUrlJob(m_nam, bot(), QStringLiteral("notes.txt"), content.size(), {}, this);
    Error error;
    QVERIFY2(runJob(getUrl, &error), qPrintable(error.toString()));
    auto *upload = new UploadFileJob(m_nam, getUrl->uploadUrl(), &source, content.size(), {}, this);
    QVERIFY2(runJob(upload, &error), qPrintable(error.toString()));
    auto *complete = new CompleteUploadJob(m_nam, bot(), {{getUrl->fileId(), QStringLiteral("Notes")}}, m_dm,
                                           m_summaryTs, {}, this);
    QVERIFY2(runJob(complete, &error), qPrintable(error.toString()));
    delete getUrl;
    delete upload;
    delete complete;

    // Slack → desk: a user shares a file in the thread; we download it with the bot token
    takeEvents();
    const QByteArray userBytes = QByteArray("user file ") + QByteArray(50 * 1024, 'u');
    const auto shared =
        m_sandbox->workspace().uploadAsUser(m_userId, QStringLiteral("photo.bin"), userBytes,
                                            QStringLiteral("application/octet-stream"), m_summaryTs);
    QVERIFY2(shared.ok, qPrintable(shared.error));
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(
            m_envelopes.begin(), m_envelopes.end(),
            [](const SocketModeEnvelope &e) {
                return e.payload.value(QStringLiteral("event")).toObject().value(QStringLiteral("subtype")) ==
                           QLatin1String("file_share") &&
                       e.payload.value(QStringLiteral("event")).toObject().value(QStringLiteral("user")) !=
                           QLatin1String("U0SANDBOXBOT");
            }),
        10000);
    const QList<SlackEvent> events = takeEvents();
    const auto it = std::find_if(events.begin(), events.end(),
                                 [](const SlackEvent &e) { return e.kind == SlackEvent::Kind::FileShare; });
    QVERIFY(it != events.end());
    QCOMPARE(it->user, m_userId);
    QCOMPARE(it->threadTs, m_summaryTs);
    QCOMPARE(it->files.size(), 1);
    QVERIFY(std::none_of(events.begin(), events.end(), [](const SlackEvent &e) {
        return e.kind == SlackEvent::Kind::FileShare && e.user == QLatin1String("U0SANDBOXBOT");
    }));
    QBuffer sink;
    QVERIFY(sink.open(QIODevice::WriteOnly));
    auto *download =
        new DownloadFileJob(m_nam, QUrl(it->files.at(0).urlPrivateDownload), bot().token, &sink, -1, this);
    QVERIFY2(runJob(download, &error), qPrintable(error.toString()));
    QCOMPARE(sink.data(), userBytes);
    delete download;
}

QTEST_GUILESS_MAIN(TestSlackSandbox)
#include "tst_slacksandbox.moc"
