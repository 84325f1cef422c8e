// The sandbox over real loopback HTTP and WebSocket: wire encodings, Slack's error codes, event
// shapes from slack-protocol.md, Socket Mode acks and redelivery, HTTP Events signing and retries,
// rate limits, persistence and demo colleagues.

#include "sandbox/sandboxserver.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>

using namespace threadline::sandbox;

namespace {

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

struct HttpResult
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray retryAfter;
    QByteArray contentType;
};

HttpResult post(QNetworkAccessManager &nam, const QUrl &url, const QByteArray &body,
                const QByteArray &contentType, const QByteArray &auth = {})
{
    QNetworkRequest req(url);
    if (!contentType.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    if (!auth.isEmpty())
        req.setRawHeader("Authorization", auth);
    QNetworkReply *reply = nam.post(req, body);
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        done.wait(10000);
    HttpResult r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.json = QJsonDocument::fromJson(r.body).object();
    r.error = reply->error();
    r.retryAfter = reply->rawHeader("Retry-After");
    r.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    reply->deleteLater();
    return r;
}

QByteArray form(const QList<std::pair<QString, QString>> &args)
{
    QByteArray out;
    for (const auto &kv : args) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(kv.first) + '=' + QUrl::toPercentEncoding(kv.second);
    }
    return out;
}

} // namespace

class TestSandbox : public QObject
{
    Q_OBJECT

    std::unique_ptr<SandboxServer> m_server;
    QNetworkAccessManager m_nam;
    QString m_user;
    QString m_dm;

    QByteArray bot() const { return "Bearer " + m_server->workspace().options().botToken.toUtf8(); }

    HttpResult api(const QString &method, const QList<std::pair<QString, QString>> &args)
    {
        return post(m_nam, m_server->apiUrl().resolved(QUrl(method)), form(args),
                    "application/x-www-form-urlencoded", bot());
    }

    //! Opens a Socket Mode connection and returns it once hello arrived.
    QWebSocket *connectSocket(QList<QJsonObject> *frames)
    {
        const HttpResult open = post(m_nam, m_server->apiUrl().resolved(QUrl(s("apps.connections.open"))), {},
                                     "application/x-www-form-urlencoded",
                                     "Bearer " + m_server->workspace().options().appToken.toUtf8());
        if (!open.json.value(s("ok")).toBool())
            return nullptr;
        auto *ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
        connect(ws, &QWebSocket::textMessageReceived, this,
                [frames](const QString &t) { frames->append(QJsonDocument::fromJson(t.toUtf8()).object()); });
        ws->open(QUrl(open.json.value(s("url")).toString()));
        if (!QTest::qWaitFor([&] { return !frames->isEmpty(); }, 5000))
            return nullptr;
        return ws;
    }

    QJsonObject waitEvent(QList<QJsonObject> &frames, const std::function<bool(const QJsonObject &)> &match)
    {
        QJsonObject found;
        (void)QTest::qWaitFor(
            [&] {
                for (const QJsonObject &f : frames)
                    if (f.value(s("type")) == s("events_api") &&
                        match(f.value(s("payload")).toObject().value(s("event")).toObject())) {
                        found = f;
                        return true;
                    }
                return false;
            },
            5000);
        return found;
    }

private Q_SLOTS:
    void init()
    {
        SandboxOptions o;
        o.rateLimitsEnabled = false;
        o.ackTimeoutMs = 200;
        o.retryDelaysMs = {0, 20, 20};
        o.serverPingIntervalMs = 0;
        o.personaDelayMs = 10;
        o.httpTimeoutMs = 300;
        m_server = std::make_unique<SandboxServer>(o);
        QVERIFY(m_server->listen());
        m_user = m_server->workspace().addUser(s("ann"), s("ann@example.com")).id;
        m_dm = m_server->workspace().openDm(m_user);
    }

    void cleanup() { m_server.reset(); }

