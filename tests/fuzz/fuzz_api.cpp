// REST API request bodies, through the real ApiServer (routing, authentication, the JSON validation
// of every write route, the store) on a throwaway SQLite database, over loopback HTTP.
//
// Input: byte 0 picks the route, byte 1 the credentials, the rest is the body (for GET and DELETE
// routes it is put in the path or the query). Route 0xff sends the rest as a raw HTTP request.
// Invariants: never a 5xx, every error is a JSON object with "error" and "message", a request
// without a valid token never gets past 401, an agent never reaches an admin route.

#include "fuzzsupport.h"

#include "api/apiserver.h"
#include "api/tokenstore.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>

using namespace threadline;

namespace {

const QByteArray AdminToken = "tl-fuzz-admin-token-0123456789abcdef";

struct Harness
{
    QTemporaryDir dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<ApiServer> server;
    QByteArray agentToken;
    QByteArray revokedToken;
    quint16 port = 0;
};

Harness *harness = nullptr;

struct Response
{
    int status = 0;
    QByteArray body;
    bool complete = false;
};

Response exchange(const QByteArray &request, int timeoutMs)
{
    Response response;
    QTcpSocket socket;
    QByteArray received;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, [&] {
        received += socket.readAll();
        const qsizetype end = received.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QByteArray head = received.left(end).toLower();
        const qsizetype cl = head.indexOf("\r\ncontent-length:");
        qint64 length = 0;
        if (cl >= 0) {
            const qsizetype lineEnd = head.indexOf("\r\n", cl + 2);
            length = head.mid(cl + 17, lineEnd < 0 ? -1 : lineEnd - cl - 17).trimmed().toLongLong();
        }
        if (received.size() - end - 4 >= length) {
            response.complete = true;
            response.body = received.mid(end + 4, length);
            loop.quit();
        }
    });
    socket.connectToHost(QStringLiteral("127.0.0.1"), harness->port);
    socket.write(request);
    timer.start(timeoutMs);
    loop.exec();
    if (received.startsWith("HTTP/1.1 "))
        response.status = received.mid(9, 3).toInt();
    socket.abort();
    return response;
}

QByteArray httpRequest(const QByteArray &method, const QByteArray &path, const QByteArray &token,
                       const QByteArray &body)
{
    QByteArray r = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!token.isEmpty())
        r += "Authorization: Bearer " + token + "\r\n";
    if (method == "POST" || method == "PATCH")
        r += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    r += "\r\n";
    if (method == "POST" || method == "PATCH")
        r += body;
    return r;
}

struct Route
{
    const char *method;
    const char *path; //!< "%s" is replaced by the percent-encoded body
    bool admin;
};

