// Pure logic of engine/slack: event parsing, error mapping, mrkdwn, Block Kit, signing, limiter.
#include "slack/mrkdwn.h"
#include "slack/slackerror.h"
#include "slack/slackevent.h"
#include "slack/slackratelimiter.h"
#include "slack/slacksignature.h"
#include "slack/summaryrenderer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <functional>

using namespace threadline;
using namespace threadline::slack;
using Kind = SlackEvent::Kind;

namespace {

SlackIdentity self()
{
    SlackIdentity id;
    id.userId = QStringLiteral("UBOT");
    id.botId = QStringLiteral("B999");
    id.appId = QStringLiteral("A111");
    id.teamId = QStringLiteral("T111");
    return id;
}

QByteArray wrap(const QByteArray &event)
{
    return QByteArray(
               R"({"type":"event_callback","team_id":"T111","api_app_id":"A111","event_id":"Ev1","event_time":1700000000,"event":)") +
           event + "}";
}

} // namespace

class TestSlack : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseEvent_data();
    void parseEvent();
    void parseEventRejectsMalformed_data();
    void parseEventRejectsMalformed();
    void dedupeKeyDistinguishesEditsButNotRedeliveries();
    void parseUserChange();
    void parseUserChangeRejectsHostile_data();
    void parseUserChangeRejectsHostile();

    void errorMapping_data();
    void errorMapping();
    void httpFailures_data();
    void httpFailures();

    void mrkdwnRoundTrip_data();
    void mrkdwnRoundTrip();
    void mrkdwnEncodeNeverPings_data();
    void mrkdwnEncodeNeverPings();
    void mrkdwnDecode_data();
    void mrkdwnDecode();
    void mrkdwnTruncate();

    void summaryWithinLimits_data();
    void summaryWithinLimits();
    void summaryFallbackNamesThePeople();

    void signingTestVector();
    void signatureRejections_data();
    void signatureRejections();

    void limiterPerChannel();
    void limiterPerChannelAbsorbsTransitJitter();
    void limiterPerTier_data();
    void limiterPerTier();
    void limiter429PausesOnlyWhatWasLimited();
    void limiterWorkspacePostBudget();
    void limiterReserveIsLeftToOthers();
    void backoffGrowsWithJitterAndCap();
};

// ---------------------------------------------------------------------------------------------
// Event parsing: shapes from slack-protocol.md §3