    void signingTestVector()
    {
        // The worked example of Slack's "Verifying requests from Slack" page.
        const QByteArray body =
            "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
            "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
            "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F39770088"
            "5554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c"
            "447fce8b6703c";
        QCOMPARE(HttpEventSender::signature("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body),
                 QByteArray("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"));
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("auth");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("error");
        const QByteArray bot = "Bearer xoxb-sandbox-bot";
        const QByteArray form = "application/x-www-form-urlencoded";
        QTest::newRow("unknown method")
            << s("chat.nope") << form << QByteArray() << bot << 404 << s("unknown_method");
        QTest::newRow("no token") << s("auth.test") << form << QByteArray() << QByteArray() << 200
                                  << s("not_authed");
        QTest::newRow("wrong token") << s("auth.test") << form << QByteArray()
                                     << QByteArray("Bearer xoxb-wrong") << 200 << s("invalid_auth");
        QTest::newRow("app token on a bot method")
            << s("auth.test") << form << QByteArray() << QByteArray("Bearer xapp-sandbox-app") << 200
            << s("not_allowed_token_type");
        QTest::newRow("token in form field") << s("auth.test") << form << QByteArray("token=xoxb-sandbox-bot")
                                             << QByteArray() << 200 << QString();
        QTest::newRow("json without bearer")
            << s("auth.test") << QByteArray("application/json")
            << QByteArray(R"({"token":"xoxb-sandbox-bot"})") << QByteArray() << 200 << s("not_authed");
        QTest::newRow("malformed json") << s("chat.postMessage") << QByteArray("application/json")
                                        << QByteArray("{\"a\":") << bot << 200 << s("invalid_json");
        QTest::newRow("json array") << s("chat.postMessage") << QByteArray("application/json")
                                    << QByteArray("[1]") << bot << 200 << s("json_not_object");
        QTest::newRow("unknown content type") << s("auth.test") << QByteArray("text/plain") << QByteArray("x")
                                              << bot << 200 << s("invalid_post_type");
        QTest::newRow("bad charset") << s("auth.test")
                                     << QByteArray("application/x-www-form-urlencoded; charset=koi8-r")
                                     << QByteArray("a=b") << bot << 200 << s("invalid_charset");
        QTest::newRow("broken multipart")
            << s("auth.test") << QByteArray("multipart/form-data; boundary=XX")
            << QByteArray("--XX\r\nno headers end") << bot << 200 << s("invalid_form_data");
        QTest::newRow("oversize body") << s("chat.postMessage") << form << QByteArray(9 * 1024 * 1024, 'a')
                                       << bot << 413 << s("request_too_large");
        QTest::newRow("blocks not json")
            << s("chat.postMessage") << form << QByteArray("channel=U1&blocks=%5Bx") << bot << 200
            << s("channel_not_found");
        QTest::newRow("app token as form field")
            << s("apps.connections.open") << form << QByteArray("token=xapp-sandbox-app") << QByteArray()
            << 200 << s("not_authed");
        QTest::newRow("bot token opens no socket") << s("apps.connections.open") << form << QByteArray()
                                                   << bot << 200 << s("not_allowed_token_type");
    }

    void badInput()
    {
        QFETCH(QString, method);
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, auth);
        QFETCH(int, status);
        QFETCH(QString, error);
        const HttpResult r = post(m_nam, m_server->apiUrl().resolved(QUrl(method)), body, contentType, auth);
        QCOMPARE(r.status, status);
        QCOMPARE(r.json.value(s("ok")).toBool(), error.isEmpty());
        QCOMPARE(r.json.value(s("error")).toString(), error);
        // The server is still alive afterwards.
        QCOMPARE(api(s("auth.test"), {}).json.value(s("ok")).toBool(), true);
    }

    void encodings()
    {
        // JSON with Bearer, booleans as 1/0, complex arguments as JSON strings in forms, multipart.
        HttpResult r = post(m_nam, m_server->apiUrl().resolved(QUrl(s("conversations.open"))),
                            QJsonDocument(QJsonObject{{s("users"), m_user}, {s("return_im"), true}}).toJson(),
                            "application/json; charset=utf-8", bot());
        QCOMPARE(r.json.value(s("channel")).toObject().value(s("is_im")).toBool(), true);
        r = api(s("conversations.open"), {{s("users"), m_user}, {s("return_im"), s("1")}});
        QCOMPARE(r.json.value(s("channel")).toObject().value(s("id")).toString(), m_dm);
        r = api(s("conversations.open"), {{s("users"), m_user}, {s("return_im"), s("0")}});
        QVERIFY(!r.json.value(s("channel")).toObject().contains(s("is_im")));
        r = api(s("chat.postMessage"),
                {{s("channel"), m_dm},
                 {s("text"), s("a b+c&d=é 😀")},
                 {s("blocks"), s(R"([{"type":"section","text":{"type":"mrkdwn","text":"x"}}])")}});
        QCOMPARE(r.json.value(s("message")).toObject().value(s("text")).toString(), s("a b+c&d=é 😀"));
        QCOMPARE(r.json.value(s("message")).toObject().value(s("blocks")).toArray().size(), 1);
        const QByteArray multipart =
            "--BB\r\nContent-Disposition: form-data; name=\"channel\"\r\n\r\n" + m_dm.toUtf8() +
            "\r\n--BB\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nfrom multipart\r\n--BB--\r\n";
        r = post(m_nam, m_server->apiUrl().resolved(QUrl(s("chat.postMessage"))), multipart,
                 "multipart/form-data; boundary=BB", bot());
        QCOMPARE(r.json.value(s("message")).toObject().value(s("text")).toString(), s("from multipart"));
        // Form '+' is a space.
        r = post(m_nam, m_server->apiUrl().resolved(QUrl(s("chat.postMessage"))),
                 "channel=" + m_dm.toUtf8() + "&text=plus+sign", "application/x-www-form-urlencoded", bot());
        QCOMPARE(r.json.value(s("message")).toObject().value(s("text")).toString(), s("plus sign"));
    }

