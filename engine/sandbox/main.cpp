// threadline-sandbox: an emulated Slack workspace on its own, for demos, tests and benchmarks.

#include "core/logging.h"
#include "core/version.h"
#include "sandbox/sandboxserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTimer>

#include <csignal>
#include <cstdio>

namespace {
volatile std::sig_atomic_t g_stop = 0;
void onSignal(int)
{
    g_stop = 1;
}
} // namespace

int main(int argc, char **argv)
{
    using namespace threadline::sandbox;
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("threadline-sandbox"));
    QCoreApplication::setApplicationVersion(threadline::versionString());

    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("An emulated Slack workspace for Threadline (see docs/sandbox.md)."));
    p.addHelpOption();
    p.addVersionOption();
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    QStringLiteral("Address and port (0 = any free port)."),
                                    QStringLiteral("host:port"), QStringLiteral("127.0.0.1:0"));
    const QCommandLineOption botToken(QStringLiteral("bot-token"), QStringLiteral("Bot token (xoxb-)."),
                                      QStringLiteral("token"));
    const QCommandLineOption appToken(QStringLiteral("app-token"), QStringLiteral("App-level token (xapp-)."),
                                      QStringLiteral("token"));
    const QCommandLineOption secret(QStringLiteral("signing-secret"), QStringLiteral("Signing secret."),
                                    QStringLiteral("secret"));
    const QCommandLineOption eventsUrl(QStringLiteral("events-url"),
                                       QStringLiteral("Deliver events over HTTP to this Request URL."),
                                       QStringLiteral("url"));
    const QCommandLineOption state(QStringLiteral("state"),
                                   QStringLiteral("Keep the workspace in this JSON file."),
                                   QStringLiteral("file"));
    const QCommandLineOption noLimits(QStringLiteral("no-rate-limits"),
                                      QStringLiteral("Switch rate limits off."));
    const QCommandLineOption timeScale(QStringLiteral("time-scale"),
                                       QStringLiteral("Run Slack's rate-limit clock N times faster."),
                                       QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Add demo colleagues who answer."));
    const QCommandLineOption ackTimeout(QStringLiteral("ack-timeout-ms"),
                                        QStringLiteral("Socket Mode ack window."), QStringLiteral("ms"));
    const QCommandLineOption retryDelays(QStringLiteral("retry-delays-ms"),
                                         QStringLiteral("Comma-separated delays before retries 1..3."),
                                         QStringLiteral("list"));
    const QCommandLineOption personaDelay(QStringLiteral("persona-delay-ms"),
                                          QStringLiteral("How long demo colleagues take to answer."),
                                          QStringLiteral("ms"));
    const QCommandLineOption pingInterval(QStringLiteral("ping-interval-ms"),
                                          QStringLiteral("Server ping interval (0 = never)."),
                                          QStringLiteral("ms"));
    for (const auto &o : {listen, botToken, appToken, secret, eventsUrl, state, noLimits, timeScale, demo,
                          ackTimeout, retryDelays, personaDelay, pingInterval})
        p.addOption(o);
    p.process(app);

    SandboxOptions options;
    if (p.isSet(botToken))
        options.botToken = p.value(botToken);
    if (p.isSet(appToken))
        options.appToken = p.value(appToken);
    if (p.isSet(secret))
        options.signingSecret = p.value(secret);
    if (p.isSet(eventsUrl))
        options.eventsUrl = QUrl(p.value(eventsUrl));
    options.stateFile = p.value(state);
    options.rateLimitsEnabled = !p.isSet(noLimits);
    options.timeScale = p.value(timeScale).toDouble() > 0 ? p.value(timeScale).toDouble() : 1.0;
    if (p.isSet(ackTimeout))
        options.ackTimeoutMs = p.value(ackTimeout).toInt();
    if (p.isSet(personaDelay))
        options.personaDelayMs = p.value(personaDelay).toInt();
    if (p.isSet(pingInterval))
        options.serverPingIntervalMs = p.value(pingInterval).toInt();
    if (p.isSet(retryDelays)) {
        options.retryDelaysMs.clear();
        const QStringList parts = p.value(retryDelays).split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (const QString &d : parts)
            options.retryDelaysMs.append(d.toInt());
    }

    const QString hostPort = p.value(listen);
    const qsizetype colon = hostPort.lastIndexOf(QLatin1Char(':'));
    const QHostAddress host(colon > 0 ? hostPort.left(colon) : hostPort);
    const quint16 port = colon > 0 ? quint16(hostPort.mid(colon + 1).toUInt()) : 0;
    if (host.isNull()) {
        std::fprintf(stderr, "threadline-sandbox: --listen needs host:port\n");
        return 2;
    }

    SandboxServer server(options);
    if (p.isSet(demo))
        server.addDemoColleagues();
    if (!server.listen(host, port)) {
        std::fprintf(stderr, "threadline-sandbox: cannot listen on %s\n", qPrintable(hostPort));
        return 1;
    }
    std::printf("threadline-sandbox listening on %s\n", qPrintable(server.baseUrl().toString()));
    std::fflush(stdout);

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    QTimer stopPoll;
    QObject::connect(&stopPoll, &QTimer::timeout, &app, [] {
        if (g_stop)
            QCoreApplication::quit();
    });
    stopPoll.start(100);
    return app.exec();
}