const Route Routes[] = {
    {"POST", "/api/v1/requests", false},
    {"PATCH", "/api/v1/requests/1", false},
    {"POST", "/api/v1/requests/1/updates", false},
    {"PATCH", "/api/v1/updates/1", false},
    {"POST", "/api/v1/requests/1/followers", false},
    {"DELETE", "/api/v1/requests/1/followers/%s", false},
    {"GET", "/api/v1/requests?%s", false},
    {"GET", "/api/v1/requests/%s", false},
    {"GET", "/api/v1/people/%s", false},
    {"POST", "/api/v1/people", true},
    {"POST", "/api/v1/tokens", true},
    {"POST", "/api/v1/requests", false},
    {"POST", "/api/v1/requests/1/updates", false},
};
constexpr int RouteCount = int(sizeof(Routes) / sizeof(Routes[0]));

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static int appArgc = 1;
    static char name[] = "fuzz_api";
    static char *appArgv[] = {name, nullptr};
    (void)argc;
    (void)argv;
    new QCoreApplication(appArgc, appArgv);
    qputenv("QT_LOGGING_RULES", "*.debug=false;*.info=false;*.warning=false");
    harness = new Harness;
    harness->store = std::make_unique<Store>();
    const auto opened =
        harness->store->open(QStringLiteral("sqlite:") + harness->dir.filePath(QStringLiteral("fuzz.db")));
    if (!opened.ok())
        threadline::fuzz::fail("store opens", __FILE__, __LINE__, opened.error().toString());
    auto alice = harness->store->upsertPerson(
        {QStringLiteral("U0ALICE"), QStringLiteral("Alice"), QStringLiteral("alice@example.com"), false});
    auto bob = harness->store->upsertPerson(
        {QStringLiteral("U0BOB"), QStringLiteral("Bob"), QStringLiteral("bob@example.com"), true});
    if (!alice || !bob)
        threadline::fuzz::fail("people", __FILE__, __LINE__, {});
    TokenStore tokens(*harness->store);
    auto agent = tokens.create(bob->id, QStringLiteral("fuzz"));
    auto revoked = tokens.create(bob->id, QStringLiteral("revoked"));
    if (!agent || !revoked || !tokens.revoke(revoked->first.id))
        threadline::fuzz::fail("tokens", __FILE__, __LINE__, {});
    harness->agentToken = agent->second.toLatin1();
    harness->revokedToken = revoked->second.toLatin1();
    ApiOptions options;
    options.adminToken = QString::fromLatin1(AdminToken);
    options.maxBodyBytes = 64 * 1024;
    harness->server = std::make_unique<ApiServer>(harness->store.get(), options);
    const auto port = harness->server->listen(QHostAddress::LocalHost, 0);
    if (!port.ok())
        threadline::fuzz::fail("listen", __FILE__, __LINE__, port.error().toString());
    harness->port = port.value();
    const Response seeded = exchange(
        httpRequest("POST", "/api/v1/requests", harness->agentToken,
                    R"({"title":"Laptop","body":"screen","requester":"U0ALICE","followers":["U0BOB"]})"),
        5000);
    if (seeded.status != 201)
        threadline::fuzz::fail("seed request", __FILE__, __LINE__, QString::fromUtf8(seeded.body));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const QByteArray rest = threadline::fuzz::bytes(data + 2, size - 2);
    if (data[0] == 0xff) {
        // Raw HTTP: anything goes, short wait (a request announcing more body than it sends waits).
        (void)exchange(rest, 50);
        return 0;
    }
    const Route &route = Routes[data[0] % RouteCount];
    QByteArray token;
    int credentials = data[1] % 5;
    switch (credentials) {
    case 0:
    case 1:
        token = harness->agentToken;
        break;
    case 2:
        token = AdminToken;
        break;
    case 3:
        token = harness->revokedToken;
        break;
    default:
        break; // none
    }
    QByteArray path = route.path;
    if (path.contains("%s"))
        path.replace("%s", QUrl::toPercentEncoding(QString::fromUtf8(rest), "=&"));
    const Response r = exchange(httpRequest(route.method, path, token, rest), 5000);

    const QString context = QString::fromLatin1(route.method) + QLatin1Char(' ') + QString::fromUtf8(path) +
                            QStringLiteral(" → ") + QString::number(r.status) + QLatin1Char(' ') +
                            QString::fromUtf8(r.body);
    FUZZ_CHECK(r.complete, context);
    FUZZ_CHECK(r.status >= 200 && r.status < 500, context);
    // Without a valid token nothing gets past authentication: 401, or 404 for a path that names no
    // route at all (routes are matched before the token is checked; no id or data is looked up).
    if (credentials >= 3)
        FUZZ_CHECK(r.status == 401 || (r.status == 404 && r.body.contains("No such route")), context);
    if (route.admin && credentials <= 1) // (an admin may have changed Bob: 401 is a refusal too)
        FUZZ_CHECK(r.status == 403 || r.status == 401, context);
    if (r.status >= 400) {
        const QJsonObject error = QJsonDocument::fromJson(r.body).object();
        FUZZ_CHECK(error.value(QStringLiteral("error")).isString() &&
                       error.value(QStringLiteral("message")).isString(),
                   context);
        FUZZ_CHECK(!r.body.contains(AdminToken) && !r.body.contains(harness->agentToken), context);
    }
    return 0;
}