    void eventShapes()
    {
        QList<QJsonObject> frames;
        QWebSocket *ws = connectSocket(&frames);
        QVERIFY(ws);
        QCOMPARE(frames.first().value(s("type")).toString(), s("hello"));
        QCOMPARE(frames.first().value(s("num_connections")).toInt(), 1);
        connect(ws, &QWebSocket::textMessageReceived, this, [ws](const QString &t) {
            const QJsonObject o = QJsonDocument::fromJson(t.toUtf8()).object();
            if (o.contains(s("envelope_id")))
                ws->sendTextMessage(QString::fromUtf8(
                    QJsonDocument(QJsonObject{{s("envelope_id"), o.value(s("envelope_id"))}}).toJson()));
        });
        Workspace &w = m_server->workspace();
        const QString botUser = w.options().botUserId;

        // The app's own post echoes back without subtype, with bot_id, app_id and bot_profile.
        const QString parentTs = api(s("chat.postMessage"), {{s("channel"), m_dm}, {s("text"), s("summary")}})
                                     .json.value(s("ts"))
                                     .toString();
        QJsonObject env =
            waitEvent(frames, [&](const QJsonObject &e) { return e.value(s("ts")) == parentTs; });
        QJsonObject e = env.value(s("payload")).toObject().value(s("event")).toObject();
        QVERIFY(!e.contains(s("subtype")));
        QCOMPARE(e.value(s("bot_id")).toString(), w.options().botId);
        QCOMPARE(e.value(s("app_id")).toString(), w.options().appId);
        QCOMPARE(e.value(s("bot_profile")).toObject().value(s("app_id")).toString(), w.options().appId);
        QCOMPARE(e.value(s("user")).toString(), botUser);
        QCOMPARE(e.value(s("channel_type")).toString(), s("im"));
        QCOMPARE(env.value(s("retry_attempt")).toInt(), 0);
        QCOMPARE(env.value(s("retry_reason")).toString(), QString());
        QCOMPARE(env.value(s("accepts_response_payload")).toBool(), false);
        QCOMPARE(env.value(s("payload")).toObject().value(s("type")).toString(), s("event_callback"));

        // A user's reply in the thread: thread_ts, parent_user_id = the bot, client_msg_id, rich_text blocks.
        const auto reply = w.postAsUser(m_user, s("a question"), parentTs);
        QVERIFY(reply.ok);
        e = waitEvent(frames, [&](const QJsonObject &ev) { return ev.value(s("ts")) == reply.ts; })
                .value(s("payload"))
                .toObject()
                .value(s("event"))
                .toObject();
        QCOMPARE(e.value(s("thread_ts")).toString(), parentTs);
        QCOMPARE(e.value(s("parent_user_id")).toString(), botUser);
        QVERIFY(!e.value(s("client_msg_id")).toString().isEmpty());
        QCOMPARE(e.value(s("blocks")).toArray().first().toObject().value(s("type")).toString(),
                 s("rich_text"));
        QVERIFY(!e.contains(s("bot_id")));

        // chat.update → message_changed with the edited message inside.
        api(s("chat.update"), {{s("channel"), m_dm}, {s("ts"), parentTs}, {s("text"), s("summary v2")}});
        e = waitEvent(frames,
                      [&](const QJsonObject &ev) {
                          return ev.value(s("subtype")) == s("message_changed") &&
                                 ev.value(s("message")).toObject().value(s("ts")) == parentTs;
                      })
                .value(s("payload"))
                .toObject()
                .value(s("event"))
                .toObject();
        QCOMPARE(e.value(s("hidden")).toBool(), true);
        QCOMPARE(e.value(s("message")).toObject().value(s("text")).toString(), s("summary v2"));
        QCOMPARE(e.value(s("previous_message")).toObject().value(s("text")).toString(), s("summary"));
        QVERIFY(e.value(s("ts")).toString() != parentTs);

        // A user edit, then a user delete of a reply → message_deleted with deleted_ts and previous_message.
        QVERIFY(w.editAsUser(m_user, reply.ts, s("edited question")).ok);
        e = waitEvent(frames,
                      [&](const QJsonObject &ev) {
                          return ev.value(s("subtype")) == s("message_changed") &&
                                 ev.value(s("message")).toObject().value(s("ts")) == reply.ts;
                      })
                .value(s("payload"))
                .toObject()
                .value(s("event"))
                .toObject();
        QCOMPARE(e.value(s("message")).toObject().value(s("edited")).toObject().value(s("user")).toString(),
                 m_user);
        QCOMPARE(e.value(s("message")).toObject().value(s("parent_user_id")).toString(), botUser);

        // The app cannot delete the user's reply.
        QCOMPARE(api(s("chat.delete"), {{s("channel"), m_dm}, {s("ts"), reply.ts}})
                     .json.value(s("error"))
                     .toString(),
                 s("cant_delete_message"));

        // Deleting the parent that has replies → tombstone message_changed.
        api(s("chat.delete"), {{s("channel"), m_dm}, {s("ts"), parentTs}});
        e = waitEvent(frames,
                      [&](const QJsonObject &ev) {
                          return ev.value(s("message")).toObject().value(s("subtype")) == s("tombstone");
                      })
                .value(s("payload"))
                .toObject()
                .value(s("event"))
                .toObject();
        QCOMPARE(e.value(s("subtype")).toString(), s("message_changed"));
        QCOMPARE(e.value(s("message")).toObject().value(s("user")).toString(), s("USLACKBOT"));
        QCOMPARE(e.value(s("message")).toObject().value(s("text")).toString(),
                 s("This message was deleted."));
        QCOMPARE(e.value(s("message")).toObject().value(s("thread_ts")).toString(), parentTs);

        QVERIFY(w.deleteAsUser(m_user, reply.ts).ok);
        e = waitEvent(frames,
                      [&](const QJsonObject &ev) { return ev.value(s("subtype")) == s("message_deleted"); })
                .value(s("payload"))
                .toObject()
                .value(s("event"))
                .toObject();
        QCOMPARE(e.value(s("deleted_ts")).toString(), reply.ts);
        QCOMPARE(e.value(s("previous_message")).toObject().value(s("thread_ts")).toString(), parentTs);

        // A user's file → file_share with a files array.
        const auto top = w.postAsUser(m_user, s("top"));
        const auto file = w.uploadAsUser(m_user, s("shot.png"), QByteArray("PNG"), {}, top.ts, s("see"));
        QVERIFY(file.ok);
        e = waitEvent(frames,
                      [&](const QJsonObject &ev) { return ev.value(s("subtype")) == s("file_share"); })
                .value(s("payload"))
                .toObject()
                .value(s("event"))
                .toObject();
        QCOMPARE(e.value(s("files")).toArray().size(), 1);
        QCOMPARE(e.value(s("files")).toArray().first().toObject().value(s("mimetype")).toString(),
                 s("image/png"));
        QCOMPARE(e.value(s("thread_ts")).toString(), top.ts);
        QCOMPARE(e.value(s("user")).toString(), m_user);
        QCOMPARE(e.value(s("upload")).toBool(), true);
        ws->close();
    }