void TestSlack::parseEvent_data()
{
    QTest::addColumn<QByteArray>("event");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QString>("channel");
    QTest::addColumn<QString>("ts");
    QTest::addColumn<QString>("threadTs");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("text");

    QTest::newRow("top-level im message")
        << QByteArray(
               R"({"type":"message","channel":"D024BE91L","user":"U2147483697","text":"Hello hello can you hear me?","ts":"1355517523.000005","event_ts":"1355517523.000005","channel_type":"im","client_msg_id":"c1"})")
        << Kind::UserMessage << "D024BE91L"
        << "1355517523.000005"
        << ""
        << "U2147483697"
        << "Hello hello can you hear me?";
    QTest::newRow("thread reply")
        << QByteArray(
               R"({"user":"W222","type":"message","ts":"1726133700.887259","text":"When?","team":"T111","thread_ts":"1726133698.626339","parent_user_id":"UBOT","channel":"D111","event_ts":"1726133700.887259","channel_type":"im"})")
        << Kind::UserMessage << "D111"
        << "1726133700.887259"
        << "1726133698.626339"
        << "W222"
        << "When?";
    QTest::newRow("thread_broadcast is a user message")
        << QByteArray(
               R"({"type":"message","subtype":"thread_broadcast","channel":"D1","user":"U1","text":"x","ts":"2.000001","thread_ts":"1.000001"})")
        << Kind::UserMessage << "D1"
        << "2.000001"
        << "1.000001"
        << "U1"
        << "x";
    QTest::newRow("message_changed real edit")
        << QByteArray(
               R"({"type":"message","subtype":"message_changed","hidden":true,"channel":"D0697V","ts":"1665102362.013600","event_ts":"1665102362.013600","channel_type":"im","message":{"type":"message","user":"U111","text":"updated message","ts":"1665102338.901939","edited":{"user":"U111","ts":"1665102362.000000"},"thread_ts":"1665102300.000001"},"previous_message":{"type":"message","user":"U111","text":"original message","ts":"1665102338.901939"}})")
        << Kind::MessageEdited << "D0697V"
        << "1665102338.901939"
        << "1665102300.000001"
        << "U111"
        << "updated message";
    QTest::newRow("message_changed unfurl only")
        << QByteArray(
               R"({"type":"message","subtype":"message_changed","channel":"D1","ts":"5.0","message":{"type":"message","user":"U1","text":"see https://x","ts":"4.0","attachments":[{"title":"x"}]},"previous_message":{"type":"message","user":"U1","text":"see https://x","ts":"4.0"}})")
        << Kind::UnfurlOnly << "D1"
        << "4.0"
        << ""
        << "U1"
        << "see https://x";
    QTest::newRow("message_changed tombstone")
        << QByteArray(
               R"({"type":"message","subtype":"message_changed","hidden":true,"channel":"D1","ts":"9.0","channel_type":"im","message":{"type":"message","subtype":"tombstone","text":"This message was deleted.","user":"USLACKBOT","hidden":true,"ts":"3.0","thread_ts":"3.0","reply_count":2},"previous_message":{"type":"message","user":"U5","text":"parent","ts":"3.0","thread_ts":"3.0"}})")
        << Kind::ParentTombstoned << "D1"
        << "3.0"
        << "3.0"
        << "U5"
        << "This message was deleted.";
    QTest::newRow("message_deleted")
        << QByteArray(
               R"({"type":"message","subtype":"message_deleted","hidden":true,"channel":"C111","ts":"1665368629.007100","event_ts":"1665368629.007100","deleted_ts":"1665368619.804829","channel_type":"channel","previous_message":{"type":"message","text":"Delete this message","user":"U111","team":"T111","ts":"1665368619.804829","thread_ts":"1665368600.000001"}})")
        << Kind::MessageDeleted << "C111"
        << "1665368619.804829"
        << "1665368600.000001"
        << "U111"
        << "";
    QTest::newRow("file_share")
        << QByteArray(
               R"({"type":"message","subtype":"file_share","channel":"D1","user":"U1","text":"here","ts":"7.0","thread_ts":"6.0","upload":true,"files":[{"id":"F1","name":"a.pdf","mimetype":"application/pdf","size":12,"url_private":"https://files.slack.com/files-pri/T1-F1/a.pdf","url_private_download":"https://files.slack.com/files-pri/T1-F1/download/a.pdf"}]})")
        << Kind::FileShare << "D1"
        << "7.0"
        << "6.0"
        << "U1"
        << "here";
    QTest::newRow("own echo by bot_id (GBP post, no subtype)")
        << QByteArray(
               R"({"bot_id":"B999","type":"message","text":"Hi","user":"UBOT","ts":"1610261539.000900","team":"T111","bot_profile":{"id":"B999","app_id":"A111"},"channel":"D1","event_ts":"1610261539.000900","channel_type":"im"})")
        << Kind::OwnEcho << "D1"
        << "1610261539.000900"
        << ""
        << "UBOT"
        << "Hi";
    QTest::newRow("own echo by user only")
        << QByteArray(R"({"type":"message","text":"Hi","user":"UBOT","ts":"1.1","channel":"D1"})")
        << Kind::OwnEcho << "D1"
        << "1.1"
        << ""
        << "UBOT"
        << "Hi";
    QTest::newRow("own echo by app_id in bot_profile")
        << QByteArray(
               R"({"type":"message","text":"Hi","bot_id":"B000","bot_profile":{"app_id":"A111"},"ts":"1.2","channel":"D1"})")
        << Kind::OwnEcho << "D1"
        << "1.2"
        << ""
        << ""
        << "Hi";
    QTest::newRow("own edit echo")
        << QByteArray(
               R"({"type":"message","subtype":"message_changed","channel":"D1","ts":"9.1","message":{"type":"message","user":"UBOT","bot_id":"B999","text":"new","ts":"8.0","edited":{"user":"UBOT","ts":"9.1"}},"previous_message":{"type":"message","user":"UBOT","bot_id":"B999","text":"old","ts":"8.0"}})")
        << Kind::OwnEcho << "D1"
        << "8.0"
        << ""
        << "UBOT"
        << "new";
    QTest::newRow("own delete echo")
        << QByteArray(
               R"({"type":"message","subtype":"message_deleted","channel":"D1","ts":"9.2","deleted_ts":"8.0","previous_message":{"type":"message","user":"UBOT","bot_id":"B999","text":"old","ts":"8.0"}})")
        << Kind::OwnEcho << "D1"
        << "8.0"
        << ""
        << "UBOT"
        << "";
    QTest::newRow("own file share echo")
        << QByteArray(
               R"({"type":"message","subtype":"file_share","channel":"D1","user":"UBOT","text":"","ts":"9.3","files":[{"id":"F2"}]})")
        << Kind::OwnEcho << "D1"
        << "9.3"
        << ""
        << "UBOT"
        << "";
    QTest::newRow("own summary tombstoned is an echo")
        << QByteArray(
               R"({"type":"message","subtype":"message_changed","channel":"D1","ts":"9.4","message":{"type":"message","subtype":"tombstone","user":"USLACKBOT","text":"This message was deleted.","ts":"3.0","thread_ts":"3.0"},"previous_message":{"type":"message","user":"UBOT","bot_id":"B999","text":"summary","ts":"3.0"}})")
        << Kind::OwnEcho << "D1"
        << "3.0"
        << "3.0"
        << "USLACKBOT"
        << "This message was deleted.";
    QTest::newRow("other bot is ignored")
        << QByteArray(
               R"({"type":"message","subtype":"bot_message","bot_id":"B5","username":"hook","text":"x","ts":"1.3","channel":"D1"})")
        << Kind::Ignored << "D1"
        << "1.3"
        << ""
        << ""
        << "x";
    QTest::newRow("channel_join is ignored")
        << QByteArray(
               R"({"type":"message","subtype":"channel_join","user":"U1","text":"joined","ts":"1.4","channel":"C1"})")
        << Kind::Ignored << "C1"
        << "1.4"
        << ""
        << ""
        << "";
    QTest::newRow("message_replied without subtype is ignored")
        << QByteArray(
               R"({"type":"message","channel":"D1","event_ts":"1.5","message":{"type":"message","user":"UBOT","text":"summary","ts":"1.0","thread_ts":"1.0","reply_count":1}})")
        << Kind::Ignored << "D1"
        << ""
        << ""
        << ""
        << "";
    QTest::newRow("app_home_opened is ignored")
        << QByteArray(
               R"({"type":"app_home_opened","user":"U1","channel":"D1","tab":"messages","event_ts":"1.6"})")
        << Kind::Ignored << "D1"
        << ""
        << ""
        << ""
        << "";
}

void TestSlack::parseEvent()
{
    QFETCH(QByteArray, event);
    QFETCH(Kind, kind);
    QFETCH(QString, channel);
    QFETCH(QString, ts);
    QFETCH(QString, threadTs);
    QFETCH(QString, user);
    QFETCH(QString, text);

    const Result<SlackEvent> parsed = SlackEvent::parse(wrap(event), self());
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().toString()));
    const SlackEvent &ev = parsed.value();
    QCOMPARE(SlackEvent::kindName(ev.kind), SlackEvent::kindName(kind));
    QCOMPARE(ev.eventId, QStringLiteral("Ev1"));
    QCOMPARE(ev.teamId, QStringLiteral("T111"));
    QCOMPARE(ev.channel, channel);
    QCOMPARE(ev.ts, ts);
    QCOMPARE(ev.threadTs, threadTs);
    if (kind != Kind::Ignored) {
        QCOMPARE(ev.user, user);
        QCOMPARE(ev.text, text);
    }
    // Invariants: ts is kept verbatim; an import candidate always has an author; own echoes and
    // unfurls are never import candidates.
    if (kind == Kind::UserMessage || kind == Kind::FileShare || kind == Kind::MessageEdited)
        QVERIFY(!ev.user.isEmpty() && ev.user != self().userId);
    if (kind == Kind::FileShare)
        QVERIFY(!ev.files.isEmpty());
    QVERIFY(!ev.dedupeKey().isEmpty());
}

void TestSlack::parseEventRejectsMalformed_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("not json") << QByteArray("{nope");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("array") << QByteArray("[1,2]");
    QTest::newRow("invalid utf-8") << QByteArray(
        "{\"type\":\"event_callback\",\"event_id\":\"E\xff\xfe\",\"event\":{}}");
    QTest::newRow("no type") << QByteArray(R"({"event_id":"Ev1","event":{}})");
    QTest::newRow("type not string") << QByteArray(R"({"type":5})");
    QTest::newRow("no event_id") << QByteArray(R"({"type":"event_callback","event":{"type":"message"}})");
    QTest::newRow("no event") << QByteArray(R"({"type":"event_callback","event_id":"Ev1"})");
    QTest::newRow("event not object")
        << QByteArray(R"({"type":"event_callback","event_id":"Ev1","event":"x"})");
    QTest::newRow("no channel") << wrap(R"({"type":"message","user":"U1","text":"x","ts":"1.0"})");
    QTest::newRow("no ts") << wrap(R"({"type":"message","user":"U1","text":"x","channel":"D1"})");
    QTest::newRow("ts as number") << wrap(
        R"({"type":"message","user":"U1","text":"x","channel":"D1","ts":1.5})");
    QTest::newRow("no user") << wrap(R"({"type":"message","text":"x","channel":"D1","ts":"1.0"})");
    QTest::newRow("text not string") << wrap(
        R"({"type":"message","user":"U1","text":{"a":1},"channel":"D1","ts":"1.0"})");
    QTest::newRow("files not array") << wrap(
        R"({"type":"message","subtype":"file_share","user":"U1","channel":"D1","ts":"1.0","files":"F1"})");
    QTest::newRow("changed without message")
        << wrap(R"({"type":"message","subtype":"message_changed","channel":"D1","ts":"1.0"})");
    QTest::newRow("changed message without ts") << wrap(
        R"({"type":"message","subtype":"message_changed","channel":"D1","ts":"2.0","message":{"user":"U1","text":"a","edited":{"ts":"2.0"}}})");
    QTest::newRow("deleted without deleted_ts")
        << wrap(R"({"type":"message","subtype":"message_deleted","channel":"D1","ts":"1.0"})");
    QByteArray deep;
    for (int i = 0; i < 5000; ++i)
        deep += "{\"a\":";
    deep += "1";
    for (int i = 0; i < 5000; ++i)
        deep += "}";
    QTest::newRow("deeply nested") << deep;
    QTest::newRow("deeply nested event") << wrap(deep);
}

