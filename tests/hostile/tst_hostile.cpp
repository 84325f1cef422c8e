// Hostile input through the whole engine: what anyone types on the desk or in a Slack thread must
// never ping a channel, a workspace or a user group when the engine posts it to other people.

#include "sandbox/sandboxserver.h"
#include "store/store.h"
#include "sync/engine.h"
#include "syncharness.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace threadline;
using namespace threadline::sync;
using threadline::sandbox::SandboxMessage;
using threadline::sandbox::SandboxServer;
using threadline::test::lit;
using threadline::test::Member;

namespace {

void collectMrkdwn(const QJsonValue &value, QStringList &out)
{
    if (value.isArray()) {
        for (const QJsonValue &v : value.toArray())
            collectMrkdwn(v, out);
        return;
    }
    if (!value.isObject())
        return;
    const QJsonObject o = value.toObject();
    if (o.value(QStringLiteral("type")).toString() == QLatin1String("mrkdwn"))
        out << o.value(QStringLiteral("text")).toString();
    for (auto it = o.begin(); it != o.end(); ++it)
        collectMrkdwn(it.value(), out);
}

//! Everything Slack would read as a mention or a link in a message: its text and every mrkdwn text
//! object of its blocks (plain_text objects are shown as typed and never notify anyone).
QString wireText(const SandboxMessage &m)
{
    QStringList parts{m.text};
    collectMrkdwn(m.blocks, parts);
    return parts.join(QLatin1Char('\n'));
}

//! What Slack would turn into a notification beyond the people the engine means to address.
QString massMention(const QString &wire)
{
    static const QRegularExpression special(lit("<!(channel|here|everyone|subteam\\^[^>]*)"),
                                            QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression literal(lit("@(channel|here|everyone)\\b"),
                                            QRegularExpression::CaseInsensitiveOption);
    if (auto m = special.match(wire); m.hasMatch())
        return m.captured(0);
    if (auto m = literal.match(wire); m.hasMatch())
        return m.captured(0);
    return {};
}

} // namespace

class TestHostile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void massMentionsFromTheDeskNeverPing();
    void massMentionsFromSlackNeverPingOtherThreads();

private:
    Member addMember(const QString &name, bool agent);
    QList<const SandboxMessage *> appMessages(const Member &m);
    bool idle() const;

    QTemporaryDir m_dir;
    int m_counter = 0;
    std::unique_ptr<SandboxServer> m_sandbox;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<Engine> m_engine;
    QList<Member> m_people; // Rita (requester), Alex (agent, assignee), Wes (follower)
    qint64 m_request = 0;
};

void TestHostile::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QLoggingCategory::setFilterRules(lit("threadline.*.info=false\nthreadline.*.debug=false"));
}

void TestHostile::init()
{
    m_sandbox = std::make_unique<SandboxServer>(test::quietSandboxOptions());
    QVERIFY(m_sandbox->listen());
    m_nam = std::make_unique<QNetworkAccessManager>();
    EngineOptions o = test::testEngineOptions(
        lit("sqlite:") + m_dir.filePath(lit("hostile-%1.db").arg(++m_counter)), *m_sandbox, m_nam.get());
    o.maxAttempts = 8; // as in production: nothing here has to be retried
    m_engine = std::make_unique<Engine>(o);
    QVERIFY(m_engine->start().ok());
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), EngineState::Running, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->inboundConnected(), 10000);

    m_people = {addMember(lit("Rita"), false), addMember(lit("Alex"), true), addMember(lit("Wes"), false)};
    // The title and body are desk text too: they reach every follower's summary.
    m_request = test::createRequest(m_engine->store(), m_people[0], {m_people[2]}, m_people[1],
                                    lit("<!channel> urgent @everyone <!subteam^S0ADMINS|@admins>"),
                                    lit("@here please <!here> look &lt;!channel&gt; <@U0SANDBOXBOT>"));
    for (const Member &m : std::as_const(m_people))
        QTRY_VERIFY_WITH_TIMEOUT(!appMessages(m).isEmpty(), 15000);
}

void TestHostile::cleanup()
{
    m_engine.reset();
    m_nam.reset();
    m_sandbox.reset();
}

Member TestHostile::addMember(const QString &name, bool agent)
{
    return test::addMember(m_sandbox->workspace(), m_engine->store(), name, agent);
}

