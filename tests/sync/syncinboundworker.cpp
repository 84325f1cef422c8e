// A bare engine process for the inbound crash test of tst_sync_inbound: runs the whole Engine
// (Socket Mode receipt, inbox processor, planner, outbound scheduler) on a database against a
// Slack API URL until it is killed. Not a test by itself.
//
// usage: tst_sync_inbound_worker <database-url> <slack-api-url> <bot-token> <app-token>

#include "slack/socketmodeclient.h"
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
    if (args.size() != 5) {
        std::fprintf(stderr, "usage: %s <database-url> <slack-api-url> <bot-token> <app-token>\n", argv[0]);
        return 2;
    }
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false"));
    QNetworkAccessManager nam;
    threadline::sync::EngineOptions o;
    o.databaseUrl = args[1];
    o.slack.apiUrl = QUrl(args[2]);
    o.slack.botToken = args[3];
    o.slack.appToken = args[4];
    o.nam = &nam;
    o.pollIntervalMs = 50;
    o.retryBaseMs = 20;
    o.retryMaxMs = 200;
    o.maxAttempts = 1000;
    o.rateLimitScale = 1000;
    o.configureSocket = [](threadline::slack::SocketModeClient *socket) {
        socket->setReconnectBackoff(20, 200);
    };
    threadline::sync::Engine engine(o);
    if (auto r = engine.start(); !r) {
        std::fprintf(stderr, "cannot start: %s\n", qPrintable(r.error().toString()));
        return 1;
    }
    return app.exec();
}