void TestSlack::parseEventRejectsMalformed()
{
    QFETCH(QByteArray, json);
    const Result<SlackEvent> parsed = SlackEvent::parse(json, self());
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, ErrorCode::Invalid);
}

void TestSlack::dedupeKeyDistinguishesEditsButNotRedeliveries()
{
    const QByteArray edit1 = wrap(
        R"({"type":"message","subtype":"message_changed","channel":"D1","ts":"9.0","message":{"user":"U1","text":"b","ts":"4.0","edited":{"ts":"9.0"}},"previous_message":{"user":"U1","text":"a","ts":"4.0"}})");
    const QByteArray edit2 = wrap(
        R"({"type":"message","subtype":"message_changed","channel":"D1","ts":"10.0","message":{"user":"U1","text":"c","ts":"4.0","edited":{"ts":"10.0"}},"previous_message":{"user":"U1","text":"b","ts":"4.0"}})");
    QByteArray redelivered = wrap(R"({"type":"message","channel":"D1","user":"U1","text":"x","ts":"4.0"})");
    const QByteArray original = redelivered;
    redelivered.replace("\"Ev1\"", "\"Ev2\"");
    const auto key = [](const QByteArray &json) {
        return SlackEvent::parse(json, self()).value().dedupeKey();
    };
    QVERIFY(key(edit1) != key(edit2));
    QCOMPARE(key(original), key(redelivered));
    QVERIFY(SlackEvent::parse(original, self()).value().eventId !=
            SlackEvent::parse(redelivered, self()).value().eventId);
}

// user_change (docs.slack.dev "user_change event"): the full user object of a changed member.

void TestSlack::parseUserChange()
{
    // Slack's documented example, with fields Threadline does not read and one it has never seen.
    const QByteArray documented = wrap(
        R"({"type":"user_change","user":{"id":"U1234567","team_id":"T1234567","name":"some-user","deleted":false,"color":"4bbe2e","real_name":"Some User","tz":"America/Los_Angeles","tz_label":"Pacific Daylight Time","tz_offset":-25200,"profile":{"title":"","phone":"","skype":"","real_name":"Some User","real_name_normalized":"Some User","display_name":"Sunny","display_name_normalized":"Sunny","fields":{},"status_text":"riding a train","status_emoji":":mountain_railway:","status_emoji_display_info":[],"status_expiration":0,"avatar_hash":"g12345678910","first_name":"Some","last_name":"User","email":"some@example.com"},"is_admin":false,"is_owner":false,"is_bot":false,"updated":1648596421,"is_email_confirmed":true,"who_can_share_contact_card":"EVERYONE","future_field":{"x":[1,2]}},"cache_ts":1648596421,"event_ts":"1648596712.000001"})");
    auto parsed = SlackEvent::parse(documented, self());
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().toString()));
    SlackEvent ev = parsed.value();
    QCOMPARE(ev.kind, Kind::UserChanged);
    QCOMPARE(SlackEvent::kindName(ev.kind), QStringLiteral("user_changed"));
    QCOMPARE(ev.eventId, QStringLiteral("Ev1"));
    QCOMPARE(ev.user, QStringLiteral("U1234567"));
    QCOMPARE(ev.profile.id, QStringLiteral("U1234567"));
    QCOMPARE(ev.profile.name, QStringLiteral("some-user"));
    QCOMPARE(ev.profile.displayName, QStringLiteral("Sunny"));
    QCOMPARE(ev.profile.realName, QStringLiteral("Some User"));
    QCOMPARE(ev.profile.email, QStringLiteral("some@example.com"));
    QCOMPARE(ev.profile.bestName(), QStringLiteral("Sunny"));
    QVERIFY(!ev.profile.deleted);
    QCOMPARE(ev.profileUpdated, 1648596421);
    QCOMPARE(ev.eventTs, QStringLiteral("1648596712.000001"));
    QVERIFY(ev.channel.isEmpty());
    const QString key = ev.dedupeKey();

    // A deactivated member, with no display name and the real name only in the profile.
    parsed = SlackEvent::parse(
        wrap(
            R"({"type":"user_change","user":{"id":"W0ABC","deleted":true,"profile":{"display_name":"","real_name":"Gone Person"}},"event_ts":"1700000000.5"})"),
        self());
    QVERIFY(parsed.ok());
    ev = parsed.value();
    QCOMPARE(ev.kind, Kind::UserChanged);
    QVERIFY(ev.profile.deleted);
    QCOMPARE(ev.profile.realName, QStringLiteral("Gone Person"));
    QCOMPARE(ev.profile.bestName(), QStringLiteral("Gone Person"));
    QCOMPARE(ev.profileUpdated, 0);
    QVERIFY(ev.dedupeKey() != key);

    // The same change redelivered under a new event_id has the same dedupe key.
    QByteArray again = documented;
    again.replace("\"Ev1\"", "\"Ev9\"");
    QCOMPARE(SlackEvent::parse(again, self()).value().dedupeKey(), key);

    // user_profile_changed (sent beside user_change when subscribed) is not acted on twice.
    parsed = SlackEvent::parse(
        wrap(R"({"type":"user_profile_changed","user":{"id":"U1234567","name":"x"},"event_ts":"1.0"})"),
        self());
    QVERIFY(parsed.ok());
    QCOMPARE(parsed.value().kind, Kind::Ignored);
}

