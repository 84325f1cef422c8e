// threadlined as a process: --sandbox start-up and what it prints, health over real HTTP, a request
// created through the REST API, SIGHUP, SIGTERM draining (stream closed with 1001, exit 0
// promptly), --check-config on good and bad files, --version, and secrets never printed.

#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>

using threadline::test::lit;

namespace {

QString binary()
{
    return QStringLiteral(THREADLINE_BINARY_DIR "/engine/daemon/threadlined");
}

QProcessEnvironment cleanEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QStringList keys = env.keys();
    for (const QString &k : keys)
        if (k.startsWith(QLatin1String("THREADLINE_")))
            env.remove(k);
    return env;
}

struct Answer
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
};

/*!
 * Parses a Prometheus text exposition (format 0.0.4) into "name{labels}" → value. Reports the first
 * problem: a sample without HELP and TYPE for its family, a malformed line or value, a histogram
 * whose buckets are not cumulative or whose +Inf bucket differs from its _count.
 */
QHash<QByteArray, double> parsePrometheus(const QByteArray &text, QString *problem)
{
    QHash<QByteArray, double> out;
    QSet<QByteArray> help, typed;
    QHash<QByteArray, QByteArray> types;
    const QRegularExpression sample(QStringLiteral(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*)?\})? (\S+)$)"));
    QHash<QByteArray, double> lastBucket; //!< histogram (family + labels without le) → last bucket
    QHash<QByteArray, double> infBuckets;
    const auto fail = [&](const QString &why) {
        if (problem->isEmpty())
            *problem = why;
    };
    if (!text.endsWith('\n'))
        fail(QStringLiteral("the exposition does not end with a newline"));
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty())
            continue;
        if (line.startsWith("# HELP ")) {
            help.insert(line.mid(7).split(' ').value(0));
            continue;
        }
        if (line.startsWith("# TYPE ")) {
            const QList<QByteArray> parts = line.mid(7).split(' ');
            if (parts.size() != 2 ||
                !QList<QByteArray>{"counter", "gauge", "histogram", "summary", "untyped"}.contains(parts[1]))
                fail(QStringLiteral("bad TYPE line: ") + QString::fromUtf8(line));
            typed.insert(parts[0]);
            types.insert(parts[0], parts.value(1));
            continue;
        }
        if (line.startsWith('#'))
            continue;
        const auto m = sample.match(QString::fromUtf8(line));
        if (!m.hasMatch()) {
            fail(QStringLiteral("malformed sample: ") + QString::fromUtf8(line));
            continue;
        }
        const QByteArray name = m.captured(1).toUtf8();
        QByteArray family = name;
        for (const char *suffix : {"_bucket", "_sum", "_count"})
            if (name.endsWith(suffix) && types.value(name.left(name.size() - qstrlen(suffix))) == "histogram")
                family = name.left(name.size() - qstrlen(suffix));
        if (!help.contains(family) || !typed.contains(family))
            fail(QStringLiteral("no HELP/TYPE before ") + QString::fromUtf8(name));
        bool ok = false;
        const QString valueText = m.captured(5);
        double value = valueText == QLatin1String("+Inf") ? qInf() : valueText.toDouble(&ok);
        if (!ok && valueText != QLatin1String("+Inf"))
            fail(QStringLiteral("bad value: ") + QString::fromUtf8(line));
        const QByteArray key = name + (m.captured(2).isEmpty() ? QByteArray() : m.captured(2).toUtf8());
        if (out.contains(key))
            fail(QStringLiteral("duplicate series: ") + QString::fromUtf8(key));
        out.insert(key, value);
        if (name.endsWith("_bucket") && family != name) {
            // One histogram per label set: the labels without `le`.
            QString labels = m.captured(3);
            const qsizetype le = labels.indexOf(QLatin1String("le=\""));
            if (le < 0) {
                fail(QStringLiteral("a bucket without le: ") + QString::fromUtf8(key));
                continue;
            }
            const QString leValue = labels.mid(le + 4).section(QLatin1Char('"'), 0, 0);
            labels = labels.left(le).chopped(le > 0 ? 1 : 0);
            const QByteArray histogram =
                family + (labels.isEmpty() ? QByteArray() : "{" + labels.toUtf8() + "}");
            if (value < lastBucket.value(histogram, 0))
                fail(QStringLiteral("buckets not cumulative: ") + QString::fromUtf8(key));
            lastBucket.insert(histogram, value);
            if (leValue == QLatin1String("+Inf"))
                infBuckets.insert(histogram, value);
        }
    }
    for (auto it = infBuckets.cbegin(); it != infBuckets.cend(); ++it) {
        const qsizetype brace = it.key().indexOf('{');
        const QByteArray family = brace < 0 ? it.key() : it.key().left(brace);
        const QByteArray labels = brace < 0 ? QByteArray() : it.key().mid(brace);
        if (out.value(family + "_count" + labels, -1) != it.value())
            fail(QStringLiteral("+Inf bucket differs from _count: ") + QString::fromUtf8(it.key()));
    }
    if (lastBucket.size() != infBuckets.size())
        fail(QStringLiteral("a histogram without a +Inf bucket"));
    return out;
}

} // namespace

