#include "signalwatcher.h"

#include "api/apiserver.h"
#include "api/tokenstore.h"
#include "core/configuration.h"
#include "core/logging.h"
#include "core/version.h"
#include "enginebridge.h"
#include "sandbox/sandboxserver.h"
#include "store/store.h"
#include "sync/engine.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QStandardPaths>
#include <QTextStream>
#include <QTimer>

#include <memory>

using namespace threadline;

namespace {

void applyLogRules(const QString &rules)
{
    if (!rules.isEmpty())
        QLoggingCategory::setFilterRules(QString(rules).replace(QLatin1Char(';'), QLatin1Char('\n')));
}

//! Copies the sandbox's people into the desk, so requests can name them at once.
void importSandboxPeople(sandbox::SandboxServer &sandbox, Store &store)
{
    const QList<sandbox::SandboxUser> users = sandbox.workspace().users();
    for (const sandbox::SandboxUser &u : users) {
        if (u.isBot || u.deleted)
            continue;
        auto person = store.upsertPerson(
            {u.id, u.realName.isEmpty() ? u.name : u.realName, u.email, u.persona.isEmpty()});
        if (!person)
            qCWarning(lcDaemon).noquote()
                << "could not import sandbox user" << u.id << person.error().message;
    }
}

} // namespace

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
    const QCommandLineOption sandboxOption(
        QStringLiteral("sandbox"),
        QStringLiteral(
            "Start an emulated Slack workspace in-process with demo colleagues and connect to it."));
    parser.addOptions({configOption, checkOption, logRulesOption, sandboxOption});
    parser.process(app);

    QTextStream out(stdout);
    QTextStream err(stderr);
    const QString configPath = parser.value(configOption);
    const QString defaultDataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    auto loaded = Configuration::load(configPath, QProcessEnvironment::systemEnvironment(), defaultDataDir);
    if (!loaded) {
        err << "threadlined: invalid configuration: " << loaded.error().message;
        if (!loaded.error().field.isEmpty())
            err << " (" << loaded.error().field << ')';
        err << Qt::endl;
        return 2;
    }
    Configuration config = loaded.value();

    if (parser.isSet(checkOption)) {
        out << config.describe() << Qt::endl;
        const QStringList problems = config.problems();
        for (const QString &p : problems)
            out << "warning: " << p << Qt::endl;
        out << (problems.isEmpty() ? "configuration is complete" : "configuration is valid but incomplete")
            << Qt::endl;
        return 0;
    }

    const bool fixedRules = parser.isSet(logRulesOption);
    applyLogRules(fixedRules ? parser.value(logRulesOption) : config.logRules);

    // ---- the sandbox workspace ---------------------------------------------------------------
    std::unique_ptr<sandbox::SandboxServer> sandbox;
    bool generatedAdminToken = false;
    if (parser.isSet(sandboxOption)) {
        sandbox = std::make_unique<sandbox::SandboxServer>();
        if (!sandbox->listen(QHostAddress::LocalHost, 0)) {
            err << "threadlined: the sandbox workspace could not listen on loopback" << Qt::endl;
            return 1;
        }
        sandbox->addDemoColleagues();
        const sandbox::SandboxOptions &o = sandbox->workspace().options();
        config.slackApiUrl = sandbox->apiUrl();
        config.slackBotToken = o.botToken;
        config.slackAppToken = o.appToken;
        config.slackSigningSecret = o.signingSecret;
        qCInfo(lcDaemon).noquote() << "sandbox workspace at" << sandbox->baseUrl().toString();
        if (config.adminToken.isEmpty()) {
            config.adminToken = TokenStore::generateToken();
            generatedAdminToken = true;
        }
    }

    // ---- the sync engine and its store ---------------------------------------------------------
    if (!config.dataDir.isEmpty() && !QDir().mkpath(config.dataDir)) {
        err << "threadlined: cannot create the data directory " << config.dataDir << Qt::endl;
        return 1;
    }
    QNetworkAccessManager nam;
    sync::Engine engine(sync::EngineOptions::fromConfiguration(config, &nam));
    if (auto started = engine.start(); !started) {
        err << "threadlined: cannot open the database " << Configuration::redactedDatabaseUrl(config.database)
            << ": " << started.error().message << Qt::endl;
        return 1;
    }
    Store &store = *engine.store();
    qCInfo(lcDaemon).noquote() << "database open:" << Configuration::redactedDatabaseUrl(config.database);
    if (sandbox)
        importSandboxPeople(*sandbox, store);

    // ---- the API -------------------------------------------------------------------------------
    if (config.adminToken.isEmpty())
        qCWarning(lcDaemon)
            << "THREADLINE_ADMIN_TOKEN is not set: only existing agent tokens can use the API";
    ApiOptions apiOptions;
    apiOptions.adminToken = config.adminToken;
    // File uploads (multipart updates) go to the files store: bodies up to the file size limit.
    apiOptions.maxBodyBytes = std::max(apiOptions.maxBodyBytes, config.filesMaxBytes + 1024 * 1024);
    apiOptions.storeFile = [&engine](QIODevice &source, const QString &name, const QString &mimeType) {
        return engine.storeAttachment(source, name, mimeType);
    };
    ApiServer api(&store, apiOptions);
    bridgeEngineToApi(engine, api);
    if (auto listening = api.listen(config.apiListen.host, config.apiListen.port); !listening) {
        err << "threadlined: " << listening.error().message << Qt::endl;
        return 1;
    }

    // What to connect to, on stdout, one key=value per line.
    out << "api_url=" << api.baseUrl().toString() << '\n';
    if (sandbox) {
        out << "sandbox_url=" << sandbox->baseUrl().toString() << '\n';
        if (generatedAdminToken)
            out << "admin_token=" << config.adminToken << '\n';
    }
    out << "ready" << Qt::endl;

    // ---- signals -------------------------------------------------------------------------------
    SignalWatcher signals;
    QObject::connect(&signals, &SignalWatcher::reloadRequested, &app, [&] {
        if (fixedRules) {
            applyLogRules(parser.value(logRulesOption));
        } else {
            auto reloaded =
                Configuration::load(configPath, QProcessEnvironment::systemEnvironment(), defaultDataDir);
            if (!reloaded) {
                qCWarning(lcDaemon).noquote() << "SIGHUP: the configuration is invalid now, log rules kept:"
                                              << reloaded.error().message;
                return;
            }
            applyLogRules(reloaded->logRules.isEmpty() ? QStringLiteral("threadline.*.debug=false")
                                                       : reloaded->logRules);
        }
        qCInfo(lcDaemon) << "log rules reloaded";
    });
    bool stopping = false;
    QObject::connect(&signals, &SignalWatcher::terminateRequested, &app, [&](int signalNumber) {
        if (stopping) {
            qCWarning(lcDaemon) << "signal" << signalNumber << "received again, exiting now";
            QCoreApplication::exit(0);
            return;
        }
        stopping = true;
        qCInfo(lcDaemon) << "signal" << signalNumber << "received, draining";
        api.drain(5000);
    });
    // API drained → the engine stops dispatching and lets in-flight Slack calls finish → exit.
    QObject::connect(&api, &ApiServer::drained, &app, [&engine] {
        qCInfo(lcDaemon) << "API drained, stopping the sync engine";
        engine.stop();
        QTimer::singleShot(10000, qApp, [] {
            qCWarning(lcDaemon) << "the sync engine did not stop within 10 s; exiting anyway";
            QCoreApplication::exit(0);
        });
    });
    QObject::connect(&engine, &sync::Engine::stopped, &app, [&stopping] {
        if (!stopping)
            return;
        qCInfo(lcDaemon) << "sync engine stopped, exiting";
        QCoreApplication::exit(0);
    });
    return QCoreApplication::exec();
}