void TestSlack::parseUserChangeRejectsHostile_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field");
    const auto change = [](const QByteArray &user, const QByteArray &extra = {}) {
        return wrap(QByteArray(R"({"type":"user_change")") +
                    (user.isEmpty() ? QByteArray() : ",\"user\":" + user) + extra + "}");
    };
    QTest::newRow("no user") << change({}, R"(,"event_ts":"1.0")") << "event.user";
    QTest::newRow("user null") << change("null") << "event.user";
    QTest::newRow("user is a string") << change(R"("U123")") << "event.user";
    QTest::newRow("user is an array") << change(R"([{"id":"U123"}])") << "event.user";
    QTest::newRow("no id") << change(R"({"name":"x"})") << "event.user.id";
    QTest::newRow("id is a number") << change(R"({"id":12345})") << "event.user.id";
    QTest::newRow("id empty") << change(R"({"id":""})") << "event.user.id";
    QTest::newRow("id not a user id") << change(R"({"id":"C0123ABC"})") << "event.user.id";
    QTest::newRow("id with markup") << change(R"({"id":"U12<!here>"})") << "event.user.id";
    QTest::newRow("id too long") << change(QByteArray(R"({"id":"U)") + QByteArray(100, 'A') + "\"}")
                                 << "event.user.id";
    QTest::newRow("name is an object") << change(R"({"id":"U123","name":{"a":1}})") << "event.user.name";
    QTest::newRow("real_name is a number")
        << change(R"({"id":"U123","real_name":5})") << "event.user.real_name";
    QTest::newRow("profile is a string") << change(R"({"id":"U123","profile":"x"})") << "event.user.profile";
    QTest::newRow("display_name is an array")
        << change(R"({"id":"U123","profile":{"display_name":["a"]}})") << "event.user.profile.display_name";
    QTest::newRow("deleted is a string")
        << change(R"({"id":"U123","deleted":"true"})") << "event.user.deleted";
    QTest::newRow("is_bot is a number") << change(R"({"id":"U123","is_bot":1})") << "event.user.is_bot";
    QTest::newRow("updated is a string")
        << change(R"({"id":"U123","updated":"soon"})") << "event.user.updated";
    QTest::newRow("event_ts is a number")
        << change(R"({"id":"U123"})", R"(,"event_ts":1.5)") << "event.event_ts";
    QTest::newRow("event_ts is not a ts")
        << change(R"({"id":"U123"})", R"(,"event_ts":"1.5; DROP")") << "event.event_ts";
    QTest::newRow("huge display name") << change(QByteArray(R"({"id":"U123","profile":{"display_name":")") +
                                                 QByteArray(200000, 'x') + "\"}}")
                                       << "event.user.profile.display_name";
    QTest::newRow("huge real name") << change(QByteArray(R"({"id":"U123","real_name":")") +
                                              QByteArray(5000, 'y') + "\"}")
                                    << "event.user.real_name";
}

void TestSlack::parseUserChangeRejectsHostile()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    const Result<SlackEvent> parsed = SlackEvent::parse(json, self());
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, ErrorCode::Invalid);
    QCOMPARE(parsed.error().field, field);
    QVERIFY(!parsed.error().message.isEmpty());
    QVERIFY(parsed.error().message.size() < 200); // names the problem, never echoes the payload
}

// ---------------------------------------------------------------------------------------------
// Error mapping

void TestSlack::errorMapping_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<SlackErrorAction>("action");
    QTest::addColumn<ErrorCode>("errorCode");
    const auto row = [](const char *code, SlackErrorAction action, ErrorCode errorCode) {
        QTest::newRow(code) << QString::fromLatin1(code) << action << errorCode;
    };
    using A = SlackErrorAction;
    row("ratelimited", A::WaitThenRetry, ErrorCode::RateLimited);
    row("rate_limited", A::WaitThenRetry, ErrorCode::RateLimited);
    row("invalid_auth", A::FixConfiguration, ErrorCode::Unauthorized);
    row("not_authed", A::FixConfiguration, ErrorCode::Unauthorized);
    row("account_inactive", A::FixConfiguration, ErrorCode::Unauthorized);
    row("token_revoked", A::FixConfiguration, ErrorCode::Unauthorized);
    row("token_expired", A::FixConfiguration, ErrorCode::Unauthorized);
    row("missing_scope", A::FixConfiguration, ErrorCode::Forbidden);
    row("not_allowed_token_type", A::FixConfiguration, ErrorCode::Forbidden);
    row("team_disabled", A::FixConfiguration, ErrorCode::Unauthorized);
    row("internal_error", A::Retry, ErrorCode::Unavailable);
    row("fatal_error", A::Retry, ErrorCode::Unavailable);
    row("service_unavailable", A::Retry, ErrorCode::Unavailable);
    row("channel_not_found", A::GiveUp, ErrorCode::NotFound);
    row("message_not_found", A::GiveUp, ErrorCode::NotFound);
    row("user_not_found", A::GiveUp, ErrorCode::NotFound);
    row("file_deleted", A::GiveUp, ErrorCode::NotFound);
    row("cant_delete_message", A::GiveUp, ErrorCode::Forbidden);
    row("cant_update_message", A::GiveUp, ErrorCode::Forbidden);
    row("edit_window_closed", A::GiveUp, ErrorCode::Forbidden);
    row("not_in_channel", A::GiveUp, ErrorCode::Forbidden);
    row("is_archived", A::GiveUp, ErrorCode::Forbidden);
    row("msg_too_long", A::GiveUp, ErrorCode::TooLarge);
    row("msg_blocks_too_long", A::GiveUp, ErrorCode::TooLarge);
    row("metadata_too_large", A::GiveUp, ErrorCode::TooLarge);
    row("too_many_attachments", A::GiveUp, ErrorCode::TooLarge);
    row("invalid_blocks", A::GiveUp, ErrorCode::Invalid);
    row("no_text", A::GiveUp, ErrorCode::Invalid);
    row("some_future_error", A::GiveUp, ErrorCode::Invalid);
}

void TestSlack::errorMapping()
{
    QFETCH(QString, code);
    QFETCH(SlackErrorAction, action);
    QFETCH(ErrorCode, errorCode);
    QCOMPARE(classifySlackError(code), action);
    const SlackFailure failure = slackApiFailure(QStringLiteral("chat.postMessage"), code);
    QCOMPARE(failure.action, action);
    QCOMPARE(failure.error.code, errorCode);
    QCOMPARE(failure.error.detail, code); // the reason is Slack's own code
    QVERIFY(failure.error.message.contains(QLatin1String("chat.postMessage")));
    QCOMPARE(failure.error.retryAfterMs >= 0, action == SlackErrorAction::WaitThenRetry);
}

void TestSlack::httpFailures_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::addColumn<SlackErrorAction>("action");
    QTest::addColumn<qint64>("retryAfterMs");
    QTest::newRow("429 with Retry-After")
        << 429 << QByteArray("7") << SlackErrorAction::WaitThenRetry << qint64(7000);
    QTest::newRow("429 without Retry-After")
        << 429 << QByteArray() << SlackErrorAction::WaitThenRetry << qint64(DefaultRetryAfterMs);
    QTest::newRow("429 garbage Retry-After")
        << 429 << QByteArray("soon") << SlackErrorAction::WaitThenRetry << qint64(DefaultRetryAfterMs);
    QTest::newRow("500") << 500 << QByteArray() << SlackErrorAction::Retry << qint64(-1);
    QTest::newRow("502") << 502 << QByteArray() << SlackErrorAction::Retry << qint64(-1);
    QTest::newRow("503") << 503 << QByteArray() << SlackErrorAction::Retry << qint64(-1);
    QTest::newRow("401") << 401 << QByteArray() << SlackErrorAction::FixConfiguration << qint64(-1);
    QTest::newRow("404") << 404 << QByteArray() << SlackErrorAction::GiveUp << qint64(-1);
}

void TestSlack::httpFailures()
{
    QFETCH(int, status);
    QFETCH(QByteArray, retryAfter);
    QFETCH(SlackErrorAction, action);
    QFETCH(qint64, retryAfterMs);
    const SlackFailure failure = slackHttpFailure(QStringLiteral("chat.update"), status, retryAfter);
    QCOMPARE(failure.action, action);
    QCOMPARE(failure.error.retryAfterMs, retryAfterMs);
    QVERIFY(!failure.error.detail.isEmpty());
}

