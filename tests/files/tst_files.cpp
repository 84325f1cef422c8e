// Tests of engine/files: the pure detection functions (hostile names, signatures, hosts), the
// content-addressed store, the safe downloader against loopback listeners, and the whole pipeline
// through the Engine against the Slack sandbox (tst_files_flow.cpp).

#include "api/apiserver.h"
#include "files/filedetect.h"
#include "files/filedownloader.h"
#include "files/filestore.h"
#include "files/filetransfers.h"
#include "files/multipart.h"
#include "recordingserver.h"
#include "schemaundo.h"
#include "store/store.h"

#include <QBuffer>
#include <QHttpMultiPart>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace threadline;
using namespace threadline::files;
using threadline::test::RecordingServer;

namespace {

QByteArray pngBytes(int extra = 100)
{
    QByteArray b("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    b += QByteArray(extra, 'x');
    return b;
}

const QByteArray signInPage =
    "<!DOCTYPE html>\n<html><head><title>Slack</title></head><body>Sign in</body></html>";

} // namespace

class TestFiles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sanitizeFileName_data();
    void sanitizeFileName();
    void sanitizeNeverEscapes();
    void sniff_data();
    void sniff();
    void signature_data();
    void signature();
    void hosts_data();
    void hosts();
    void types();
    void storageKeys();
    void byteSizes();

    void storeDeduplicates();
    void storeStreamsAndCaps();
    void storeRejectsForeignKeys();

    void downloadStreamsTheFile();
    void downloadOutsideTheAllowListSendsNothing();
    void redirectOutsideTheAllowListIsNotFollowed();
    void redirectsAreCapped();
    void redirectInsideTheAllowListIsFollowed();
    void htmlInsteadOfImageIsRefused();
    void oversizeIsRefusedBeforeTheBody();
    void notFoundIsPermanentServerErrorIsNot();

    void migrationThreeKeepsEarlierAttachments();

    void multipartParses();
    void multipartHostileBodies_data();
    void multipartHostileBodies();
    void restMultipartAttachesFiles();

private:
    DownloadOutcome download(const QUrl &url, const FilesOptions &options, const QString &mime,
                             const QString &name, QByteArray *stored = nullptr);
    QNetworkAccessManager m_nam;
};

void TestFiles::sanitizeFileName_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << QStringLiteral("report.pdf") << QStringLiteral("report.pdf");
    QTest::newRow("unix traversal") << QStringLiteral("../../etc/passwd") << QStringLiteral("passwd");
    QTest::newRow("windows traversal")
        << QStringLiteral("..\\..\\Windows\\win.ini") << QStringLiteral("win.ini");
    QTest::newRow("only dots") << QStringLiteral("..") << QStringLiteral("file");
    QTest::newRow("trailing slash") << QStringLiteral("dir/") << QStringLiteral("file");
    QTest::newRow("hidden") << QStringLiteral(".bashrc") << QStringLiteral("bashrc");
    QTest::newRow("trailing dots and spaces") << QStringLiteral("name.txt. . ") << QStringLiteral("name.txt");
    QTest::newRow("controls") << QStringLiteral("a\nb\rc\td\x01.png") << QStringLiteral("a_b_c_d_.png");
    QTest::newRow("nul") << QString::fromUtf16(u"a\u0000b.png", 7) << QStringLiteral("a_b.png");
    QTest::newRow("reserved chars") << QStringLiteral("a<b>c:d\"e|f?g*.txt")
                                    << QStringLiteral("a_b_c_d_e_f_g_.txt");
    QTest::newRow("bidi override") << QString::fromUtf16(u"invoice\u202Egnp.exe")
                                   << QStringLiteral("invoice_gnp.exe");
    QTest::newRow("zero width") << QString::fromUtf16(u"a\u200Bb.png") << QStringLiteral("a_b.png");
    QTest::newRow("device name") << QStringLiteral("CON.txt") << QStringLiteral("_CON.txt");
    QTest::newRow("empty") << QString() << QStringLiteral("file");
    QTest::newRow("unicode kept") << QStringLiteral("Chloé — 報告.pdf") << QStringLiteral("Chloé — 報告.pdf");
    QTest::newRow("lone surrogate") << QString(QChar(0xD800)) + QStringLiteral("x.png")
                                    << QStringLiteral("x.png");
    QTest::newRow("whitespace runs") << QStringLiteral("a   b\u00a0c.png") << QStringLiteral("a b c.png");
}

void TestFiles::sanitizeFileName()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(files::sanitizeFileName(input), expected);
}