    void socketModeRedeliveryAndAck()
    {
        QList<QJsonObject> frames;
        QWebSocket *ws = connectSocket(&frames);
        QVERIFY(ws);
        QSignalSpy acked(&m_server->workspace(), &Workspace::envelopeAcked);
        const auto posted = m_server->workspace().postAsUser(m_user, s("not acked"));
        QTRY_VERIFY_WITH_TIMEOUT(
            std::count_if(frames.cbegin(), frames.cend(),
                          [](const QJsonObject &f) { return f.value(s("retry_attempt")).toInt() == 1; }) >= 1,
            5000);
        QJsonObject first, second;
        for (const QJsonObject &f : frames) {
            if (f.value(s("retry_attempt")).toInt() == 0 && f.contains(s("envelope_id")))
                first = f;
            if (f.value(s("retry_attempt")).toInt() == 1)
                second = f;
        }
        QCOMPARE(second.value(s("retry_reason")).toString(), s("timeout"));
        QCOMPARE(second.value(s("payload")).toObject().value(s("event_id")),
                 first.value(s("payload")).toObject().value(s("event_id")));
        ws->sendTextMessage(
            QString::fromUtf8(QJsonDocument(QJsonObject{{s("envelope_id"), second.value(s("envelope_id"))},
                                                        {s("payload"), QJsonObject{}}})
                                  .toJson()));
        QTRY_COMPARE_WITH_TIMEOUT(acked.size(), 1, 3000);
        const qsizetype count = frames.size();
        QTest::qWait(300);
        QCOMPARE(frames.size(), count); // no more redeliveries after the ack
        Q_UNUSED(posted);
    }