// ---------------------------------------------------------------------------------------------
// mrkdwn

void TestSlack::mrkdwnRoundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("plain") << QStringLiteral("Hello world");
    QTest::newRow("control chars") << QStringLiteral("a < b && c > d");
    QTest::newRow("entities typed literally") << QStringLiteral("&amp; &lt; &gt; &amp;lt;");
    QTest::newRow("fake markup") << QStringLiteral("<@U123> <!channel> <https://evil|click>");
    QTest::newRow("mass mentions") << QStringLiteral("@channel @here @everyone @Here");
    QTest::newRow("unicode") << QStringLiteral("Grüße — ✓ 😀 日本");
    QTest::newRow("mrkdwn styles") << QStringLiteral("*bold* _it_ ~s~ `code` ```block``` > quote");
    QTest::newRow("invalid utf-8 decoded") << QString::fromUtf8(QByteArray("ok \xff\xfe \xc3\x28 end"));
    QTest::newRow("newlines") << QStringLiteral("line1\nline2\r\n");
    QTest::newRow("huge") << QString(200000, QLatin1Char('<'));
}

void TestSlack::mrkdwnRoundTrip()
{
    QFETCH(QString, text);
    const QString encoded = mrkdwn::encode(text);
    QCOMPARE(mrkdwn::decode(encoded), text);
    // Nothing an agent types can become markup.
    QVERIFY(!encoded.contains(QLatin1Char('<')));
    QVERIFY(!encoded.contains(QLatin1Char('>')));
}

void TestSlack::mrkdwnEncodeNeverPings_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("@channel") << QStringLiteral("hey @channel look");
    QTest::newRow("@here at end") << QStringLiteral("ping @here");
    QTest::newRow("@everyone start") << QStringLiteral("@everyone!");
    QTest::newRow("upper case") << QStringLiteral("@CHANNEL");
    QTest::newRow("<!channel>") << QStringLiteral("<!channel>");
    QTest::newRow("<!here|here>") << QStringLiteral("<!here|here>");
    QTest::newRow("<!everyone>") << QStringLiteral("x<!everyone>y");
    QTest::newRow("<@U123>") << QStringLiteral("<@U123>");
    QTest::newRow("<!subteam^S1>") << QStringLiteral("<!subteam^S1|@admins>");
    QTest::newRow("pre-escaped") << QStringLiteral("&lt;!channel&gt;");
}

void TestSlack::mrkdwnEncodeNeverPings()
{
    QFETCH(QString, text);
    const QString encoded = mrkdwn::encode(text);
    QVERIFY(!encoded.contains(QLatin1String("<!")));
    QVERIFY(!encoded.contains(QLatin1String("<@")));
    static const QRegularExpression massMention(QStringLiteral("@(channel|here|everyone)\\b"),
                                                QRegularExpression::CaseInsensitiveOption);
    QVERIFY2(!massMention.match(encoded).hasMatch(), qPrintable(encoded));
}

void TestSlack::mrkdwnDecode_data()
{
    QTest::addColumn<QString>("slack");
    QTest::addColumn<QString>("desk");
    QTest::newRow("entities") << QStringLiteral("a &amp; b &lt;c&gt;") << QStringLiteral("a & b <c>");
    QTest::newRow("user via lookup") << QStringLiteral("hi <@U123>") << QStringLiteral("hi @Ada Lovelace");
    QTest::newRow("unknown user keeps id") << QStringLiteral("<@U999>") << QStringLiteral("@U999");
    QTest::newRow("user with label") << QStringLiteral("<@U999|bob>") << QStringLiteral("@bob");
    QTest::newRow("channel with name") << QStringLiteral("<#C123|general>") << QStringLiteral("#general");
    QTest::newRow("channel without name") << QStringLiteral("<#C123>") << QStringLiteral("#C123");
    QTest::newRow("link with label") << QStringLiteral("<https://x.example/a?b=1&amp;c=2|label>")
                                     << QStringLiteral("label (https://x.example/a?b=1&c=2)");
    QTest::newRow("bare link") << QStringLiteral("<https://x.example>")
                               << QStringLiteral("https://x.example");
    QTest::newRow("link label equals url")
        << QStringLiteral("<https://x.example|https://x.example>") << QStringLiteral("https://x.example");
    QTest::newRow("mailto") << QStringLiteral("<mailto:a@b.example|a@b.example>")
                            << QStringLiteral("a@b.example");
    QTest::newRow("here") << QStringLiteral("<!here>") << QStringLiteral("@here");
    QTest::newRow("channel special") << QStringLiteral("<!channel>") << QStringLiteral("@channel");
    QTest::newRow("everyone") << QStringLiteral("<!everyone>") << QStringLiteral("@everyone");
    QTest::newRow("subteam") << QStringLiteral("<!subteam^S1|@admins>") << QStringLiteral("@admins");
    QTest::newRow("date") << QStringLiteral("<!date^1392734382^{date}|Feb 18>") << QStringLiteral("Feb 18");
    QTest::newRow("label with escaped chars")
        << QStringLiteral("<https://x|a &lt;b&gt;>") << QStringLiteral("a <b> (https://x)");
    QTest::newRow("stray lt") << QStringLiteral("a < b") << QStringLiteral("a < b");
    QTest::newRow("unterminated") << QStringLiteral("<@U123") << QStringLiteral("<@U123");
}

void TestSlack::mrkdwnDecode()
{
    QFETCH(QString, slack);
    QFETCH(QString, desk);
    const auto users = [](const QString &id) {
        return id == QLatin1String("U123") ? QStringLiteral("Ada Lovelace") : QString();
    };
    QCOMPARE(mrkdwn::decode(slack, users), desk);
}

void TestSlack::mrkdwnTruncate()
{
    QCOMPARE(mrkdwn::truncate(QStringLiteral("short"), 10), QStringLiteral("short"));
    const QString cut = mrkdwn::truncate(QStringLiteral("abcdefghij"), 5);
    QCOMPARE(cut.size(), 5);
    QVERIFY(cut.endsWith(QChar(0x2026)));
    // never splits a surrogate pair
    const QString emoji = QString(4, QLatin1Char('a')) + QStringLiteral("😀😀😀");
    for (int max = 1; max < emoji.size(); ++max) {
        const QString t = mrkdwn::truncate(emoji, max);
        QVERIFY(t.size() <= max);
        QVERIFY(!t.isEmpty() && !t.at(t.size() - 2 >= 0 ? t.size() - 2 : 0).isHighSurrogate());
    }
    // never splits an entity in encoded text
    const QString encoded = mrkdwn::encode(QString(100, QLatin1Char('&')));
    for (int max = 2; max < 40; ++max) {
        const QString t = mrkdwn::truncate(encoded, max, true);
        QVERIFY(t.size() <= max);
        QCOMPARE(mrkdwn::decode(t.chopped(1)),
                 QString(mrkdwn::decode(t.chopped(1)).size(), QLatin1Char('&')));
    }
}

// ---------------------------------------------------------------------------------------------
// Block Kit summary