void TestFiles::sanitizeNeverEscapes()
{
    // Very long names keep their extension and stay within the limit, whatever the characters.
    const QString longName = QString(5000, QLatin1Char('a')) + QStringLiteral(".png");
    const QString cut = files::sanitizeFileName(longName);
    QVERIFY(cut.size() <= 200);
    QVERIFY(cut.endsWith(QLatin1String(".png")));
    QString emoji;
    for (int i = 0; i < 400; ++i)
        emoji += QString::fromUtf16(u"\U0001F600");
    const QString cutEmoji = files::sanitizeFileName(emoji + QStringLiteral(".txt"));
    QVERIFY(cutEmoji.toUcs4().size() <= 200);
    QVERIFY(!cutEmoji.back().isHighSurrogate());
    // Random hostile input never yields a separator, a control character or a dot-only name.
    QList<char16_t> alphabet = {u'/',      u'\\', u'.', u'\0',  u'\n',  u'a',
                                u'\u202e', u' ',  u':', 0xD800, 0xDC00, u'é'};
    quint32 seed = 7;
    for (int round = 0; round < 2000; ++round) {
        QString s;
        const int n = int(seed % 40);
        for (int i = 0; i < n; ++i) {
            seed = seed * 1103515245u + 12345u;
            s += QChar(alphabet.at(int((seed >> 16) % alphabet.size())));
        }
        seed = seed * 1103515245u + 12345u;
        const QString out = files::sanitizeFileName(s);
        QVERIFY2(!out.isEmpty(), qPrintable(s));
        QVERIFY(!out.contains(QLatin1Char('/')) && !out.contains(QLatin1Char('\\')));
        QVERIFY(!out.startsWith(QLatin1Char('.')));
        for (const QChar c : out)
            QVERIFY(c.unicode() >= 0x20 && c.unicode() != 0x202e);
        QCOMPARE(files::sanitizeFileName(out), out); // idempotent
        const int small = 1 + int(seed % 12);
        const QString shortName = files::sanitizeFileName(s, small);
        QVERIFY2(shortName.toUcs4().size() <= small && !shortName.isEmpty(), qPrintable(shortName));
        QCOMPARE(files::sanitizeFileName(shortName, small), shortName);
    }
    QCOMPARE(files::sanitizeFileName(QStringLiteral("CON.txt"), 7), QStringLiteral("_CO.txt"));
    QCOMPARE(files::sanitizeFileName(QStringLiteral("report.pdf"), 3), QStringLiteral("rep"));
}

void TestFiles::sniff_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("mime");
    QTest::newRow("png") << pngBytes() << QStringLiteral("image/png");
    QTest::newRow("jpeg") << QByteArray("\xff\xd8\xff\xe0\0\x10JFIF", 10) << QStringLiteral("image/jpeg");
    QTest::newRow("gif") << QByteArray("GIF89a....") << QStringLiteral("image/gif");
    QTest::newRow("webp") << QByteArray("RIFF\0\0\0\0WEBPVP8 ", 16) << QStringLiteral("image/webp");
    QTest::newRow("pdf") << QByteArray("%PDF-1.7\n%\xe2\xe3") << QStringLiteral("application/pdf");
    QTest::newRow("zip") << QByteArray("PK\x03\x04rest") << QStringLiteral("application/zip");
    QTest::newRow("html") << signInPage << QStringLiteral("text/html");
    QTest::newRow("html with bom and space")
        << QByteArray("\xEF\xBB\xBF  \n<HTML>") << QStringLiteral("text/html");
    QTest::newRow("text") << QByteArray("hello\nworld") << QStringLiteral("text/plain");
    QTest::newRow("binary") << QByteArray("\x01\x02\x03\0\x04", 5)
                            << QStringLiteral("application/octet-stream");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("application/octet-stream");
    QTest::newRow("short png prefix") << QByteArray("\x89PN") << QStringLiteral("application/octet-stream");
    QTest::newRow("invalid utf8") << QByteArray("abc\xff\xfe") << QStringLiteral("application/octet-stream");
}

void TestFiles::sniff()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, mime);
    QCOMPARE(sniffMimeType(bytes), mime);
}

