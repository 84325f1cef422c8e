#include "engineworker.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QUrl>

#include <cstdio>

namespace threadline::test {

int runEngineWorker(int argc, char **argv, const char *usage, int argumentCount,
                    const std::function<void(sync::EngineOptions &, const QStringList &)> &configure)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != argumentCount + 1) {
        std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        return 2;
    }
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false"));
    QNetworkAccessManager nam;
    sync::EngineOptions o;
    o.databaseUrl = args[1];
    o.slack.apiUrl = QUrl(args[2]);
    o.nam = &nam;
    o.pollIntervalMs = 50;
    o.retryBaseMs = 20;
    o.retryMaxMs = 200;
    o.maxAttempts = 1000;
    o.rateLimitScale = 1000;
    configure(o, args);
    sync::Engine engine(o);
    if (auto r = engine.start(); !r) {
        std::fprintf(stderr, "cannot start: %s\n", qPrintable(r.error().toString()));
        return 1;
    }
    return app.exec();
}

} // namespace threadline::test