void TestSlack::summaryWithinLimits_data()
{
    QTest::addColumn<RequestSummary>("summary");
    RequestSummary normal;
    normal.requestId = QStringLiteral("1234");
    normal.title = QStringLiteral("VPN access");
    normal.status = QStringLiteral("Open");
    normal.assignee = {QStringLiteral("U999"), QStringLiteral("Grace")};
    normal.requester = {{}, QStringLiteral("Ada <ada@example.com>")};
    normal.team = QStringLiteral("IT & Security");
    normal.followerReason = QStringLiteral("You are the requester");
    normal.deskLink = QUrl(QStringLiteral("https://desk.example/requests/1234"));
    QTest::newRow("normal") << normal;

    RequestSummary huge = normal;
    huge.title = QString(10000, QLatin1Char('<'));
    huge.status = QString(5000, QLatin1Char('&'));
    huge.team = QStringLiteral("@channel ") + QString(5000, QLatin1Char('x'));
    huge.followerReason = QStringLiteral("<!everyone> ") + QString(8000, QLatin1Char('>'));
    huge.requester = {QStringLiteral("not-an-id<!here>"), QString(3000, QLatin1Char('y'))};
    huge.requestId = QString(400, QLatin1Char('9'));
    QTest::newRow("huge hostile") << huge;

    RequestSummary empty;
    QTest::newRow("empty") << empty;

    RequestSummary badLink = normal;
    badLink.deskLink = QUrl(QStringLiteral("javascript:alert(1)"));
    QTest::newRow("non-web link") << badLink;
}

void TestSlack::summaryWithinLimits()
{
    QFETCH(RequestSummary, summary);
    const RenderedMessage message = SummaryRenderer::render(summary);
    QVERIFY(!message.blocks.isEmpty());
    QVERIFY(message.blocks.size() <= SummaryRenderer::MaxBlocks);
    QVERIFY(!message.text.isEmpty());
    QVERIFY(message.text.size() <= SummaryRenderer::MaxFallbackText);
    const QString all = QString::fromUtf8(QJsonDocument(message.blocks).toJson()) + message.text;
    QVERIFY(!all.contains(QLatin1String("<!")));
    static const QRegularExpression massMention(QStringLiteral("@(channel|here|everyone)\\b"));
    QVERIFY(!massMention.match(all).hasMatch());
    for (const QJsonValue &value : message.blocks) {
        const QJsonObject block = value.toObject();
        const QString type = block.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("header"))
            QVERIFY(block.value(QStringLiteral("text"))
                        .toObject()
                        .value(QStringLiteral("text"))
                        .toString()
                        .size() <= SummaryRenderer::MaxHeaderText);
        if (type == QLatin1String("section")) {
            QVERIFY(block.value(QStringLiteral("text"))
                        .toObject()
                        .value(QStringLiteral("text"))
                        .toString()
                        .size() <= SummaryRenderer::MaxSectionText);
            const QJsonArray fields = block.value(QStringLiteral("fields")).toArray();
            QVERIFY(fields.size() <= 10);
            for (const QJsonValue &field : fields)
                QVERIFY(field.toObject().value(QStringLiteral("text")).toString().size() <=
                        SummaryRenderer::MaxFieldText);
        }
        if (type == QLatin1String("actions")) {
            QVERIFY(block.value(QStringLiteral("block_id")).toString().size() <= SummaryRenderer::MaxBlockId);
            const QString url = block.value(QStringLiteral("elements"))
                                    .toArray()
                                    .at(0)
                                    .toObject()
                                    .value(QStringLiteral("url"))
                                    .toString();
            QVERIFY(url.startsWith(QLatin1String("https://")) || url.startsWith(QLatin1String("http://")));
        }
        if (type == QLatin1String("context"))
            for (const QJsonValue &e : block.value(QStringLiteral("elements")).toArray())
                QVERIFY(e.toObject().value(QStringLiteral("text")).toString().size() <=
                        SummaryRenderer::MaxSectionText);
    }
    if (summary.assignee.slackUserId == QLatin1String("U999"))
        QVERIFY(all.contains(QLatin1String("<@U999>"))); // the one mention we generate
}

void TestSlack::summaryFallbackNamesThePeople()
{
    RequestSummary s;
    s.requestId = QStringLiteral("12");
    s.title = QStringLiteral("VPN access");
    s.status = QStringLiteral("open");
    s.requester = {QStringLiteral("U111"), QStringLiteral("Ada <Lovelace> @here")};
    s.assignee = {QStringLiteral("U222"), QStringLiteral("Grace")};
    const RenderedMessage m = SummaryRenderer::render(s);
    QCOMPARE(m.text,
             mrkdwn::encode(QStringLiteral(
                 "Request #12: VPN access (open) — requested by Ada <Lovelace> @here, assigned to Grace")));
    QVERIFY(m.text.contains(QLatin1String("requested by Ada &lt;Lovelace&gt;")));
    static const QRegularExpression massMention(QStringLiteral("@(channel|here|everyone)\\b"));
    QVERIFY(!massMention.match(m.text).hasMatch());
    // The blocks still mention the people (Slack shows their current names there).
    const QString blocks = QString::fromUtf8(QJsonDocument(m.blocks).toJson());
    QVERIFY(blocks.contains(QLatin1String("<@U111>")));
    QVERIFY(blocks.contains(QLatin1String("<@U222>")));
    // Unassigned: only the requester is named; nobody: the text as before.
    s.assignee = {};
    QCOMPARE(
        SummaryRenderer::fallbackText(s),
        mrkdwn::encode(QStringLiteral("Request #12: VPN access (open) — requested by Ada <Lovelace> @here")));
    s.requester = {};
    QCOMPARE(SummaryRenderer::fallbackText(s), QStringLiteral("Request #12: VPN access (open)"));
}

// ---------------------------------------------------------------------------------------------
// Signing

static const QByteArray s_docBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain="
                                    "testteamnow&channel_id=G8PSS9T3V&channel_name="
                                    "foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
                                    "collect&text=&response_url=https%3A%2F%2Fhooks."
                                    "slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%"
                                    "2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
                                    "803a0bc887a14d10d2c447fce8b6703c";
static const QString s_docSecret = QStringLiteral("8f742231b10e8888abcd99yyyzzz85a5");
static const QByteArray s_docSignature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

void TestSlack::signingTestVector()
{
    QCOMPARE(SlackSignature::compute(s_docSecret, "1531420618", s_docBody), s_docSignature);
    QVERIFY(SlackSignature::verify(s_docSecret, "1531420618", s_docSignature, s_docBody, 1531420618).ok());
    QVERIFY(
        SlackSignature::verify(s_docSecret, "1531420618", s_docSignature, s_docBody, 1531420618 + 300).ok());
}