void TestFiles::signature_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("claimed");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("code"); // empty = accepted
    QTest::addColumn<QString>("mime");
    QTest::newRow("png ok") << pngBytes() << QStringLiteral("image/png") << QStringLiteral("a.png")
                            << QString() << QStringLiteral("image/png");
    QTest::newRow("html as png") << signInPage << QStringLiteral("image/png") << QStringLiteral("a.png")
                                 << QStringLiteral("html_instead_of_file") << QString();
    QTest::newRow("html as octet") << signInPage << QStringLiteral("application/octet-stream")
                                   << QStringLiteral("a.bin") << QStringLiteral("html_instead_of_file")
                                   << QString();
    QTest::newRow("html file") << signInPage << QStringLiteral("text/html") << QStringLiteral("page.html")
                               << QString() << QStringLiteral("text/html");
    QTest::newRow("jpeg named png") << QByteArray("\xff\xd8\xff\xe0", 4) << QStringLiteral("image/png")
                                    << QStringLiteral("a.png") << QStringLiteral("signature_mismatch")
                                    << QString();
    QTest::newRow("text claiming image") << QByteArray("just text") << QString() << QStringLiteral("cat.jpg")
                                         << QStringLiteral("signature_mismatch") << QString();
    QTest::newRow("svg is no image") << QByteArray("<svg onload=alert(1)>") << QStringLiteral("image/svg+xml")
                                     << QStringLiteral("x.svg") << QStringLiteral("signature_mismatch")
                                     << QString();
    QTest::newRow("pdf ok") << QByteArray("%PDF-1.4\n") << QStringLiteral("application/pdf")
                            << QStringLiteral("doc.pdf") << QString() << QStringLiteral("application/pdf");
    QTest::newRow("fake pdf") << QByteArray("MZ\x90\0", 4) << QStringLiteral("application/pdf")
                              << QStringLiteral("doc.pdf") << QStringLiteral("signature_mismatch")
                              << QString();
    QTest::newRow("binary as octet") << QByteArray("\x01\x02\0", 3)
                                     << QStringLiteral("application/octet-stream")
                                     << QStringLiteral("blob.bin") << QString()
                                     << QStringLiteral("application/octet-stream");
    QTest::newRow("claimed type with parameters")
        << pngBytes() << QStringLiteral("IMAGE/PNG; q=1") << QStringLiteral("a") << QString()
        << QStringLiteral("image/png");
    QTest::newRow("hostile claimed type")
        << QByteArray("\x01\x02\0", 3) << QStringLiteral("a b/c/d") << QStringLiteral("x") << QString()
        << QStringLiteral("application/octet-stream");
}

void TestFiles::signature()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, claimed);
    QFETCH(QString, name);
    QFETCH(QString, code);
    QFETCH(QString, mime);
    const SignatureVerdict v = checkSignature(bytes, claimed, name);
    QCOMPARE(v.ok, code.isEmpty());
    QCOMPARE(v.code, code);
    if (v.ok)
        QCOMPARE(v.mimeType, mime);
    else
        QVERIFY(!v.reason.isEmpty());
}

void TestFiles::hosts_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QStringList>("allow");
    QTest::addColumn<bool>("allowed");
    const QStringList slack = {QStringLiteral("files.slack.com"), QStringLiteral("*.slack-edge.com")};
    QTest::newRow("slack") << "https://files.slack.com/files-pri/T-F/a.png" << slack << true;
    QTest::newRow("slack port") << "https://files.slack.com:443/x" << slack << true;
    QTest::newRow("http refused") << "http://files.slack.com/x" << slack << false;
    QTest::newRow("other host") << "https://evil.example/x" << slack << false;
    QTest::newRow("suffix trick") << "https://files.slack.com.evil.example/x" << slack << false;
    QTest::newRow("prefix trick") << "https://evilfiles.slack.com/x" << slack << false;
    QTest::newRow("userinfo") << "https://files.slack.com@evil.example/x" << slack << false;
    QTest::newRow("userinfo on slack") << "https://user:pw@files.slack.com/x" << slack << false;
    QTest::newRow("trailing dot") << "https://files.slack.com./x" << slack << false;
    QTest::newRow("upper case") << "https://FILES.SLACK.COM/x" << slack << true;
    QTest::newRow("wildcard sub") << "https://a.slack-edge.com/x" << slack << true;
    QTest::newRow("wildcard bare") << "https://slack-edge.com/x" << slack << false;
    QTest::newRow("relative") << "/files-pri/x" << slack << false;
    QTest::newRow("empty list") << "https://files.slack.com/x" << QStringList() << false;
    const QStringList sandbox = {QStringLiteral("http://127.0.0.1:8080")};
    QTest::newRow("sandbox origin") << "http://127.0.0.1:8080/files-pri/x" << sandbox << true;
    QTest::newRow("sandbox other port") << "http://127.0.0.1:8081/files-pri/x" << sandbox << false;
    QTest::newRow("sandbox https") << "https://127.0.0.1:8080/x" << sandbox << false;
    QTest::newRow("file scheme") << "file:///etc/passwd" << slack << false;
}

