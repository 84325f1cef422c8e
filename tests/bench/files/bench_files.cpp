// bench_files [--mb 50] [--followers 2]
//
// A file of N MB shared in a request thread goes through the whole pipeline — download into the
// files store, then files.getUploadURLExternal → upload → files.completeUploadExternal into every
// other follower's thread — with the Slack sandbox in a separate process (threadline-sandbox), so
// the peak memory measured is the engine's own. Prints one JSON document:
//   rss_before_kb, peak_rss_kb (VmHWM after resetting it through /proc/self/clear_refs),
//   growth_kb, download_s, share_s, total_s, ok (growth under 20 MB and every copy posted).

#include "benchoptions.h"
#include "procmemory.h"
#include "store/store.h"
#include "sync/engine.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <functional>

using namespace threadline;
using namespace threadline::sync;

using bench::resetPeak;
using bench::statusKb;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int mb = bench::intOption(args, QLatin1String("--mb"), 50);
    const int followers = bench::intOption(args, QLatin1String("--followers"), 2);
    QTemporaryDir dir;

    // The sandbox in its own process (limits off).
    QProcess sandbox;
    sandbox.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    sandbox.start(QStringLiteral(THREADLINE_SANDBOX_PROGRAM),
                  {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                   QStringLiteral("--no-rate-limits"), QStringLiteral("--ping-interval-ms"),
                   QStringLiteral("0")});
    if (!sandbox.waitForStarted(10000) || !sandbox.waitForReadyRead(10000)) {
        std::fprintf(stderr, "bench_files: the sandbox did not start\n");
        return 1;
    }
    const QByteArray line = sandbox.readLine().trimmed();
    const QUrl base(QString::fromUtf8(line.mid(line.indexOf("http"))));
    QNetworkAccessManager nam;
    auto control = [&](const QString &path, const QJsonObject &body,
                       std::function<void(const QJsonObject &)> then) {
        QNetworkRequest request(base.resolved(QUrl(QStringLiteral("control/") + path)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        QNetworkReply *reply = nam.post(request, QJsonDocument(body).toJson());
        QObject::connect(reply, &QNetworkReply::finished, &app, [reply, then] {
            reply->deleteLater();
            then(QJsonDocument::fromJson(reply->readAll()).object());
        });
    };

    EngineOptions o;
    o.databaseUrl = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db"));
    o.slack.apiUrl = base.resolved(QUrl(QStringLiteral("api/")));
    o.slack.botToken = QStringLiteral("xoxb-sandbox-bot");
    o.slack.appToken = QStringLiteral("xapp-sandbox-app");
    o.nam = &nam;
    o.pollIntervalMs = 100;
    o.rateLimitScale = 1000;
    o.files.storeDir = dir.filePath(QStringLiteral("files"));
    o.files.downloadHosts = {base.toString(QUrl::RemovePath | QUrl::StripTrailingSlash)};
    Engine engine(o);
    if (auto r = engine.start(); !r) {
        std::fprintf(stderr, "bench_files: %s\n", qPrintable(r.error().toString()));
        return 1;
    }

    struct Person
    {
        QString slackId;
        qint64 id = 0;
    };
    QList<Person> people;
    qint64 requestId = 0;
    QString requesterThread;
    qint64 rssBefore = 0;
    bool peakReset = false;
    qint64 sampledPeak = 0;
    QElapsedTimer clock;
    double downloadS = -1;
    QTimer poll;
    poll.setInterval(20);
    int result = 1;

    auto finish = [&](bool ok) {
        poll.stop();
        const qint64 peak = peakReset ? statusKb("VmHWM:") : sampledPeak;
        const qint64 growth = peak - rssBefore;
        const double total = clock.elapsed() / 1000.0;
        QJsonObject out{{QStringLiteral("benchmark"), QStringLiteral("files")},
                        {QStringLiteral("file_mb"), mb},
                        {QStringLiteral("copies"), followers},
                        {QStringLiteral("rss_before_kb"), rssBefore},
                        {QStringLiteral("peak_rss_kb"), peak},
                        {QStringLiteral("peak_method"), peakReset
                                                            ? QStringLiteral("VmHWM after clear_refs")
                                                            : QStringLiteral("VmRSS sampled every 20 ms")},
                        {QStringLiteral("growth_kb"), growth},
                        {QStringLiteral("download_s"), downloadS},
                        {QStringLiteral("share_s"), total - downloadS},
                        {QStringLiteral("total_s"), total},
                        {QStringLiteral("ok"), ok && growth < 20 * 1024}};
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
        result = ok && growth < 20 * 1024 ? 0 : 2;
        engine.stop();
        sandbox.kill();
        sandbox.waitForFinished(5000);
        app.exit(result);
    };

    auto scalar = [&](const QString &sql) {
        auto r = engine.store()->scalar(sql);
        return r && r.value() ? r.value()->toLongLong() : -1;
    };

    // Once every thread has its summary: reset the peak, share the file, watch the copies.
    auto shareTheFile = [&] {
        rssBefore = statusKb("VmRSS:");
        peakReset = resetPeak();
        sampledPeak = rssBefore;
        clock.start();
        control(QStringLiteral("users/%1/files").arg(people.first().slackId),
                QJsonObject{{QStringLiteral("name"), QStringLiteral("dump.bin")},
                            {QStringLiteral("generate_bytes"), qint64(mb) * 1024 * 1024},
                            {QStringLiteral("mimetype"), QStringLiteral("application/octet-stream")},
                            {QStringLiteral("thread_ts"), requesterThread},
                            {QStringLiteral("comment"), QStringLiteral("the core dump")}},
                [&](const QJsonObject &r) {
                    if (!r.value(QStringLiteral("ok")).toBool()) {
                        std::fprintf(stderr, "bench_files: the share failed\n");
                        finish(false);
                    }
                });
        QObject::disconnect(&poll, nullptr, nullptr, nullptr);
        QObject::connect(&poll, &QTimer::timeout, &app, [&] {
            sampledPeak = std::max(sampledPeak, statusKb("VmRSS:"));
            if (downloadS < 0 &&
                scalar(QStringLiteral("SELECT COUNT(*) FROM attachments WHERE state = 'stored'")) == 1)
                downloadS = clock.elapsed() / 1000.0;
            if (scalar(QStringLiteral(
                    "SELECT COUNT(*) FROM attachments WHERE state IN ('refused','failed')")) > 0)
                finish(false);
            else if (scalar(QStringLiteral("SELECT COUNT(*) FROM file_shares WHERE state = 'posted'")) ==
                     followers)
                finish(true);
            else if (clock.elapsed() > 600'000)
                finish(false);
        });
    };

    // People and the request, once the engine runs.
    auto setUp = [&] {
        auto addNext = std::make_shared<std::function<void()>>();
        *addNext = [&, addNext] {
            if (people.size() == followers + 1) {
                NewRequest n;
                n.title = QStringLiteral("Crash dump");
                n.body = QStringLiteral("See the dump");
                n.requesterId = people.first().id;
                for (int i = 1; i < people.size(); ++i)
                    n.followerIds << people.at(i).id;
                requestId = engine.store()->createRequest(n).value().id;
                QObject::connect(&poll, &QTimer::timeout, &app, [&] {
                    auto threads = engine.requestThreads(requestId);
                    if (!threads || threads->threads.size() != followers + 1)
                        return;
                    for (const ThreadState &t : threads->threads) {
                        if (t.summaryTs.isEmpty())
                            return;
                        if (t.personId == people.first().id)
                            requesterThread = t.summaryTs;
                    }
                    if (engine.inboundConnected())
                        shareTheFile();
                });
                poll.start();
                return;
            }
            const QString name = QStringLiteral("person%1").arg(people.size());
            control(QStringLiteral("users"), QJsonObject{{QStringLiteral("name"), name}},
                    [&, addNext, name](const QJsonObject &r) {
                        const QString id =
                            r.value(QStringLiteral("user")).toObject().value(QStringLiteral("id")).toString();
                        auto p = engine.store()->upsertPerson({id, name, {}, false});
                        people << Person{id, p ? p->id : 0};
                        (*addNext)();
                    });
        };
        (*addNext)();
    };
    QObject::connect(&engine, &Engine::stateChanged, &app, [&](EngineState state) {
        if (state == EngineState::Running && people.isEmpty())
            setUp();
    });
    return app.exec();
}
