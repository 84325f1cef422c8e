// bench_files_rest [--mb 50] [--runs 1]
//
// The REST upload path: `POST /api/v1/requests/{id}/updates` with one N MB file part, sent by
// curl (a child process, so only the server's memory is measured) to an in-process ApiServer whose
// storeFile is the files pipeline's (storeDeskFile into a content-addressed store). QHttpServer 6.4
// hands a handler the whole body as one QByteArray, so this path holds the file in memory; this
// program measures how much. Prints one JSON document per run:
//   body_bytes, rss_before_kb, peak_rss_kb (VmHWM after resetting it through /proc/self/clear_refs),
//   growth_kb, growth_per_body (growth / body size), status (HTTP status of the upload), seconds.

#include "api/apiserver.h"
#include "benchoptions.h"
#include "files/filestore.h"
#include "files/filetransfers.h"
#include "procmemory.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>

using namespace threadline;

using bench::resetPeak;
using bench::statusKb;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int mb = bench::intOption(args, QLatin1String("--mb"), 50);
    const int runs = bench::intOption(args, QLatin1String("--runs"), 1);
    QTemporaryDir dir;
    Store store;
    if (!store.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db")))) {
        std::fprintf(stderr, "bench_files_rest: the database did not open\n");
        return 1;
    }
    auto person = store.upsertPerson({QStringLiteral("U1"), QStringLiteral("Rita"), {}, true});
    auto request = store.createRequest({QStringLiteral("t"), QStringLiteral("b"), person->id, 0, 0, {}, 0});
    if (!person || !request) {
        std::fprintf(stderr, "bench_files_rest: setup failed\n");
        return 1;
    }
    files::FilesOptions files;
    files.storeDir = dir.filePath(QStringLiteral("files"));
    files.maxBytes = qint64(mb + 1) * 1024 * 1024;
    ApiOptions options;
    options.adminToken = QStringLiteral("admin-token-0123456789");
    options.maxBodyBytes = files.maxBytes + 1024 * 1024; // as threadlined: the file limit + 1 MB
    options.storeFile = [&files](QIODevice &source, const QString &name, const QString &mime) {
        return files::storeDeskFile(files::FileStore(files.storeDir), files, source, name, mime);
    };
    ApiServer server(&store, options);
    auto port = server.listen(QHostAddress::LocalHost, 0);
    if (!port) {
        std::fprintf(stderr, "bench_files_rest: %s\n", qPrintable(port.error().toString()));
        return 1;
    }
    // The file on disk (a PDF header, then a pattern), so curl streams it from there.
    const QString path = dir.filePath(QStringLiteral("upload.pdf"));
    {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return 1;
        QByteArray chunk(1024 * 1024, Qt::Uninitialized);
        for (int i = 0; i < chunk.size(); ++i)
            chunk[i] = char('a' + (unsigned(i) * 7u) % 26u);
        chunk.replace(0, 9, "%PDF-1.4\n");
        for (int i = 0; i < mb; ++i) {
            chunk[20] = char('A' + i % 26);
            f.write(chunk);
        }
    }
    const QString url =
        QStringLiteral("http://127.0.0.1:%1/api/v1/requests/%2/updates").arg(*port).arg(request->id);
    int failures = 0;
    for (int run = 0; run < runs; ++run) {
        const qint64 before = statusKb("VmRSS:");
        const bool reset = resetPeak();
        QElapsedTimer clock;
        clock.start();
        QProcess curl;
        curl.start(QStringLiteral("curl"),
                   {QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
                    QStringLiteral("-w"), QStringLiteral("%{http_code}"), QStringLiteral("-H"),
                    QStringLiteral("Authorization: Bearer admin-token-0123456789"), QStringLiteral("-H"),
                    QStringLiteral("Expect:"), QStringLiteral("-F"), QStringLiteral("text=bench"),
                    QStringLiteral("-F"), QStringLiteral("author=U1"), QStringLiteral("-F"),
                    QStringLiteral("files=@%1;type=application/pdf").arg(path), url});
        int status = 0;
        QObject::connect(&curl, &QProcess::finished, &app, [&] {
            status = curl.readAllStandardOutput().trimmed().toInt();
            app.quit();
        });
        app.exec();
        const double seconds = clock.elapsed() / 1000.0;
        const qint64 peak = statusKb("VmHWM:");
        const qint64 body = qint64(mb) * 1024 * 1024;
        const qint64 growth = reset ? peak - before : -1;
        QJsonObject out{
            {QStringLiteral("run"), run + 1},
            {QStringLiteral("body_bytes"), body},
            {QStringLiteral("rss_before_kb"), before},
            {QStringLiteral("peak_rss_kb"), peak},
            {QStringLiteral("growth_kb"), growth},
            {QStringLiteral("growth_per_body"), growth >= 0 ? double(growth) * 1024.0 / double(body) : -1.0},
            {QStringLiteral("status"), status},
            {QStringLiteral("seconds"), seconds}};
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        if (status != 201)
            ++failures;
    }
    return failures == 0 ? 0 : 1;
}
