// Starts threadline-sandbox with rate limits off, adds one person, and drives chat.postMessage
// through its HTTP front with wrk (a separate process). Prints one JSON document on stdout.
// Usage: bench_sandbox [--duration S] [--connections N] [--threads T]

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    auto opt = [&](const char *name, const QString &fallback) {
        const qsizetype i = args.indexOf(QString::fromLatin1(name));
        return i >= 0 && i + 1 < args.size() ? args.at(i + 1) : fallback;
    };
    const QString duration = opt("--duration", QStringLiteral("10"));
    const QString connections = opt("--connections", QStringLiteral("32"));
    const QString threads = opt("--threads", QStringLiteral("1"));
    QJsonObject out{{QStringLiteral("benchmark"), QStringLiteral("sandbox.chat_postMessage_http")},
                    {QStringLiteral("target_per_second"), 5000}};
    auto finish = [&](int code) {
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
        return code;
    };

    const QString wrk = QStandardPaths::findExecutable(QStringLiteral("wrk"));
    if (wrk.isEmpty()) {
        out.insert(QStringLiteral("error"), QStringLiteral("wrk not found (apt-get install wrk)"));
        return finish(1);
    }
    QProcess sandbox;
    sandbox.setProcessChannelMode(QProcess::SeparateChannels);
    sandbox.start(QStringLiteral(SANDBOX_BINARY), {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                                   QStringLiteral("--no-rate-limits")});
    QString url;
    const QRegularExpression listening(QStringLiteral("listening on (http://\\S+)"));
    while (url.isEmpty() && sandbox.waitForReadyRead(5000)) {
        const auto m = listening.match(QString::fromUtf8(sandbox.readAllStandardOutput()));
        if (m.hasMatch())
            url = m.captured(1);
    }
    if (url.isEmpty()) {
        out.insert(QStringLiteral("error"), QStringLiteral("the sandbox did not start"));
        return finish(1);
    }
    // One person: every post goes to their DM (channel = user id, as the wrk script sends).
    QProcess curl;
    curl.start(QStringLiteral("curl"),
               {QStringLiteral("-s"), QStringLiteral("-XPOST"), url + QStringLiteral("control/users"),
                QStringLiteral("-d"), QStringLiteral(R"({"id":"U0BENCH01","name":"bench"})")});
    curl.waitForFinished(5000);

    QProcess load;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SANDBOX_CHANNEL"), QStringLiteral("U0BENCH01"));
    load.setProcessEnvironment(env);
    load.start(wrk, {QStringLiteral("-t") + threads, QStringLiteral("-c") + connections,
                     QStringLiteral("-d") + duration + QLatin1Char('s'), QStringLiteral("-s"),
                     QStringLiteral(SANDBOX_WRK_SCRIPT), url + QStringLiteral("api/chat.postMessage")});
    load.waitForFinished(duration.toInt() * 1000 + 30000);
    const QString report = QString::fromUtf8(load.readAllStandardOutput());

    curl.start(QStringLiteral("curl"), {QStringLiteral("-s"), url + QStringLiteral("control/calls")});
    curl.waitForFinished(5000);
    const QJsonObject calls = QJsonDocument::fromJson(curl.readAllStandardOutput())
                                  .object()
                                  .value(QStringLiteral("calls"))
                                  .toObject();
    sandbox.terminate();
    sandbox.waitForFinished(5000);

    const auto rps = QRegularExpression(QStringLiteral("Requests/sec:\\s+([0-9.]+)")).match(report);
    const auto lat = QRegularExpression(QStringLiteral("Latency\\s+(\\S+)")).match(report);
    const double perSecond = rps.hasMatch() ? rps.captured(1).toDouble() : 0;
    const QJsonObject post = calls.value(QStringLiteral("methods"))
                                 .toObject()
                                 .value(QStringLiteral("chat.postMessage"))
                                 .toObject();
    out.insert(QStringLiteral("load_generator"),
               QStringLiteral("wrk -t%1 -c%2 -d%3s").arg(threads, connections, duration));
    out.insert(QStringLiteral("requests_per_second"), perSecond);
    out.insert(QStringLiteral("mean_latency"), lat.hasMatch() ? lat.captured(1) : QString());
    out.insert(QStringLiteral("calls_seen_by_sandbox"), post.value(QStringLiteral("count")).toInt());
    out.insert(QStringLiteral("calls_ok"),
               post.value(QStringLiteral("outcomes")).toObject().value(QStringLiteral("ok")).toInt());
    out.insert(QStringLiteral("pass"), perSecond >= 5000);
    return finish(perSecond >= 5000 ? 0 : 1);
}