QList<const SandboxMessage *> TestHostile::appMessages(const Member &m)
{
    QList<const SandboxMessage *> out;
    auto &ws = m_sandbox->workspace();
    const QString dm = ws.dmOf(m.slackId);
    if (dm.isEmpty())
        return out;
    for (const SandboxMessage *top : ws.topLevel(dm)) {
        for (const SandboxMessage *msg : ws.replies(dm, top->ts)) {
            if (msg->byApp && !msg->deleted)
                out << msg;
        }
        if (top->byApp && !top->deleted && !out.contains(top))
            out << top;
    }
    return out;
}

bool TestHostile::idle() const
{
    return test::queueIdle(m_engine->queueStats());
}

void TestHostile::massMentionsFromTheDeskNeverPing()
{
    const QStringList attacks = {
        lit("<!channel> <!here> <!everyone>"),
        lit("<!subteam^S0ADMINS|@admins> and <!subteam^S0ADMINS>"),
        lit("@channel @here @everyone @Channel @HERE @EveryOne!"),
        lit("&lt;!channel&gt; pre-escaped, and <!date^1392734382^{date}|x>"),
        lit("<@U0SANDBOXBOT> <https://evil.example/login|Slack login> <#C0GENERAL>"),
        lit("@\u2060channel already joined, @\u2060\u2060here twice"),
    };
    QList<qint64> ids;
    for (const QString &text : attacks) {
        NewUpdate u;
        u.requestId = m_request;
        u.authorId = m_people[1].personId;
        u.text = text;
        auto posted = m_engine->store()->postUpdate(u);
        QVERIFY(posted.ok());
        ids << posted.value().id;
    }
    // Rita and Wes each get every update; Alex (the poster) gets none of them.
    for (const Member &m : {m_people[0], m_people[2]})
        QTRY_COMPARE_WITH_TIMEOUT(appMessages(m).size(), 1 + attacks.size(), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 15000);
    for (const Member &m : std::as_const(m_people)) {
        for (const SandboxMessage *msg : appMessages(m)) {
            const QString wire = wireText(*msg);
            QVERIFY2(massMention(wire).isEmpty(), qPrintable(massMention(wire) + lit(" in ") + wire));
            QVERIFY2(!wire.contains(lit("<@U0SANDBOXBOT>")), qPrintable(wire));
            QVERIFY2(!wire.contains(lit("<https://evil.example")), qPrintable(wire));
        }
    }
    // The desk keeps the text exactly as typed.
    const auto timeline = m_engine->store()->timeline(m_request);
    QVERIFY(timeline.ok());
    QCOMPARE(timeline.value().updates.size(), attacks.size());
    for (int i = 0; i < attacks.size(); ++i)
        QCOMPARE(timeline.value().updates.at(i).text, attacks.at(i));
}

void TestHostile::massMentionsFromSlackNeverPingOtherThreads()
{
    // In her own DM thread a special mention pings nobody; copied into other people's threads by
    // the app it would, if the engine passed Slack's markup through.
    auto &ws = m_sandbox->workspace();
    const QString dm = ws.dmOf(m_people[0].slackId);
    QString thread;
    for (const SandboxMessage *top : ws.topLevel(dm)) {
        if (top->byApp)
            thread = top->ts;
    }
    QVERIFY(!thread.isEmpty());
    const QStringList wire = {
        lit("<!channel> the printer is on fire <!here>"),
        lit("<!everyone> and <!subteam^S0ADMINS|@admins>"),
        lit("@channel typed literally, &lt;!here&gt; escaped"),
    };
    for (const QString &text : wire)
        QVERIFY(ws.postAsUser(m_people[0].slackId, text, thread).ok);
    for (const Member &m : {m_people[1], m_people[2]})
        QTRY_COMPARE_WITH_TIMEOUT(appMessages(m).size(), 1 + wire.size(), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), 15000);
    for (const Member &m : {m_people[1], m_people[2]}) {
        for (const SandboxMessage *msg : appMessages(m)) {
            const QString text = wireText(*msg);
            QVERIFY2(massMention(text).isEmpty(), qPrintable(massMention(text) + lit(" in ") + text));
        }
    }
    // On the desk they read as what Rita saw: @channel, @here, …
    const auto timeline = m_engine->store()->timeline(m_request);
    QVERIFY(timeline.ok());
    QCOMPARE(timeline.value().updates.size(), wire.size());
    QCOMPARE(timeline.value().updates.at(0).text, lit("@channel the printer is on fire @here"));
    QCOMPARE(timeline.value().updates.at(2).text, lit("@channel typed literally, <!here> escaped"));
}

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
