// A bare engine process for the crash test of tst_files_flow: runs the Engine (inbound on Socket
// Mode, the files pipeline on) on a database against the sandbox until it is killed. Not a test.
//
// usage: tst_files_worker <database-url> <slack-api-url> <files-dir> <download-origin>

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
        std::fprintf(stderr, "usage: %s <database-url> <slack-api-url> <files-dir> <download-origin>\n",
                     argv[0]);
        return 2;
    }
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false"));
    QNetworkAccessManager nam;
    threadline::sync::EngineOptions o;
    o.databaseUrl = args[1];
    o.slack.apiUrl = QUrl(args[2]);
    o.slack.botToken = QStringLiteral("xoxb-sandbox-bot");
    o.slack.appToken = QStringLiteral("xapp-sandbox-app");
    o.nam = &nam;
    o.pollIntervalMs = 50;
    o.retryBaseMs = 20;
    o.retryMaxMs = 200;
    o.maxAttempts = 1000;
    o.rateLimitScale = 1000;
    o.files.storeDir = args[3];
    o.files.downloadHosts = {args[4]};
    threadline::sync::Engine engine(o);
    if (auto r = engine.start(); !r) {
        std::fprintf(stderr, "cannot start: %s\n", qPrintable(r.error().toString()));
        return 1;
    }
    return app.exec();
}