class TestDaemon : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sandboxServesAndDrainsOnSigterm();
    void checkConfigGoodAndBad_data();
    void checkConfigGoodAndBad();
    void refusesAnUnreachableDatabaseWithoutPrintingThePassword();
    void printsVersion();

private:
    Answer call(const QByteArray &method, const QUrl &url, const QByteArray &token = {},
                const QByteArray &body = {});
    QNetworkAccessManager m_nam;
};

void TestDaemon::initTestCase()
{
    QVERIFY2(QFile::exists(binary()), qPrintable(binary()));
}

Answer TestDaemon::call(const QByteArray &method, const QUrl &url, const QByteArray &token,
                        const QByteArray &body)
{
    QNetworkRequest request(url);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    QNetworkReply *reply = m_nam.sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    Answer a;
    if (finished.wait(10000)) {
        a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        a.body = reply->readAll();
        a.json = QJsonDocument::fromJson(a.body).object();
    }
    reply->deleteLater();
    return a;
}

void TestDaemon::sandboxServesAndDrainsOnSigterm()
{
    QTemporaryDir data;
    QVERIFY(data.isValid());
    QProcessEnvironment env = cleanEnvironment();
    env.insert(lit("THREADLINE_DATA_DIR"), data.path());
    env.insert(lit("THREADLINE_API_LISTEN"), lit("127.0.0.1:0"));
    QProcess daemon;
    daemon.setProcessEnvironment(env);
    daemon.start(binary(), {lit("--sandbox")});
    QVERIFY(daemon.waitForStarted(5000));

    // What to connect to, on stdout: key=value lines, then "ready".
    QByteArray out;
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     out += daemon.readAllStandardOutput();
                     return out.contains("ready\n") || daemon.state() == QProcess::NotRunning;
                 },
                 15000),
             daemon.readAllStandardError().constData());
    QVERIFY2(out.contains("ready\n"), out.constData());
    QHash<QByteArray, QByteArray> printed;
    for (const QByteArray &line : out.split('\n')) {
        const qsizetype eq = line.indexOf('=');
        if (eq > 0)
            printed.insert(line.left(eq), line.mid(eq + 1));
    }
    const QUrl api(QString::fromLatin1(printed.value("api_url")));
    const QByteArray token = printed.value("admin_token");
    QVERIFY(api.isValid() && api.port() > 0);
    QVERIFY(token.startsWith("tl_") && token.size() == 46);
    QVERIFY(QUrl(QString::fromLatin1(printed.value("sandbox_url"))).port() > 0);

    Answer a = call("GET", api.resolved(QUrl(lit("healthz"))));
    QCOMPARE(a.status, 200);
    // Ready needs the database, Slack (the sandbox accepts the bot token) and the inbound side, as
    // the sync engine reports them: 200 when all three are up, else 503 naming each failing part.
    const auto check = [](const Answer &r, const char *name) {
        return r.json.value(lit("checks")).toObject().value(lit(name)).toObject().value(lit("ok")).toBool();
    };
    a = call("GET", api.resolved(QUrl(lit("readyz"))));
    QVERIFY2(a.status == 200 || a.status == 503, a.body.constData());
    QVERIFY(check(a, "database"));
    const bool allUp = check(a, "slack") && check(a, "inbound");
    QCOMPARE(a.status, allUp ? 200 : 503);
    for (const char *part : {"slack", "inbound"})
        QCOMPARE(a.json.value(lit("message")).toString().contains(lit(part) + lit(":")), !check(a, part));
    // With the sandbox, all three come up: Slack accepts the token and Socket Mode connects.
    QTRY_COMPARE_WITH_TIMEOUT(call("GET", api.resolved(QUrl(lit("readyz")))).status, 200, 10000);
    a = call("GET", api.resolved(QUrl(lit("readyz"))));
    QVERIFY(check(a, "database") && check(a, "slack") && check(a, "inbound"));
    a = call("GET", api.resolved(QUrl(lit("api/v1/requests"))));
    QCOMPARE(a.status, 401);

    // The sandbox's demo colleagues are people of the desk: a request can name them.
    a = call(
        "POST", api.resolved(QUrl(lit("api/v1/requests"))), token,
        R"({"title":"Badge does not open the door","requester":"alice@example.com","followers":["bruno@example.com"]})");
    QVERIFY2(a.status == 201, a.body.constData());
    const qint64 id = a.json.value(lit("id")).toInteger();
    a = call("GET", api.resolved(QUrl(QStringLiteral("api/v1/requests/%1").arg(id))), token);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("title")).toString(), lit("Badge does not open the door"));

    // The sync engine runs: each follower gets a summary in their DM with the app, and the
    // threads route reports it (channel, thread ts, state) from the engine.
    const QUrl threadsUrl = api.resolved(QUrl(QStringLiteral("api/v1/requests/%1/threads").arg(id)));
    const auto activeThreads = [&] {
        int active = 0;
        const Answer t = call("GET", threadsUrl, token);
        for (const QJsonValue &v : t.json.value(lit("threads")).toArray()) {
            const QJsonObject o = v.toObject();
            if (o.value(lit("summary_state")).toString() == QLatin1String("active") &&
                o.value(lit("thread_ts")).isString() &&
                o.value(lit("channel")).toString().startsWith(QLatin1Char('D')))
                ++active;
        }
        return active;
    };
    QTRY_COMPARE_WITH_TIMEOUT(activeThreads(), 2, 10000);
    a = call("GET", api.resolved(QUrl(lit("api/v1/queues"))), token);
    QCOMPARE(a.status, 200);
    QVERIFY(a.json.value(lit("dispatched")).toInteger() >= 2);
    QVERIFY(!a.json.value(lit("engine")).toString().isEmpty());
    // An update reaches Bruno's thread: a delivery to measure end to end.
    a = call("POST", api.resolved(QUrl(QStringLiteral("api/v1/requests/%1/updates").arg(id))), token,
             R"({"author":"alice@example.com","text":"It beeps red"})");
    QVERIFY2(a.status == 201, a.body.constData());

    // /metrics in the Prometheus text format, parsed: Slack calls by method and outcome, 429s,
    // inbound events, and the ack and delivery latency histograms.
    QHash<QByteArray, double> series;
    const auto scrape = [&] {
        const Answer m = call("GET", api.resolved(QUrl(lit("metrics"))));
        QString problem;
        series = parsePrometheus(m.body, &problem);
        if (!problem.isEmpty())
            qWarning().noquote() << "metrics:" << problem;
        return problem.isEmpty() && m.status == 200;
    };
    QTRY_VERIFY_WITH_TIMEOUT(scrape() && series.value("threadline_delivery_seconds_count") >= 1 &&
                                 series.value("threadline_inbound_ack_seconds_count") >= 1,
                             15000);
    QVERIFY(series.contains("threadline_lane_depth{lane=\"fast\"}"));
    QVERIFY(series.value("threadline_slack_calls_total{method=\"auth.test\",outcome=\"ok\"}") >= 1);
    QVERIFY(series.value("threadline_slack_calls_total{method=\"chat.postMessage\",outcome=\"ok\"}") >= 3);
    QVERIFY(series.contains("threadline_slack_http_429_total"));
    QVERIFY(series.contains("threadline_job_retries"));
    double doneJobs = 0;
    for (auto it = series.cbegin(); it != series.cend(); ++it)
        if (it.key().startsWith("threadline_jobs{") && it.key().contains("state=\"done\""))
            doneJobs += it.value();
    QVERIFY(doneJobs >= 3); // two summaries and a reply
    QVERIFY(series.value("threadline_inbound_events_total{transport=\"socket_mode\",result=\"stored\"}") >=
            1);
    QVERIFY(series.value("threadline_delivery_seconds_bucket{le=\"+Inf\"}") ==
            series.value("threadline_delivery_seconds_count"));
    QVERIFY(series.value("threadline_delivery_seconds_sum") >= 0);
    QVERIFY(
        series.contains("threadline_http_requests_total{route=\"/readyz\",method=\"GET\",status=\"200\"}"));

    // Slack disables Socket Mode for the app: readiness drops to 503 naming only the inbound side.
    const QUrl sandboxUrl(QString::fromLatin1(printed.value("sandbox_url")));
    QCOMPARE(call("POST", sandboxUrl.resolved(QUrl(lit("control/socket/disconnect"))), {},
                  R"({"reason":"link_disabled"})")
                 .status,
             200);
    QTRY_COMPARE_WITH_TIMEOUT(call("GET", api.resolved(QUrl(lit("readyz")))).status, 503, 10000);
    a = call("GET", api.resolved(QUrl(lit("readyz"))));
    QVERIFY(check(a, "database") && check(a, "slack") && !check(a, "inbound"));
    QVERIFY2(a.json.value(lit("message")).toString().contains(lit("inbound:")), a.body.constData());
    QVERIFY(!a.json.value(lit("message")).toString().contains(lit("slack:")));
    QTRY_VERIFY_WITH_TIMEOUT(scrape() && series.value("threadline_inbound_connected") == 0, 5000);

    // SIGHUP reloads the log rules and the server keeps serving.
    ::kill(pid_t(daemon.processId()), SIGHUP);
    QByteArray err;
    QVERIFY(QTest::qWaitFor(
        [&] {
            err += daemon.readAllStandardError();
            return err.contains("log rules reloaded");
        },
        5000));
    QCOMPARE(call("GET", api.resolved(QUrl(lit("healthz")))).status, 200);

    // A stream client is closed with "going away"; the process exits 0 promptly.
    QWebSocket stream;
    QUrl ws = api.resolved(QUrl(lit("api/v1/stream")));
    ws.setScheme(lit("ws"));
    QNetworkRequest wsRequest(ws);
    wsRequest.setRawHeader("Authorization", "Bearer " + token);
    QSignalSpy hello(&stream, &QWebSocket::textMessageReceived);
    stream.open(wsRequest);
    QVERIFY(hello.wait(5000));
    QElapsedTimer timer;
    timer.start();
    ::kill(pid_t(daemon.processId()), SIGTERM);
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(stream.closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
    QTRY_COMPARE_WITH_TIMEOUT(daemon.state(), QProcess::NotRunning, 5000);
    QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(daemon.exitStatus(), QProcess::NormalExit);
    QCOMPARE(daemon.exitCode(), 0);
    err += daemon.readAllStandardError();
    QVERIFY(err.contains("draining"));
    // secrets are never logged: the admin token went to stdout only
    QVERIFY(!err.contains(token));
    QVERIFY(!err.contains("xoxb-") && !err.contains("xapp-"));
    // one line per event, with the category and level
    for (const QByteArray &line : err.split('\n')) {
        if (!line.isEmpty())
            QVERIFY2(line.contains(" threadline.") || line.startsWith("qt."), line.constData());
    }

    // The data stays: a second start on the same data directory sees the request.
    QProcess again;
    again.setProcessEnvironment(env);
    again.start(binary(), {lit("--sandbox")});
    QByteArray out2;
    QVERIFY(QTest::qWaitFor(
        [&] {
            out2 += again.readAllStandardOutput();
            return out2.contains("ready\n") || again.state() == QProcess::NotRunning;
        },
        15000));
    QByteArray api2, token2;
    for (const QByteArray &line : out2.split('\n')) {
        if (line.startsWith("api_url="))
            api2 = line.mid(8);
        if (line.startsWith("admin_token="))
            token2 = line.mid(12);
    }
    QVERIFY(token2 != token); // generated per start when none is configured
    a = call("GET",
             QUrl(QString::fromLatin1(api2)).resolved(QUrl(QStringLiteral("api/v1/requests/%1").arg(id))),
             token2);
    QCOMPARE(a.status, 200);
    ::kill(pid_t(again.processId()), SIGTERM);
    QTRY_COMPARE_WITH_TIMEOUT(again.state(), QProcess::NotRunning, 5000);
    QCOMPARE(again.exitCode(), 0);
}

