// One threadlined-like engine process for tst_scaleout: the sync Engine (outbound lanes and its own
// Socket Mode connection) on a shared PostgreSQL database against a Slack API URL, until it is
// terminated or killed. Not a test by itself.
//
// usage: tst_scaleout_worker --db URL --api URL --bot TOKEN --app TOKEN --instance ID
//                            [--lease-ms N] [--rate-scale X] [--no-shared-budget]
// Prints "ready" on stdout once Slack authenticated it and its Socket Mode connection is up, and
// one line "dispatched=N rate_limited=M share=S" for every line read on stdin.

#include "slack/slackclient.h"
#include "sync/engine.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QSocketNotifier>
#include <QTimer>
#include <QUrl>

#include <cstdio>

#include <unistd.h>

using namespace threadline;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("database URL"), QStringLiteral("url"));
    const QCommandLineOption api(QStringLiteral("api"), QStringLiteral("Slack API URL"),
                                 QStringLiteral("url"));
    const QCommandLineOption bot(QStringLiteral("bot"), QStringLiteral("bot token"), QStringLiteral("token"));
    const QCommandLineOption appToken(QStringLiteral("app"), QStringLiteral("app token"),
                                      QStringLiteral("token"));
    const QCommandLineOption instance(QStringLiteral("instance"), QStringLiteral("lease owner"),
                                      QStringLiteral("id"));
    const QCommandLineOption lease(QStringLiteral("lease-ms"), QStringLiteral("lease"), QStringLiteral("ms"),
                                   QStringLiteral("4000"));
    const QCommandLineOption scale(QStringLiteral("rate-scale"), QStringLiteral("rate budget multiplier"),
                                   QStringLiteral("x"), QStringLiteral("1"));
    const QCommandLineOption unshared(
        QStringLiteral("no-shared-budget"),
        QStringLiteral("do not share the Slack rate budget through the database"));
    parser.addOptions({db, api, bot, appToken, instance, lease, scale, unshared});
    parser.process(app);
    if (!parser.isSet(db) || !parser.isSet(api) || !parser.isSet(bot) || !parser.isSet(instance)) {
        std::fprintf(stderr, "usage: %s --db URL --api URL --bot TOKEN --app TOKEN --instance ID\n", argv[0]);
        return 2;
    }
    if (qEnvironmentVariableIsEmpty("THREADLINE_TEST_SYNC_LOG"))
        QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false"));
    QNetworkAccessManager nam;
    sync::EngineOptions o;
    o.databaseUrl = parser.value(db);
    o.slack.apiUrl = QUrl(parser.value(api));
    o.slack.botToken = parser.value(bot);
    o.slack.appToken = parser.value(appToken);
    o.nam = &nam;
    o.inboundEnabled = !o.slack.appToken.isEmpty();
    o.instanceId = parser.value(instance);
    o.leaseMs = parser.value(lease).toInt();
    o.rateLimitScale = parser.value(scale).toDouble();
    o.sharedRateBudget = !parser.isSet(unshared);
    o.pollIntervalMs = 50;
    o.retryBaseMs = 20;
    o.retryMaxMs = 500;
    o.maxAttempts = 1000;
    sync::Engine engine(o);
    if (auto r = engine.start(); !r) {
        std::fprintf(stderr, "cannot start: %s\n", qPrintable(r.error().toString()));
        return 1;
    }
    bool announced = false;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &app, [&] {
        if (announced || engine.state() != sync::EngineState::Running ||
            (o.inboundEnabled && !engine.inboundConnected()))
            return;
        announced = true;
        std::printf("ready\n");
        std::fflush(stdout);
    });
    poll.start(20);
    QSocketNotifier input(0, QSocketNotifier::Read);
    QObject::connect(&input, &QSocketNotifier::activated, &app, [&] {
        char buffer[256];
        const ssize_t n = ::read(0, buffer, sizeof buffer);
        if (n <= 0) {
            input.setEnabled(false);
            return;
        }
        const sync::QueueStats s = engine.queueStats();
        const double share = engine.slackClient() ? engine.slackClient()->rateLimiter().share() : 0;
        std::printf("dispatched=%lld rate_limited=%lld share=%.3f\n", static_cast<long long>(s.dispatched),
                    static_cast<long long>(s.rateLimited), share);
        std::fflush(stdout);
    });
    QObject::connect(&app, &QCoreApplication::aboutToQuit, &app, [&] { poll.stop(); });
    return app.exec();
}
