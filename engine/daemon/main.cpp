#include "signalwatcher.h"

#include "core/configuration.h"
#include "core/logging.h"
#include "core/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <QTextStream>

#include <cstdio>

using namespace threadline;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("threadlined"));
    QCoreApplication::setOrganizationName(QStringLiteral("Threadline"));
    QCoreApplication::setApplicationVersion(versionString());
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddTHH:mm:ss.zzz} %{category} %{type}: %{message}"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Threadline server: the request desk engine, headless."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(QStringLiteral("config"),
                                          QStringLiteral("Read the configuration from <file> (INI)."),
                                          QStringLiteral("file"));
    const QCommandLineOption checkOption(QStringLiteral("check-config"),
                                         QStringLiteral("Validate the configuration, explain it and exit."));
    const QCommandLineOption logRulesOption(
        QStringLiteral("log-rules"), QStringLiteral("Logging filter rules, e.g. threadline.*.debug=true"),
        QStringLiteral("rules"));
    parser.addOptions({configOption, checkOption, logRulesOption});
    parser.process(app);

    QTextStream out(stdout);
    QTextStream err(stderr);
    const QString defaultDataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    auto config = Configuration::load(parser.value(configOption), QProcessEnvironment::systemEnvironment(),
                                      defaultDataDir);
    if (!config) {
        err << "threadlined: invalid configuration: " << config.error().message;
        if (!config.error().field.isEmpty())
            err << " (" << config.error().field << ')';
        err << Qt::endl;
        return 2;
    }

    if (parser.isSet(checkOption)) {
        out << config->describe() << Qt::endl;
        const QStringList problems = config->problems();
        for (const QString &p : problems)
            out << "warning: " << p << Qt::endl;
        out << (problems.isEmpty() ? "configuration is complete" : "configuration is valid but incomplete")
            << Qt::endl;
        return 0;
    }

    const QString rules = parser.isSet(logRulesOption) ? parser.value(logRulesOption) : config->logRules;
    if (!rules.isEmpty())
        QLoggingCategory::setFilterRules(QString(rules).replace(QLatin1Char(';'), QLatin1Char('\n')));

    SignalWatcher signals;
    QObject::connect(&signals, &SignalWatcher::reloadRequested, &app, [&] {
        if (!rules.isEmpty())
            QLoggingCategory::setFilterRules(QString(rules).replace(QLatin1Char(';'), QLatin1Char('\n')));
        qCInfo(lcDaemon) << "log rules reloaded";
    });
    QObject::connect(&signals, &SignalWatcher::terminateRequested, &app, [](int signalNumber) {
        qCInfo(lcDaemon) << "signal" << signalNumber << "received, shutting down";
        QCoreApplication::exit(0);
    });

    err << "threadlined " << versionString()
        << ": the server's Slack connection and REST API are not part of this build yet; nothing to serve"
        << Qt::endl;
    return 1;
}