void TestSlack::signatureRejections_data()
{
    QTest::addColumn<QString>("secret");
    QTest::addColumn<QByteArray>("timestamp");
    QTest::addColumn<QByteArray>("signature");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<QString>("reason");
    const qint64 t = 1531420618;
    QTest::newRow("tampered body") << s_docSecret << QByteArray("1531420618") << s_docSignature
                                   << QByteArray(s_docBody + "x") << t << "invalid_signature";
    QTest::newRow("wrong secret") << QStringLiteral("other") << QByteArray("1531420618") << s_docSignature
                                  << s_docBody << t << "invalid_signature";
    QTest::newRow("forged signature")
        << s_docSecret << QByteArray("1531420618")
        << QByteArray("v0=0000000000000000000000000000000000000000000000000000000000000000") << s_docBody << t
        << "invalid_signature";
    QTest::newRow("truncated signature") << s_docSecret << QByteArray("1531420618") << s_docSignature.left(20)
                                         << s_docBody << t << "invalid_signature";
    QTest::newRow("v1 prefix") << s_docSecret << QByteArray("1531420618")
                               << QByteArray("v1=" + s_docSignature.mid(3)) << s_docBody << t
                               << "invalid_signature";
    QTest::newRow("timestamp changed")
        << s_docSecret << QByteArray("1531420619") << s_docSignature << s_docBody << t << "invalid_signature";
    QTest::newRow("replayed after 5 min") << s_docSecret << QByteArray("1531420618") << s_docSignature
                                          << s_docBody << t + 301 << "stale_timestamp";
    QTest::newRow("from the future") << s_docSecret << QByteArray("1531420618") << s_docSignature << s_docBody
                                     << t - 301 << "stale_timestamp";
    QTest::newRow("no signature") << s_docSecret << QByteArray("1531420618") << QByteArray() << s_docBody << t
                                  << "missing_signature";
    QTest::newRow("no timestamp") << s_docSecret << QByteArray() << s_docSignature << s_docBody << t
                                  << "missing_signature";
    QTest::newRow("garbage timestamp")
        << s_docSecret << QByteArray("12ab") << s_docSignature << s_docBody << t << "invalid_timestamp";
    QTest::newRow("no secret configured")
        << QString() << QByteArray("1531420618") << s_docSignature << s_docBody << t << "no_signing_secret";
}

void TestSlack::signatureRejections()
{
    QFETCH(QString, secret);
    QFETCH(QByteArray, timestamp);
    QFETCH(QByteArray, signature);
    QFETCH(QByteArray, body);
    QFETCH(qint64, now);
    QFETCH(QString, reason);
    const Result<void> result = SlackSignature::verify(secret, timestamp, signature, body, now);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().detail, reason);
    QCOMPARE(result.error().code, ErrorCode::Unauthorized);
    if (!secret.isEmpty())
        QVERIFY(!result.error().toString().contains(secret));
}

// ---------------------------------------------------------------------------------------------
// Rate limiter (fake clock)

// A caller asking with a reserve (a bulk fan-out) leaves that many tokens of the method's budget
// to callers asking without one; the reserve never exceeds what the bucket can hold, and the
// sustained rate is the same.
void TestSlack::limiterReserveIsLeftToOthers()
{
    qint64 now = 1'000'000;
    SlackRateLimiter limiter([&now] { return now; });
    limiter.setTierLimit(RateTier::PostMessage, {600, 5}); // 10/s, burst 5
    limiter.setChannelLimit({6000, 100});
    const QString post = QStringLiteral("chat.postMessage");
    int bulk = 0;
    for (int i = 0; i < 10; ++i) {
        if (limiter.delayMs(post, QStringLiteral("D%1").arg(i), 2) == 0) {
            limiter.recordCall(post, QStringLiteral("D%1").arg(i));
            ++bulk;
        }
    }
    QCOMPARE(bulk, 3); // burst 5 less the reserve of 2
    QVERIFY(limiter.delayMs(post, QStringLiteral("Dx"), 2) > 0);
    // The reserve is there for a small request, at once.
    QCOMPARE(limiter.delayMs(post, QStringLiteral("S1")), 0);
    limiter.recordCall(post, QStringLiteral("S1"));
    QCOMPARE(limiter.delayMs(post, QStringLiteral("S2")), 0);
    limiter.recordCall(post, QStringLiteral("S2"));
    QVERIFY(limiter.delayMs(post, QStringLiteral("S3")) > 0);
    // A reserve larger than the bucket asks for a full bucket, never for the impossible.
    now += 10'000;
    QCOMPARE(limiter.delayMs(post, QStringLiteral("Dy"), 100), 0);
    // Over a minute the bulk caller alone still gets the full rate (less the reserve, once).
    int sent = 0;
    for (qint64 end = now + 60'000; now < end; now += 5) {
        if (limiter.delayMs(post, QStringLiteral("D%1").arg(sent % 50), 2) == 0) {
            limiter.recordCall(post, QStringLiteral("D%1").arg(sent % 50));
            ++sent;
        }
    }
    QVERIFY2(sent >= 600 && sent <= 600 + 3, qPrintable(QString::number(sent)));
}

void TestSlack::limiterPerChannel()
{
    qint64 now = 1'000'000;
    SlackRateLimiter limiter([&now] { return now; });
    const QString post = QStringLiteral("chat.postMessage");
    const int burst = int(limiter.channelLimit().burst);
    for (int i = 0; i < burst; ++i) {
        QVERIFY(limiter.mayCall(post, QStringLiteral("D1")));
        limiter.recordCall(post, QStringLiteral("D1"));
    }
    // D1 is out of its burst: it waits about a second; D2 is not affected.
    QVERIFY(!limiter.mayCall(post, QStringLiteral("D1")));
    QVERIFY(limiter.delayMs(post, QStringLiteral("D1")) <= 1000);
    QVERIFY(limiter.delayMs(post, QStringLiteral("D1")) > 0);
    QVERIFY(limiter.mayCall(post, QStringLiteral("D2")));
    now += limiter.delayMs(post, QStringLiteral("D1"));
    QVERIFY(limiter.mayCall(post, QStringLiteral("D1")));
    // Sustained rate: at most 1/s per channel over a minute.
    int sent = 0;
    for (qint64 end = now + 60'000; now < end; now += 10) {
        if (limiter.mayCall(post, QStringLiteral("D3"))) {
            limiter.recordCall(post, QStringLiteral("D3"));
            ++sent;
        }
    }
    QVERIFY2(sent <= 60 + burst, qPrintable(QString::number(sent)));
    QVERIFY(sent >= 59);
}