void TestFiles::hosts()
{
    QFETCH(QString, url);
    QFETCH(QStringList, allow);
    QFETCH(bool, allowed);
    QCOMPARE(hostAllowed(QUrl(url), allow), allowed);
}

void TestFiles::types()
{
    QVERIFY(typeAllowed(QStringLiteral("image/png"), {}));
    QVERIFY(typeAllowed(QStringLiteral("image/png"), {QStringLiteral("image/*")}));
    QVERIFY(typeAllowed(QStringLiteral("Image/PNG; x=1"), {QStringLiteral("image/png")}));
    QVERIFY(!typeAllowed(QStringLiteral("application/pdf"), {QStringLiteral("image/*")}));
    QVERIFY(!typeAllowed(QStringLiteral("imagex/png"), {QStringLiteral("image/*")}));
    QVERIFY(typeAllowed(QStringLiteral("application/zip"), {QStringLiteral("*/*")}));
    QVERIFY(!typeAllowed(QString(), {QStringLiteral("image/*")}));
}

void TestFiles::storageKeys()
{
    const QString sha = QString(64, QLatin1Char('a'));
    QCOMPARE(storageKeyFor(sha), QStringLiteral("sha256/aa/") + sha);
    QVERIFY(isValidStorageKey(storageKeyFor(sha)));
    QVERIFY(storageKeyFor(QStringLiteral("../../x")).isEmpty());
    QVERIFY(storageKeyFor(QString(64, QLatin1Char('A'))).isEmpty());
    QVERIFY(!isValidStorageKey(QStringLiteral("sha256/aa/../../../etc/passwd")));
    QVERIFY(!isValidStorageKey(QStringLiteral("sha256/ab/") + sha)); // prefix must match
    QVERIFY(!isValidStorageKey(QString()));
}

void TestFiles::byteSizes()
{
    QCOMPARE(parseByteSize(QStringLiteral("100M")), 100LL << 20);
    QCOMPARE(parseByteSize(QStringLiteral("2 GiB")), 2LL << 30);
    QCOMPARE(parseByteSize(QStringLiteral("512k")), 512LL << 10);
    QCOMPARE(parseByteSize(QStringLiteral("2048")), 2048LL);
    QCOMPARE(parseByteSize(QStringLiteral("-1")), -1LL);
    QCOMPARE(parseByteSize(QStringLiteral("1e9")), -1LL);
    QCOMPARE(parseByteSize(QStringLiteral("999999999999999T")), -1LL);
}

void TestFiles::storeDeduplicates()
{
    QTemporaryDir dir;
    FileStore store(dir.filePath(QStringLiteral("files")));
    QBuffer a;
    a.setData(pngBytes(5000));
    a.open(QIODevice::ReadOnly);
    auto first = store.storeFrom(a);
    QVERIFY2(first, qPrintable(first.error().toString()));
    QVERIFY(!first->deduplicated);
    QCOMPARE(first->size, 5016);
    QVERIFY(isSha256Hex(first->sha256));
    QVERIFY(store.contains(first->storageKey));
    QBuffer b;
    b.setData(pngBytes(5000));
    b.open(QIODevice::ReadOnly);
    auto second = store.storeFrom(b);
    QVERIFY(second);
    QVERIFY(second->deduplicated);
    QCOMPARE(second->storageKey, first->storageKey);
    // No temporary is left behind, and the stored bytes are the input.
    QCOMPARE(QDir(store.root() + QStringLiteral("/tmp")).entryList(QDir::Files).size(), 0);
    auto opened = store.open(first->storageKey);
    QVERIFY(opened);
    QCOMPARE(opened.value()->readAll(), pngBytes(5000));
}

