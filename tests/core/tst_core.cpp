#include "core/configuration.h"
#include "core/result.h"
#include "core/version.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace threadline;

class TestCore : public QObject
{
    Q_OBJECT

private:
    QString writeIni(QTemporaryDir &dir, const QByteArray &text)
    {
        const QString path = dir.filePath(QStringLiteral("threadline.conf"));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return {};
        f.write(text);
        return path;
    }

private Q_SLOTS:
    void versionComesFromTheBuild()
    {
        QVERIFY(QRegularExpression(QStringLiteral("^\\d+\\.\\d+\\.\\d+$")).match(versionString()).hasMatch());
    }

    void resultCarriesValueOrError()
    {
        Result<int> good(42);
        QVERIFY(good.ok());
        QCOMPARE(*good, 42);

        Result<int> bad(makeError(ErrorCode::Conflict, QStringLiteral("stale"), QStringLiteral("version")));
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::Conflict);
        QCOMPARE(bad.error().toString(), QStringLiteral("conflict: stale (field: version)"));

        Result<void> done;
        QVERIFY(done.ok());
        Result<void> failed(makeError(ErrorCode::NotFound, QStringLiteral("gone")));
        QVERIFY(!failed.ok());
        QCOMPARE(errorCodeName(failed.error().code), QStringLiteral("not_found"));
    }

    void configurationDefaults()
    {
        auto c = Configuration::load({}, QProcessEnvironment(), QStringLiteral("/var/lib/threadline"));
        QVERIFY2(c.ok(), qPrintable(c.error().toString()));
        QCOMPARE(c->database, QStringLiteral("sqlite:/var/lib/threadline/threadline.db"));
        QCOMPARE(c->apiListen.toString(), QStringLiteral("127.0.0.1:8470"));
        QVERIFY(c->eventsListen.isNull());
        QCOMPARE(c->slackApiUrl, QUrl(QStringLiteral("https://slack.com/api/")));
        QCOMPARE(c->problems().size(), 3); // no bot token, no inbound, no admin token
        QCOMPARE(c->syncMaxAttempts, 8);
        QProcessEnvironment env;
        env.insert(QStringLiteral("THREADLINE_SYNC_MAX_ATTEMPTS"), QStringLiteral(" 2 "));
        auto tuned = Configuration::load({}, env, QStringLiteral("/var/lib/threadline"));
        QVERIFY2(tuned.ok(), qPrintable(tuned.error().toString()));
        QCOMPARE(tuned->syncMaxAttempts, 2);
        QVERIFY(c->instanceId.isEmpty()); // the engine derives one from the host and the database
        env.insert(QStringLiteral("THREADLINE_INSTANCE_ID"), QStringLiteral(" host-a/threadlined@2 "));
        auto named = Configuration::load({}, env, QStringLiteral("/var/lib/threadline"));
        QVERIFY2(named.ok(), qPrintable(named.error().toString()));
        QCOMPARE(named->instanceId, QStringLiteral("host-a/threadlined@2"));
        QVERIFY(named->describe().contains(QStringLiteral("instance id: host-a/threadlined@2")));
    }

    void environmentOverridesTheFile()
    {
        QTemporaryDir dir;
        const QString ini = writeIni(dir, "[threadline]\n"
                                          "database=postgresql://tl:s3cret@db.internal:5432/threadline\n"
                                          "slack_bot_token=xoxb-from-file\n"
                                          "api_listen=0.0.0.0:9000\n"
                                          "slack_api_url=http://127.0.0.1:9999/api\n");
        QProcessEnvironment env;
        env.insert(QStringLiteral("THREADLINE_SLACK_BOT_TOKEN"), QStringLiteral("xoxb-from-env"));
        env.insert(QStringLiteral("THREADLINE_EVENTS_LISTEN"), QStringLiteral("[::1]:3000"));
        auto c = Configuration::load(ini, env, dir.path());
        QVERIFY2(c.ok(), qPrintable(c.error().toString()));
        QCOMPARE(c->slackBotToken, QStringLiteral("xoxb-from-env"));
        QCOMPARE(c->apiListen.toString(), QStringLiteral("0.0.0.0:9000"));
        QCOMPARE(c->eventsListen.toString(), QStringLiteral("[::1]:3000"));
        QCOMPARE(c->slackApiUrl, QUrl(QStringLiteral("http://127.0.0.1:9999/api/")));
        // Secrets never appear in the description.
        const QString text = c->describe();
        QVERIFY(!text.contains(QStringLiteral("s3cret")));
        QVERIFY(!text.contains(QStringLiteral("xoxb-from")));
        QVERIFY(text.contains(QStringLiteral("postgresql://tl:***@db.internal:5432/threadline")));
    }

    void badConfigurationIsExplained_data()
    {
        QTest::addColumn<QByteArray>("ini");
        QTest::addColumn<QString>("field");
        QTest::newRow("unknown key") << QByteArray("[threadline]\nbot_token=xoxb-1\n")
                                     << QStringLiteral("threadline/bot_token");
        QTest::newRow("bad database")
            << QByteArray("[threadline]\ndatabase=mysql://x\n") << QStringLiteral("THREADLINE_DATABASE");
        QTest::newRow("bad bot token") << QByteArray("[threadline]\nslack_bot_token=xoxp-user\n")
                                       << QStringLiteral("THREADLINE_SLACK_BOT_TOKEN");
        QTest::newRow("bad app token") << QByteArray("[threadline]\nslack_app_token=xoxb-1\n")
                                       << QStringLiteral("THREADLINE_SLACK_APP_TOKEN");
        QTest::newRow("short admin token")
            << QByteArray("[threadline]\nadmin_token=abc\n") << QStringLiteral("THREADLINE_ADMIN_TOKEN");
        QTest::newRow("port out of range") << QByteArray("[threadline]\napi_listen=127.0.0.1:70000\n")
                                           << QStringLiteral("THREADLINE_API_LISTEN");
        QTest::newRow("host name") << QByteArray("[threadline]\nevents_listen=example.com:80\n")
                                   << QStringLiteral("THREADLINE_EVENTS_LISTEN");
        QTest::newRow("no port") << QByteArray("[threadline]\napi_listen=127.0.0.1\n")
                                 << QStringLiteral("THREADLINE_API_LISTEN");
        QTest::newRow("ftp api url") << QByteArray("[threadline]\nslack_api_url=ftp://x/\n")
                                     << QStringLiteral("THREADLINE_SLACK_API_URL");
        QTest::newRow("zero attempts") << QByteArray("[threadline]\nsync_max_attempts=0\n")
                                       << QStringLiteral("THREADLINE_SYNC_MAX_ATTEMPTS");
        QTest::newRow("attempts not a number") << QByteArray("[threadline]\nsync_max_attempts=3x\n")
                                               << QStringLiteral("THREADLINE_SYNC_MAX_ATTEMPTS");
        QTest::newRow("too many attempts") << QByteArray("[threadline]\nsync_max_attempts=101\n")
                                           << QStringLiteral("THREADLINE_SYNC_MAX_ATTEMPTS");
        QTest::newRow("instance id with a space")
            << QByteArray("[threadline]\ninstance_id=host a\n") << QStringLiteral("THREADLINE_INSTANCE_ID");
        QTest::newRow("instance id too long")
            << (QByteArray("[threadline]\ninstance_id=") + QByteArray(129, 'x') + "\n")
            << QStringLiteral("THREADLINE_INSTANCE_ID");
        QTest::newRow("instance id with a quote")
            << QByteArray("[threadline]\ninstance_id=a'b\n") << QStringLiteral("THREADLINE_INSTANCE_ID");
    }

    void badConfigurationIsExplained()
    {
        QFETCH(QByteArray, ini);
        QFETCH(QString, field);
        QTemporaryDir dir;
        auto c = Configuration::load(writeIni(dir, ini), QProcessEnvironment(), dir.path());
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, ErrorCode::Invalid);
        QCOMPARE(c.error().field, field);
        QVERIFY(!c.error().message.isEmpty());
        QVERIFY(!c.error().toString().contains(QStringLiteral("xoxb-1")));
    }

    void missingFileIsAnError()
    {
        auto c = Configuration::load(QStringLiteral("/nonexistent/threadline.conf"), QProcessEnvironment(),
                                     QStringLiteral("/tmp"));
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestCore)
#include "tst_core.moc"