// Slack counts a channel's posts when they arrive, the limiter when they are sent. Its channel
// burst is one less than Slack's (1/s, burst 3), so posts paced by it are never refused however
// their transit times differ, as long as no post takes a whole refill period (1 s) longer than
// another: any window of arrivals [a, b] holds posts sent within (a - 1 s, b], at most
// 2 + (b - a + 1 s)/1 s of them, which Slack's bucket (3 + (b - a)/1 s) always admits.
void TestSlack::limiterPerChannelAbsorbsTransitJitter()
{
    struct SlackChannelBucket // Slack's side, as the sandbox models it: 1/s, burst 3
    {
        double tokens = 3;
        qint64 lastMs = 0;
        bool admit(qint64 at)
        {
            tokens = std::min(3.0, tokens + double(at - lastMs) / 1000.0);
            lastMs = at;
            if (tokens < 1)
                return false;
            tokens -= 1;
            return true;
        }
    };
    const QString post = QStringLiteral("chat.postMessage");
    auto refused = [&](const std::function<qint64(int)> &transitMs) {
        qint64 now = 1'000'000;
        SlackRateLimiter limiter([&now] { return now; });
        QList<qint64> arrivals;
        for (int i = 0; i < 200; ++i) {
            now += limiter.delayMs(post, QStringLiteral("D1"));
            if (!limiter.mayCall(post, QStringLiteral("D1")))
                return -1; // delayMs said now, mayCall disagrees
            limiter.recordCall(post, QStringLiteral("D1"));
            arrivals << now + transitMs(i);
        }
        std::sort(arrivals.begin(), arrivals.end());
        SlackChannelBucket slack{3, arrivals.first()};
        int n = 0;
        for (qint64 at : arrivals)
            n += slack.admit(at) ? 0 : 1;
        return n;
    };
    // The first posts of a burst slow in transit, the next one fast: the case that drew 429s when
    // the limiter used Slack's whole burst.
    QCOMPARE(refused([](int i) { return i % 3 == 2 ? 0 : 990; }), 0);
    QCOMPARE(refused([](int i) { return i < 3 ? 999 : 0; }), 0);
    QRandomGenerator random(20261205);
    QCOMPARE(refused([&](int) { return qint64(random.bounded(1000)); }), 0);
    // Beyond one refill period of difference no pacing by the sender can help: the model refuses.
    QVERIFY(refused([](int i) { return i < 3 ? 2500 : 0; }) > 0);
}

void TestSlack::limiterPerTier_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<int>("perMinute");
    QTest::newRow("tier 1 apps.connections.open") << QStringLiteral("apps.connections.open") << 1;
    QTest::newRow("tier 2 users.list") << QStringLiteral("users.list") << 20;
    QTest::newRow("tier 3 chat.update") << QStringLiteral("chat.update") << 50;
    QTest::newRow("tier 3 chat.delete") << QStringLiteral("chat.delete") << 50;
    QTest::newRow("tier 3 conversations.open") << QStringLiteral("conversations.open") << 50;
    QTest::newRow("tier 4 users.info") << QStringLiteral("users.info") << 100;
    QTest::newRow("tier 4 files.info") << QStringLiteral("files.info") << 100;
}

void TestSlack::limiterPerTier()
{
    QFETCH(QString, method);
    QFETCH(int, perMinute);
    qint64 now = 0;
    SlackRateLimiter limiter([&now] { return now; });
    const int burst = int(limiter.tierLimit(SlackRateLimiter::tierOf(method)).burst);
    int sent = 0;
    // Over ten minutes a caller that always sends when allowed stays within the tier.
    for (; now < 600'000; now += 50) {
        if (limiter.mayCall(method, QStringLiteral("D1"))) {
            limiter.recordCall(method, QStringLiteral("D1"));
            ++sent;
        }
    }
    QVERIFY2(sent <= perMinute * 10 + burst, qPrintable(QString::number(sent)));
    QVERIFY2(sent >= perMinute * 10 - 1, qPrintable(QString::number(sent)));
}

void TestSlack::limiter429PausesOnlyWhatWasLimited()
{
    qint64 now = 0;
    SlackRateLimiter limiter([&now] { return now; });
    const QString post = QStringLiteral("chat.postMessage");
    const QString update = QStringLiteral("chat.update");
    // A 429 on postMessage to D1 pauses D1 only.
    limiter.recordRateLimited(post, QStringLiteral("D1"), 30'000);
    QCOMPARE(limiter.delayMs(post, QStringLiteral("D1")), qint64(30'000));
    QVERIFY(limiter.mayCall(post, QStringLiteral("D2")));
    QVERIFY(limiter.mayCall(update, QStringLiteral("D1")));
    // A 429 on chat.update pauses chat.update everywhere, nothing else.
    limiter.recordRateLimited(update, QStringLiteral("D2"), 5000);
    QCOMPARE(limiter.delayMs(update, QStringLiteral("D3")), qint64(5000));
    QVERIFY(limiter.mayCall(QStringLiteral("chat.delete"), QStringLiteral("D3")));
    QVERIFY(limiter.mayCall(post, QStringLiteral("D3")));
    now += 5000;
    QVERIFY(limiter.mayCall(update, QStringLiteral("D3")));
    QVERIFY(!limiter.mayCall(post, QStringLiteral("D1")));
    now += 25'000;
    QVERIFY(limiter.mayCall(post, QStringLiteral("D1")));
    // recordFailure: a job's WaitThenRetry failure pauses what was limited, nothing else does
    limiter.recordFailure(
        QStringLiteral("users.info"), {},
        slackApiFailure(QStringLiteral("users.info"), QStringLiteral("channel_not_found")).error,
        SlackErrorAction::GiveUp);
    QVERIFY(limiter.mayCall(QStringLiteral("users.info")));
    const SlackFailure volume = slackApiFailure(post, QStringLiteral("rate_limited"), 2000);
    limiter.recordFailure(post, QStringLiteral("D7"), volume.error, volume.action);
    QCOMPARE(limiter.delayMs(post, QStringLiteral("D8")), qint64(2000)); // app-wide, every channel waits
    now += 2000;
    // the state is explicit and small
    QVERIFY(limiter.state().contains(QStringLiteral("channel:D1")));
    QVERIFY(limiter.state().contains(QStringLiteral("method:chat.update")));
    QVERIFY(limiter.state().size() <= 4);
}

void TestSlack::limiterWorkspacePostBudget()
{
    qint64 now = 0;
    SlackRateLimiter limiter([&now] { return now; });
    limiter.setTierLimit(RateTier::PostMessage, {120, 5});
    int sent = 0;
    // Many channels, each within its own budget: the workspace budget still caps the total.
    for (; now < 60'000; now += 10) {
        const QString channel = QStringLiteral("D%1").arg(now / 10);
        if (limiter.mayCall(QStringLiteral("chat.postMessage"), channel)) {
            limiter.recordCall(QStringLiteral("chat.postMessage"), channel);
            ++sent;
        }
    }
    QVERIFY2(sent <= 125 && sent >= 119, qPrintable(QString::number(sent)));
}

void TestSlack::backoffGrowsWithJitterAndCap()
{
    double r = 0.0;
    Backoff backoff(100, 1000, [&r] { return r; });
    QCOMPARE(backoff.delayFor(0), qint64(50));
    QCOMPARE(backoff.delayFor(1), qint64(100));
    QCOMPARE(backoff.delayFor(3), qint64(400));
    QCOMPARE(backoff.delayFor(10), qint64(500));
    r = 0.999;
    QVERIFY(backoff.delayFor(10) <= 1000);
    QVERIFY(backoff.delayFor(10) >= 990);
    QCOMPARE(backoff.next(), backoff.delayFor(0));
    QCOMPARE(backoff.attempts(), 1);
    backoff.reset();
    QCOMPARE(backoff.attempts(), 0);
    Backoff real(100, 1000);
    for (int i = 0; i < 100; ++i) {
        const qint64 d = real.delayFor(2);
        QVERIFY(d >= 200 && d <= 400);
    }
}

QTEST_GUILESS_MAIN(TestSlack)
#include "tst_slack.moc"