void TestFiles::storeStreamsAndCaps()
{
    QTemporaryDir dir;
    FileStore store(dir.filePath(QStringLiteral("files")));
    QBuffer big;
    big.setData(QByteArray(3 * 1024 * 1024, 'z'));
    big.open(QIODevice::ReadOnly);
    auto refused = store.storeFrom(big, 1024 * 1024);
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::TooLarge);
    QCOMPARE(QDir(store.root() + QStringLiteral("/tmp")).entryList(QDir::Files).size(), 0);
    auto staged = store.stage();
    QVERIFY(staged);
    QVERIFY(staged.value()->write(QByteArray("abc")));
    QVERIFY(staged.value()->reset());
    QVERIFY(staged.value()->write(QByteArray("hello")));
    auto committed = store.commit(*staged.value());
    QVERIFY(committed);
    QCOMPARE(committed->sha256,
             QStringLiteral("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
}

void TestFiles::storeRejectsForeignKeys()
{
    QTemporaryDir dir;
    FileStore store(dir.filePath(QStringLiteral("files")));
    QVERIFY(store.pathFor(QStringLiteral("../threadline.db")).isEmpty());
    QVERIFY(!store.open(QStringLiteral("/etc/passwd")));
    QCOMPARE(store.open(QStringLiteral("sha256/aa/") + QString(64, QLatin1Char('a'))).error().code,
             ErrorCode::NotFound);
}

DownloadOutcome TestFiles::download(const QUrl &url, const FilesOptions &options, const QString &mime,
                                    const QString &name, QByteArray *stored)
{
    QTemporaryDir dir;
    FileStore store(dir.filePath(QStringLiteral("files")));
    auto staged = store.stage();
    if (!staged)
        return {};
    FileDownloader downloader(&m_nam, options);
    std::optional<DownloadOutcome> outcome;
    downloader.start(url, QStringLiteral("xoxb-secret-token"), staged.value().get(), mime, name,
                     [&](const DownloadOutcome &o) { outcome = o; });
    if (!QTest::qWaitFor([&] { return outcome.has_value(); }, 10000))
        return {};
    if (stored && outcome->ok) {
        auto committed = store.commit(*staged.value());
        if (committed) {
            auto f = store.open(committed->storageKey);
            if (f)
                *stored = f.value()->readAll();
        }
    }
    return *outcome;
}

void TestFiles::downloadStreamsTheFile()
{
    RecordingServer slack;
    QByteArray body = pngBytes(2 * 1024 * 1024);
    slack.route("/files-pri/T-F1/download/a.png", {200, "image/png", body, {}});
    FilesOptions options;
    options.downloadHosts = {QString::fromLatin1(slack.origin())};
    QByteArray stored;
    const auto outcome =
        download(QUrl(QString::fromLatin1(slack.origin() + "/files-pri/T-F1/download/a.png")), options,
                 QStringLiteral("image/png"), QStringLiteral("a.png"), &stored);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.toString()));
    QCOMPARE(outcome.mimeType, QStringLiteral("image/png"));
    QCOMPARE(stored, body);
    QCOMPARE(slack.requests().size(), 1);
    QCOMPARE(slack.requests().first().authorization, QByteArray("Bearer xoxb-secret-token"));
}

void TestFiles::downloadOutsideTheAllowListSendsNothing()
{
    RecordingServer evil;
    evil.route("/steal.png", {200, "image/png", pngBytes(), {}});
    FilesOptions options; // default allow-list: files.slack.com only
    const auto outcome = download(QUrl(QString::fromLatin1(evil.origin() + "/steal.png")), options,
                                  QStringLiteral("image/png"), QStringLiteral("a.png"));
    QVERIFY(!outcome.ok);
    QVERIFY(outcome.permanent);
    QCOMPARE(outcome.error.detail, QStringLiteral("host_not_allowed"));
    QTest::qWait(50);
    QCOMPARE(evil.requests().size(), 0); // not even a request without the token
    QVERIFY(!outcome.error.message.contains(QLatin1String("xoxb")));
}

void TestFiles::redirectOutsideTheAllowListIsNotFollowed()
{
    RecordingServer slack;
    RecordingServer evil;
    evil.route("/x.png", {200, "image/png", pngBytes(), {}});
    slack.route("/files-pri/T-F1/a.png", {302, "text/html", "", {{"Location", evil.origin() + "/x.png"}}});
    FilesOptions options;
    options.downloadHosts = {QString::fromLatin1(slack.origin())};
    const auto outcome = download(QUrl(QString::fromLatin1(slack.origin() + "/files-pri/T-F1/a.png")),
                                  options, QStringLiteral("image/png"), QStringLiteral("a.png"));
    QVERIFY(!outcome.ok);
    QVERIFY(outcome.permanent);
    QCOMPARE(outcome.error.detail, QStringLiteral("redirect_not_allowed"));
    QTest::qWait(50);
    QCOMPARE(evil.requests().size(), 0);
    QVERIFY(!evil.sawAuthorization());
}

void TestFiles::redirectsAreCapped()
{
    RecordingServer slack;
    slack.route("/loop", {302, "text/plain", "", {{"Location", "/loop"}}});
    FilesOptions options;
    options.downloadHosts = {QString::fromLatin1(slack.origin())};
    options.maxRedirects = 3;
    const auto outcome = download(QUrl(QString::fromLatin1(slack.origin() + "/loop")), options,
                                  QStringLiteral("image/png"), QStringLiteral("a.png"));
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.detail, QStringLiteral("too_many_redirects"));
    QCOMPARE(slack.requests().size(), 4); // the request and three redirects
}