    void tooManyWebsockets()
    {
        QList<QJsonObject> frames[11];
        for (int i = 0; i < 10; ++i)
            QVERIFY(connectSocket(&frames[i]));
        QVERIFY(connectSocket(&frames[10]));
        QCOMPARE(frames[10].first().value(s("type")).toString(), s("disconnect"));
        QCOMPARE(frames[10].first().value(s("reason")).toString(), s("too_many_websockets"));
        QCOMPARE(m_server->socketMode().connectionCount(), 10);
        // Events go to one socket each, any of them.
        for (int i = 0; i < 20; ++i)
            m_server->workspace().postAsUser(m_user, QString::number(i));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                int n = 0;
                for (int i = 0; i < 10; ++i)
                    for (const QJsonObject &f : frames[i])
                        n +=
                            f.value(s("type")) == s("events_api") && f.value(s("retry_attempt")).toInt() == 0;
                return n == 20;
            }(),
            3000);
    }

    void disconnectMessages_data()
    {
        QTest::addColumn<QString>("reason");
        QTest::newRow("warning") << s("warning");
        QTest::newRow("refresh_requested") << s("refresh_requested");
        QTest::newRow("link_disabled") << s("link_disabled");
    }

    void disconnectMessages()
    {
        QFETCH(QString, reason);
        QList<QJsonObject> frames;
        QWebSocket *ws = connectSocket(&frames);
        QVERIFY(ws);
        QSignalSpy closed(ws, &QWebSocket::disconnected);
        m_server->socketMode().disconnectAll(reason);
        QTRY_COMPARE_WITH_TIMEOUT(frames.last().value(s("reason")).toString(), reason, 3000);
        QCOMPARE(frames.last().value(s("type")).toString(), s("disconnect"));
        if (reason != s("warning"))
            QVERIFY(closed.wait(3000));
    }

    void httpEventsSignedWithRetries()
    {
        QHttpServer app;
        QList<QList<std::pair<QByteArray, QByteArray>>> headers;
        QList<QByteArray> bodies;
        int eventAttempts = 0;
        // The app fails the first delivery of the event and accepts the retry, whatever the timing.
        app.route(s("/events"), [&](const QHttpServerRequest &r, QHttpServerResponder &&resp) {
            headers.append(r.headers());
            bodies.append(r.body());
            const QJsonObject o = QJsonDocument::fromJson(r.body()).object();
            if (o.value(s("type")) == s("url_verification"))
                resp.write(o.value(s("challenge")).toString().toUtf8(), "text/plain");
            else
                resp.write(QHttpServerResponder::StatusCode(++eventAttempts == 1 ? 500 : 200));
        });
        const quint16 port = app.listen(QHostAddress::LocalHost);
        QVERIFY(port);
        m_server->workspace().mutableOptions().eventsUrl = QUrl(s("http://127.0.0.1:%1/events").arg(port));
        QSignalSpy verified(&m_server->httpEvents(), &HttpEventSender::urlVerified);
        m_server->httpEvents().verifyUrl();
        QVERIFY(verified.wait(3000));
        QCOMPARE(verified.first().first().toBool(), true);

        QSignalSpy delivered(&m_server->httpEvents(), &HttpEventSender::eventDelivered);
        m_server->workspace().postAsUser(m_user, s("over http"));
        QVERIFY(delivered.wait(3000));
        QCOMPARE(delivered.first().at(1).toInt(), 1);
        QCOMPARE(bodies.size(), 3); // url_verification, the failed first attempt, the accepted retry
        QCOMPARE(eventAttempts, 2);
        auto header = [&](int i, const QByteArray &name) {
            for (const auto &h : headers.at(i))
                if (h.first.toLower() == name)
                    return h.second;
            return QByteArray();
        };
        QCOMPARE(header(2, "x-slack-retry-num"), QByteArray("1"));
        QCOMPARE(header(2, "x-slack-retry-reason"), QByteArray("http_error"));
        const QByteArray ts = header(1, "x-slack-request-timestamp");
        QCOMPARE(header(1, "x-slack-signature"),
                 HttpEventSender::signature(m_server->workspace().options().signingSecret.toUtf8(),
                                            ts.toLongLong(), bodies.at(1)));
        QCOMPARE(bodies.at(1), bodies.at(2));
    }

    void rateLimitsAndTimeScale()
    {
        Workspace &w = m_server->workspace();
        w.setRateLimitsEnabled(true);
        w.rateLimiter().clear();
        int ok = 0;
        HttpResult limited;
        for (int i = 0; i < 6; ++i) {
            const HttpResult r = api(s("chat.postMessage"), {{s("channel"), m_dm}, {s("text"), s("burst")}});
            if (r.status == 429) {
                limited = r;
                break;
            }
            ++ok;
        }
        QCOMPARE(ok, w.options().postChannelBurst);
        QCOMPARE(limited.json.value(s("error")).toString(), s("ratelimited"));
        QCOMPARE(limited.retryAfter, QByteArray("1"));
        QVERIFY(w.callCount(s("chat.postMessage"), s("429")) >= 1);
        // At ×1000, Slack's second passes in a millisecond.
        w.setTimeScale(1000);
        QTest::qWait(5);
        QCOMPARE(api(s("chat.postMessage"), {{s("channel"), m_dm}, {s("text"), s("later")}}).status, 200);
    }

    // users.info: the user object Slack documents (id, name, profile.display_name/real_name,
    // email with users:read.email), user_not_found for an unknown id, hostile arguments refused
    // with Slack's errors, and Tier 4 (100/min) when limits are on.
    // The workspace budget holds across any number of channels: 1,000 first posts into 1,000
    // channels at one instant get exactly the workspace burst (30) and no more. The channel buckets
    // are created on the way (the table grows many times), and the workspace bucket must be the
    // one charged every time.
    void workspacePostBudgetAcrossManyNewChannels()
    {
        RateLimiter limiter;
        limiter.setTimeScale(1e-6); // the clock all but stands still during the loop
        int allowed = 0;
        for (int i = 0; i < 1000; ++i) {
            if (limiter.acquire(QStringLiteral("chat.postMessage"), QStringLiteral("D%1").arg(i)) == 0)
                ++allowed;
        }
        QCOMPARE(allowed, 30);
    }

    void usersInfo()
    {
        Workspace &w = m_server->workspace();
        const QString dana = w.addUser(s("Dana Scully"), s("dana@example.com")).id;
        HttpResult r = api(s("users.info"), {{s("user"), dana}});
        QCOMPARE(r.status, 200);
        QVERIFY(r.json.value(s("ok")).toBool());
        const QJsonObject u = r.json.value(s("user")).toObject();
        QCOMPARE(u.value(s("id")).toString(), dana);
        QCOMPARE(u.value(s("profile")).toObject().value(s("display_name")).toString(), s("Dana Scully"));
        QCOMPARE(u.value(s("profile")).toObject().value(s("email")).toString(), s("dana@example.com"));
        for (const QString &bad : {s("UNOBODY"), s(""), s("<@U1>"), QString(5000, QLatin1Char('U'))}) {
            r = api(s("users.info"), {{s("user"), bad}});
            QCOMPARE(r.status, 200);
            QVERIFY(!r.json.value(s("ok")).toBool());
            QCOMPARE(r.json.value(s("error")).toString(), s("user_not_found"));
        }
        r = post(m_nam, m_server->apiUrl().resolved(QUrl(s("users.info"))), form({{s("user"), dana}}),
                 "application/x-www-form-urlencoded", "Bearer xoxb-wrong");
        QCOMPARE(r.json.value(s("error")).toString(), s("invalid_auth"));
        QCOMPARE(w.callCount(s("users.info")), 6); // 1 + 4 unknown + the refused token
        // Tier 4: a minute's worth (100) goes through, then 429 with Retry-After.
        w.setRateLimitsEnabled(true);
        w.rateLimiter().clear();
        int ok = 0;
        HttpResult limited;
        for (int i = 0; i < 120; ++i) {
            r = api(s("users.info"), {{s("user"), dana}});
            if (r.status == 429) {
                limited = r;
                break;
            }
            ++ok;
        }
        // 100 at once, and at most what the bucket refilled meanwhile (one call per 600 ms).
        QVERIFY2(ok >= 100 && ok <= 103, qPrintable(QString::number(ok)));
        QCOMPARE(limited.status, 429);
        QVERIFY(!limited.retryAfter.isEmpty());
    }

    void faults()
    {
        Workspace &w = m_server->workspace();
        w.faults().serverErrorRate = 1;
        QCOMPARE(api(s("auth.test"), {}).status, 503);
        w.faults().serverErrorRate = 0;
        w.faults().resetRate = 1;
        QVERIFY(api(s("auth.test"), {}).error != QNetworkReply::NoError);
        w.faults().resetRate = 0;
        w.faults().latencyMs = 150;
        QElapsedTimer t;
        t.start();
        QCOMPARE(api(s("auth.test"), {}).status, 200);
        QVERIFY(t.elapsed() >= 140);
    }

    void filesAndPrivateUrls()
    {
        HttpResult r =
            api(s("files.getUploadURLExternal"), {{s("filename"), s("a.txt")}, {s("length"), s("5")}});
        const QString fileId = r.json.value(s("file_id")).toString();
        QCOMPARE(
            post(m_nam, QUrl(r.json.value(s("upload_url")).toString()), "hello", "application/octet-stream")
                .body,
            QByteArray("OK - 5"));
        r = api(s("files.completeUploadExternal"),
                {{s("files"), s(R"([{"id":"%1","title":"T"}])").arg(fileId)}, {s("channel_id"), m_dm}});
        QVERIFY(r.json.value(s("ok")).toBool());
        const QString url =
            r.json.value(s("files")).toArray().first().toObject().value(s("url_private")).toString();
        QNetworkRequest req{QUrl(url)};
        QNetworkReply *anon = m_nam.get(req);
        QVERIFY(QSignalSpy(anon, &QNetworkReply::finished).wait(3000));
        QVERIFY(anon->header(QNetworkRequest::ContentTypeHeader).toString().startsWith(s("text/html")));
        req.setRawHeader("Authorization", bot());
        QNetworkReply *authed = m_nam.get(req);
        QVERIFY(QSignalSpy(authed, &QNetworkReply::finished).wait(3000));
        QCOMPARE(authed->readAll(), QByteArray("hello"));
        QCOMPARE(api(s("files.completeUploadExternal"), {{s("files"), s(R"([{"id":"%1"}])").arg(fileId)}})
                     .json.value(s("error"))
                     .toString(),
                 s("file_not_found"));
    }

    void filesDeleteRemovesTheAppsFilesOnly()
    {
        QList<QJsonObject> frames;
        QWebSocket *socket = connectSocket(&frames);
        QVERIFY(socket);
        const QString parentTs = m_server->workspace().postAsUser(m_user, s("help")).ts;
        auto share = [&](const QString &comment) {
            HttpResult r =
                api(s("files.getUploadURLExternal"), {{s("filename"), s("a.txt")}, {s("length"), s("5")}});
            const QString id = r.json.value(s("file_id")).toString();
            post(m_nam, QUrl(r.json.value(s("upload_url")).toString()), "hello", "application/octet-stream");
            r = api(s("files.completeUploadExternal"), {{s("files"), s(R"([{"id":"%1"}])").arg(id)},
                                                        {s("channel_id"), m_dm},
                                                        {s("thread_ts"), parentTs},
                                                        {s("initial_comment"), comment}});
            return QPair<QString, QString>(
                id, r.json.value(s("files")).toArray().first().toObject().value(s("url_private")).toString());
        };
        const auto [bare, bareUrl] = share({});
        const auto [commented, commentedUrl] = share(s("with words"));
        Workspace &ws = m_server->workspace();
        const QString bareTs = ws.file(bare)->shareTs;
        const QString commentedTs = ws.file(commented)->shareTs;
        // Hostile and wrong arguments first: nothing changes.
        QCOMPARE(api(s("files.delete"), {}).json.value(s("error")).toString(), s("invalid_arguments"));
        QCOMPARE(api(s("files.delete"), {{s("file"), s("F_NOPE")}}).json.value(s("error")).toString(),
                 s("file_not_found"));
        const QString theirs = ws.uploadAsUser(m_user, s("mine.txt"), "mine", s("text/plain"), parentTs).ts;
        const QString theirFile = ws.message(m_dm, theirs)->fileIds.value(0);
        QCOMPARE(api(s("files.delete"), {{s("file"), theirFile}}).json.value(s("error")).toString(),
                 s("cant_delete_file"));
        QVERIFY(!ws.file(theirFile)->deleted);
        QVERIFY(!ws.message(m_dm, theirs)->deleted);
        // The app's own file without words: the file and its message are gone, with message_deleted.
        HttpResult r = api(s("files.delete"), {{s("file"), bare}});
        QVERIFY2(r.json.value(s("ok")).toBool(), r.body.constData());
        QVERIFY(ws.file(bare)->deleted);
        QVERIFY(ws.file(bare)->data.isEmpty());
        QVERIFY(ws.message(m_dm, bareTs)->deleted);
        QVERIFY(!waitEvent(frames, [&](const QJsonObject &e) {
                     return e.value(s("subtype")) == s("message_deleted") &&
                            e.value(s("deleted_ts")) == bareTs;
                 }).isEmpty());
        QCOMPARE(api(s("files.delete"), {{s("file"), bare}}).json.value(s("error")).toString(),
                 s("file_deleted"));
        QCOMPARE(api(s("files.info"), {{s("file"), bare}}).json.value(s("error")).toString(),
                 s("file_deleted"));
        QNetworkRequest req{QUrl(bareUrl)};
        req.setRawHeader("Authorization", bot());
        QNetworkReply *gone = m_nam.get(req);
        QVERIFY(QSignalSpy(gone, &QNetworkReply::finished).wait(3000));
        QCOMPARE(gone->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
        gone->deleteLater();
        // A message with words keeps them; the file shows as a tombstone.
        QVERIFY(api(s("files.delete"), {{s("file"), commented}}).json.value(s("ok")).toBool());
        QVERIFY(!ws.message(m_dm, commentedTs)->deleted);
        const QJsonObject shown = ws.messageJson(*ws.message(m_dm, commentedTs), false);
        QCOMPARE(shown.value(s("text")).toString(), s("with words"));
        QCOMPARE(shown.value(s("files")).toArray().first().toObject(),
                 (QJsonObject{{s("id"), commented}, {s("mode"), s("tombstone")}}));
        Q_UNUSED(commentedUrl)
        socket->deleteLater();
    }

    void controlApiAndPersistence()
    {
        HttpResult r = post(m_nam, m_server->controlUrl().resolved(QUrl(s("users"))),
                            R"({"name":"bob","email":"bob@example.com"})", "application/json");
        const QString bob = r.json.value(s("user")).toObject().value(s("id")).toString();
        const QString dm = r.json.value(s("dm")).toString();
        r = post(m_nam, m_server->controlUrl().resolved(QUrl(s("users/%1/messages").arg(bob))),
                 R"({"text":"hi"})", "application/json");
        const QString ts = r.json.value(s("ts")).toString();
        QVERIFY(!ts.isEmpty());
        r = post(m_nam, m_server->controlUrl().resolved(QUrl(s("users/%1/edit").arg(bob))),
                 QJsonDocument(QJsonObject{{s("ts"), ts}, {s("text"), s("hi!")}}).toJson(),
                 "application/json");
        QVERIFY(r.json.value(s("ok")).toBool());
        const QJsonArray msgs = m_server->workspace().channelMessagesJson(dm);
        QCOMPARE(msgs.first().toObject().value(s("text")).toString(), s("hi!"));
        QCOMPARE(msgs.first()
                     .toObject()
                     .value(s("history"))
                     .toArray()
                     .first()
                     .toObject()
                     .value(s("text"))
                     .toString(),
                 s("hi"));
        r = post(m_nam, m_server->controlUrl().resolved(QUrl(s("nope"))), "{", "application/json");
        QCOMPARE(r.status, 400);

        QTemporaryDir dir;
        const QString file = dir.filePath(s("state.json"));
        QVERIFY(m_server->workspace().saveState(file));
        SandboxOptions o;
        o.stateFile = file;
        SandboxServer again(o);
        QCOMPARE(again.workspace().channelMessagesJson(dm).first().toObject().value(s("text")).toString(),
                 s("hi!"));
        QCOMPARE(again.workspace().user(bob)->email, s("bob@example.com"));
    }

    void demoColleagueAnswers()
    {
        m_server->addDemoColleagues();
        const QString alice = m_server->workspace().userByEmail(s("alice@example.com"))->id;
        const HttpResult r =
            api(s("chat.postMessage"), {{s("channel"), alice}, {s("text"), s("Request #7")}});
        const QString dm = r.json.value(s("channel")).toString();
        const QString ts = r.json.value(s("ts")).toString();
        QTRY_COMPARE_WITH_TIMEOUT(m_server->workspace().replies(dm, ts).size(), 1, 3000);
        QCOMPARE(m_server->workspace().replies(dm, ts).first()->user, alice);
    }
};

QTEST_GUILESS_MAIN(TestSandbox)
#include "tst_sandbox.moc"
