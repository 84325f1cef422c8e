// A bare engine process for the crash test of tst_sync_outbound: runs the outbound Engine on a
// database against a Slack API URL until it is killed. Not a test by itself.
//
// usage: tst_sync_outbound_worker <database-url> <slack-api-url> <bot-token>

#include "sync/engine.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QUrl>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 4) {
        std::fprintf(stderr, "usage: %s <database-url> <slack-api-url> <bot-token>\n", argv[0]);
        return 2;
    }
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false"));
    QNetworkAccessManager nam;
    threadline::sync::EngineOptions o;
    o.databaseUrl = args[1];
    o.slack.apiUrl = QUrl(args[2]);
    o.slack.botToken = args[3];
    o.nam = &nam;
    o.inboundEnabled = false;
    o.pollIntervalMs = 50;
    o.retryBaseMs = 20;
    o.retryMaxMs = 200;
    o.maxAttempts = 1000;
    o.rateLimitScale = 1000;
    threadline::sync::Engine engine(o);
    if (auto r = engine.start(); !r) {
        std::fprintf(stderr, "cannot start: %s\n", qPrintable(r.error().toString()));
        return 1;
    }
    return app.exec();
}