void TestFiles::redirectInsideTheAllowListIsFollowed()
{
    RecordingServer first;
    RecordingServer second;
    second.route("/real.pdf", {200, "application/pdf", "%PDF-1.5\nbody", {}});
    first.route("/a.pdf", {301, "text/plain", "", {{"Location", second.origin() + "/real.pdf"}}});
    FilesOptions options;
    options.downloadHosts = {QString::fromLatin1(first.origin()), QString::fromLatin1(second.origin())};
    QByteArray stored;
    const auto outcome = download(QUrl(QString::fromLatin1(first.origin() + "/a.pdf")), options,
                                  QStringLiteral("application/pdf"), QStringLiteral("a.pdf"), &stored);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.toString()));
    QCOMPARE(stored, QByteArray("%PDF-1.5\nbody"));
    QCOMPARE(second.requests().size(), 1);
}

void TestFiles::htmlInsteadOfImageIsRefused()
{
    RecordingServer slack;
    slack.route("/a.png", {200, "text/html; charset=utf-8", signInPage, {}});
    slack.route("/b.png", {200, "image/png", signInPage, {}}); // lying header too
    FilesOptions options;
    options.downloadHosts = {QString::fromLatin1(slack.origin())};
    for (const char *path : {"/a.png", "/b.png"}) {
        const auto outcome = download(QUrl(QString::fromLatin1(slack.origin() + path)), options,
                                      QStringLiteral("image/png"), QStringLiteral("a.png"));
        QVERIFY(!outcome.ok);
        QVERIFY(outcome.permanent);
        QCOMPARE(outcome.error.detail, QStringLiteral("html_instead_of_file"));
    }
}

void TestFiles::oversizeIsRefusedBeforeTheBody()
{
    RecordingServer slack;
    slack.route("/big.bin", {200, "application/octet-stream", QByteArray(200 * 1024, '\1'), {}});
    FilesOptions options;
    options.downloadHosts = {QString::fromLatin1(slack.origin())};
    options.maxBytes = 100 * 1024;
    const auto outcome = download(QUrl(QString::fromLatin1(slack.origin() + "/big.bin")), options,
                                  QStringLiteral("application/octet-stream"), QStringLiteral("big.bin"));
    QVERIFY(!outcome.ok);
    QVERIFY(outcome.permanent);
    QCOMPARE(outcome.error.detail, QStringLiteral("file_too_large"));
}

void TestFiles::notFoundIsPermanentServerErrorIsNot()
{
    RecordingServer slack;
    slack.route("/down.bin", {503, "text/plain", "busy", {}});
    FilesOptions options;
    options.downloadHosts = {QString::fromLatin1(slack.origin())};
    auto outcome = download(QUrl(QString::fromLatin1(slack.origin() + "/gone.bin")), options, QString(),
                            QStringLiteral("gone.bin"));
    QVERIFY(!outcome.ok);
    QVERIFY(outcome.permanent);
    QCOMPARE(outcome.error.detail, QStringLiteral("http_404"));
    outcome = download(QUrl(QString::fromLatin1(slack.origin() + "/down.bin")), options, QString(),
                       QStringLiteral("down.bin"));
    QVERIFY(!outcome.ok);
    QVERIFY(!outcome.permanent);
    QCOMPARE(outcome.error.detail, QStringLiteral("http_503"));
}