void TestDaemon::checkConfigGoodAndBad_data()
{
    QTest::addColumn<QByteArray>("ini");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("complete") << QByteArray(
                                     "[threadline]\nslack_bot_token=xoxb-secret-bot-111\n"
                                     "slack_app_token=xapp-secret-app-222\nadmin_token=secret-admin-333\n"
                                     "database=postgresql://desk:secret-pw-444@db.example:5432/desk\n"
                                     "api_listen=127.0.0.1:8470\n")
                              << 0 << QByteArray("configuration is complete");
    QTest::newRow("incomplete") << QByteArray("[threadline]\napi_listen=127.0.0.1:9000\n") << 0
                                << QByteArray("configuration is valid but incomplete");
    QTest::newRow("bad listen address") << QByteArray("[threadline]\nslack_bot_token=xoxb-secret-bot-111\n"
                                                      "api_listen=not-an-address\n")
                                        << 2 << QByteArray("THREADLINE_API_LISTEN");
    QTest::newRow("bad database") << QByteArray(
                                         "[threadline]\nadmin_token=secret-admin-333\ndatabase=mysql://x\n")
                                  << 2 << QByteArray("THREADLINE_DATABASE");
}

void TestDaemon::checkConfigGoodAndBad()
{
    QFETCH(QByteArray, ini);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(lit("threadline.ini"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(ini);
    f.close();
    QProcess p;
    p.setProcessEnvironment(cleanEnvironment());
    p.start(binary(), {lit("--config"), path, lit("--check-config")});
    QVERIFY(p.waitForFinished(10000));
    const QByteArray all = p.readAllStandardOutput() + p.readAllStandardError();
    QVERIFY2(p.exitCode() == exitCode, all.constData());
    QVERIFY2(all.contains(expected), all.constData());
    for (const char *secret : {"secret-bot-111", "secret-app-222", "secret-admin-333", "secret-pw-444"})
        QVERIFY2(!all.contains(secret), all.constData());
}

void TestDaemon::refusesAnUnreachableDatabaseWithoutPrintingThePassword()
{
    QTemporaryDir data;
    QProcessEnvironment env = cleanEnvironment();
    env.insert(lit("THREADLINE_DATA_DIR"), data.path());
    env.insert(lit("THREADLINE_API_LISTEN"), lit("127.0.0.1:0"));
    env.insert(lit("THREADLINE_DATABASE"), lit("postgresql://desk:hunter2-secret@127.0.0.1:1/desk"));
    env.insert(lit("THREADLINE_ADMIN_TOKEN"), lit("configured-admin-secret"));
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(binary(), {});
    QVERIFY(p.waitForFinished(20000));
    const QByteArray all = p.readAllStandardOutput() + p.readAllStandardError();
    QCOMPARE(p.exitCode(), 1);
    QVERIFY2(all.contains("cannot open the database"), all.constData());
    QVERIFY(!all.contains("hunter2-secret"));
    QVERIFY(!all.contains("configured-admin-secret"));
}

void TestDaemon::printsVersion()
{
    QProcess p;
    p.start(binary(), {lit("--version")});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    const QByteArray out = p.readAllStandardOutput();
    QVERIFY2(out.startsWith("threadlined " THREADLINE_VERSION_STRING), out.constData());
}

QTEST_GUILESS_MAIN(TestDaemon)
#include "tst_daemon.moc"