void TestFiles::migrationThreeKeepsEarlierAttachments()
{
    // A version 2 database (before the files pipeline) with an attachment: version 3 adds the transfer state
    // (existing attachments are `stored`) and file_shares, and keeps the row.
    QTemporaryDir dir;
    const QString url = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("v1.db"));
    {
        Store store;
        QVERIFY(store.open(url));
        auto p = store.upsertPerson({QStringLiteral("U1"), QStringLiteral("Rita"), {}, false});
        QVERIFY(p);
        auto r = store.createRequest({QStringLiteral("t"), QStringLiteral("b"), p->id, 0, 0, {}, 0});
        QVERIFY(r);
        NewUpdate n;
        n.requestId = r->id;
        n.authorId = p->id;
        n.text = QStringLiteral("with a file");
        Attachment a;
        a.name = QStringLiteral("a.png");
        a.mimeType = QStringLiteral("image/png");
        a.size = 3;
        a.sha256 = QString(64, QLatin1Char('a'));
        a.storageKey = storageKeyFor(a.sha256);
        n.attachments = {a};
        QVERIFY(store.postUpdate(n));
        // Back to the version 2 shape.
        QSqlQuery q(store.database());
        QVERIFY(q.exec(QStringLiteral("DROP TABLE file_shares")));
        for (const char *column : {"state", "last_error", "slack_file_id"})
            QVERIFY2(
                q.exec(QStringLiteral("ALTER TABLE attachments DROP COLUMN %1").arg(QLatin1String(column))),
                qPrintable(q.lastError().text()));
        QVERIFY(q.exec(QStringLiteral("DROP TABLE idempotency_keys"))); // version 4
        QVERIFY(q.exec(QStringLiteral("DROP TABLE slack_users")));      // version 5
        QVERIFY(test::undoSchemaVersionSix(store));                     // version 6
        QVERIFY(q.exec(QStringLiteral("UPDATE threadline_schema SET version = 2")));
    }
    Store store;
    QVERIFY(store.open(url));
    QVERIFY(Store::latestSchemaVersion() >= 3);
    QCOMPARE(store.schemaVersion().value(), Store::latestSchemaVersion());
    auto t = store.timeline(1);
    QVERIFY(t);
    QCOMPARE(t->updates.first().attachments.size(), 1);
    QCOMPARE(t->updates.first().attachments.first().state, QStringLiteral("stored"));
    QCOMPARE(t->updates.first().attachments.first().name, QStringLiteral("a.png"));
    QSqlQuery q(store.database());
    QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM file_shares")));
}

void TestFiles::multipartParses()
{
    const QByteArray body =
        "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b\\\".png\"\r\n"
        "Content-Type: image/png\r\n\r\n\x89PNG\r\n--X\r\n--XyZ\r\n"
        "Content-Disposition: form-data; name=\"f2\"; filename*=UTF-8''%C3%A9t%C3%A9.txt\r\n\r\n"
        "\r\n--XyZ--\r\nepilogue";
    auto parts = parseMultipart("multipart/form-data; boundary=XyZ", body);
    QVERIFY2(parts, qPrintable(parts.error().toString()));
    QCOMPARE(parts->size(), 3);
    QCOMPARE(parts->at(0).name, QStringLiteral("text"));
    QVERIFY(!parts->at(0).isFile);
    QCOMPARE(parts->at(0).data, QByteArray("hello"));
    QVERIFY(parts->at(1).isFile);
    QCOMPARE(parts->at(1).fileName, QStringLiteral("a;b\".png"));
    QCOMPARE(parts->at(1).contentType, QByteArray("image/png"));
    QCOMPARE(parts->at(1).data, QByteArray("\x89PNG\r\n--X")); // a near-boundary inside the data
    QCOMPARE(parts->at(2).fileName, QStringLiteral("été.txt"));
    QCOMPARE(parts->at(2).data, QByteArray());
    auto quoted =
        parseMultipart("multipart/form-data; boundary=\"a b\"", "--a b\r\nContent-Disposition: form-data; "
                                                                "name=x\r\n\r\n1\r\n--a b--");
    QVERIFY(quoted);
    QCOMPARE(quoted->first().name, QStringLiteral("x"));
}

void TestFiles::multipartHostileBodies_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    const QByteArray ct = "multipart/form-data; boundary=B";
    QTest::newRow("not multipart") << QByteArray("application/json") << QByteArray("{}");
    QTest::newRow("no boundary") << QByteArray("multipart/form-data") << QByteArray("--B\r\n");
    QTest::newRow("long boundary") << QByteArray("multipart/form-data; boundary=") + QByteArray(71, 'b')
                                   << QByteArray("x");
    QTest::newRow("boundary absent") << ct << QByteArray("nothing here");
    QTest::newRow("no closing") << ct
                                << QByteArray("--B\r\nContent-Disposition: form-data; name=a\r\n\r\nxx");
    QTest::newRow("no disposition") << ct << QByteArray("--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--");
    QTest::newRow("not form-data") << ct
                                   << QByteArray("--B\r\nContent-Disposition: attachment\r\n\r\nx\r\n--B--");
    QTest::newRow("garbage after delimiter") << ct << QByteArray("--Bxx");
    QByteArray many;
    for (int i = 0; i < 40; ++i)
        many += "--B\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n";
    QTest::newRow("too many parts") << ct << many + "--B--";
    QTest::newRow("empty") << ct << QByteArray();
}

void TestFiles::multipartHostileBodies()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    auto r = parseMultipart(contentType, body);
    QVERIFY(!r);
    QCOMPARE(r.error().code, ErrorCode::Invalid);
    QVERIFY(!r.error().message.isEmpty());
}

void TestFiles::restMultipartAttachesFiles()
{
    // POST /api/v1/requests/{id}/updates with multipart: the files go through the files store
    // (checked like Slack files) and become the update's attachments.
    QTemporaryDir dir;
    Store store;
    QVERIFY(store.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("t.db"))));
    auto p = store.upsertPerson({QStringLiteral("U1"), QStringLiteral("Rita"), {}, true});
    auto r = store.createRequest({QStringLiteral("t"), QStringLiteral("b"), p->id, 0, 0, {}, 0});
    QVERIFY(r);
    FilesOptions files;
    files.storeDir = dir.filePath(QStringLiteral("files"));
    files.maxBytes = 64 * 1024;
    ApiOptions options;
    options.adminToken = QStringLiteral("admin-token-0123456789");
    options.maxBodyBytes = 1024 * 1024;
    options.storeFile = [&files](QIODevice &source, const QString &name, const QString &mime) {
        return storeDeskFile(FileStore(files.storeDir), files, source, name, mime);
    };
    ApiServer server(&store, options);
    auto port = server.listen(QHostAddress::LocalHost, 0);
    QVERIFY(port);
    auto post = [&](const QString &path, const QList<QPair<QString, QByteArray>> &fields,
                    const QList<std::tuple<QString, QByteArray, QByteArray>> &fileParts)
        -> std::pair<int, QJsonObject> {
        auto *multi = new QHttpMultiPart(QHttpMultiPart::FormDataType);
        for (const auto &[name, value] : fields) {
            QHttpPart part;
            part.setHeader(QNetworkRequest::ContentDispositionHeader,
                           QStringLiteral("form-data; name=\"%1\"").arg(name));
            part.setBody(value);
            multi->append(part);
        }
        for (const auto &[name, mime, data] : fileParts) {
            QHttpPart part;
            part.setHeader(QNetworkRequest::ContentDispositionHeader,
                           QStringLiteral("form-data; name=\"files\"; filename=\"%1\"").arg(name));
            part.setHeader(QNetworkRequest::ContentTypeHeader, mime);
            part.setBody(data);
            multi->append(part);
        }
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(*port).arg(path)));
        request.setRawHeader("Authorization", "Bearer admin-token-0123456789");
        QNetworkReply *reply = m_nam.post(request, multi);
        multi->setParent(reply);
        if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000))
            return {0, {}};
        reply->deleteLater();
        return std::make_pair(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                              QJsonDocument::fromJson(reply->readAll()).object());
    };
    const QString updates = QStringLiteral("/api/v1/requests/%1/updates").arg(r->id);
    auto [status, json] =
        post(updates, {{QStringLiteral("text"), "see attached"}, {QStringLiteral("author"), "U1"}},
             {{QStringLiteral("../shot.png"), "image/png", pngBytes(300)},
              {QStringLiteral("notes.pdf"), "application/pdf", "%PDF-1.4\n"}});
    QCOMPARE(status, 201);
    const QJsonArray atts = json.value(QStringLiteral("attachments")).toArray();
    QCOMPARE(atts.size(), 2);
    QCOMPARE(atts.at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("shot.png"));
    auto t = store.timeline(r->id);
    QCOMPARE(t->updates.first().attachments.size(), 2);
    QVERIFY(FileStore(files.storeDir).contains(t->updates.first().attachments.first().storageKey));
    // Refusals: too large (413), HTML posing as an image (422); nothing is posted.
    std::tie(status, json) =
        post(updates, {{QStringLiteral("text"), "big"}, {QStringLiteral("author"), "U1"}},
             {{QStringLiteral("big.bin"), "application/octet-stream", QByteArray(100 * 1024, 'x')}});
    QCOMPARE(status, 413);
    std::tie(status, json) =
        post(updates, {{QStringLiteral("text"), "fake"}, {QStringLiteral("author"), "U1"}},
             {{QStringLiteral("x.png"), "image/png", "<html><body>sign in</body></html>"}});
    QCOMPARE(status, 422);
    QVERIFY(json.value(QStringLiteral("message")).toString().contains(QStringLiteral("HTML")));
    // Multipart anywhere else is refused.
    std::tie(status, json) = post(QStringLiteral("/api/v1/requests"), {{QStringLiteral("title"), "t"}}, {});
    QCOMPARE(status, 415);
    QCOMPARE(store.timeline(r->id)->updates.size(), 1);
}

QTEST_GUILESS_MAIN(TestFiles)
#include "tst_files.moc"
