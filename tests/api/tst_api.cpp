// REST + WebSocket API tests over real loopback HTTP (QNetworkAccessManager, QWebSocket, raw TCP),
// on SQLite and PostgreSQL. Invariants: every route answers JSON errors with the documented codes,
// nothing is written on a refused request, a stale version never overwrites, text is stored
// verbatim, keyset paging visits every request once, and every change reaches every stream client.

#include "api/apiclient.h"
#include "api/apiserver.h"
#include "api/tokenstore.h"
#include "files/filestore.h"
#include "postgresschemas.h"
#include "store/databaseurl.h"
#include "store/store.h"
#include "testsupport.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>

using namespace threadline;
using threadline::test::lit;

namespace {

struct Answer
{
    int status = 0;
    QByteArray body;
    QJsonObject json;
    QHash<QByteArray, QByteArray> headers; //!< lower-case names
    QString error() const { return json.value(lit("error")).toString(); }
    QString field() const { return json.value(lit("field")).toString(); }
};

const QByteArray AdminToken = "admin-test-token-0123456789abcdef";

//! A stream client that records every JSON message it receives.
struct StreamClient
{
    QWebSocket socket;
    QList<QJsonObject> messages;
    int closeCode = -1;

    StreamClient()
    {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket, [this](const QString &text) {
            messages << QJsonDocument::fromJson(text.toUtf8()).object();
        });
        QObject::connect(&socket, &QWebSocket::disconnected, &socket,
                         [this] { closeCode = int(socket.closeCode()); });
    }
    QStringList types() const
    {
        QStringList out;
        for (const QJsonObject &m : messages)
            out << m.value(QStringLiteral("type")).toString();
        return out;
    }
};

} // namespace

class TestApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void healthReadinessMetrics();
    void everyRouteWithGoodInput();
    void refusesMissingBadAndRevokedTokens_data();
    void refusesMissingBadAndRevokedTokens();
    void agentCannotReachAdminRoutes_data();
    void agentCannotReachAdminRoutes();
    void agentActsAsThemself();
    void routeTableMatchesTheDocumentation();
    void everyRouteRefusesBadInput_data();
    void everyRouteRefusesBadInput();
    void refusesBadBodies_data();
    void refusesBadBodies();
    void refusesOversizeBodies_data();
    void refusesOversizeBodies();
    void unknownIdsAre404_data();
    void unknownIdsAre404();
    void staleVersionsConflict();
    void sqlMetacharactersStoredVerbatim();
    void keysetPagingVisitsEveryRequestOnce();
    void listFilters();
    void streamDeliversEveryChangeToEveryClient();
    void streamRefusesBadTokensWithCloseCode();
    void syncRoutesSayTheEngineIsNotRunning();
    void retryRoutesReachTheEngine();
    void peopleListPagesAndRefusesBadInput();
    void slowStreamClientIsClosed();
    void connectionLimit();
    void docExamplesReplay();
    void apiClientRoundTrip();
    void apiStreamClientReconnectsAndStopsOnRefusal();
    void idempotentWritesStoreOnce_data();
    void idempotentWritesStoreOnce();
    void idempotencyKeyReusedForAnotherRequest();
    void idempotentRetryRunsOnce();
    void lostAnswerRetryStoresOnce_data();
    void lostAnswerRetryStoresOnce();
    void hostileIdempotencyKeys_data();
    void hostileIdempotencyKeys();
    void idempotencyKeysExpire();
    void apiClientRetriesAWriteWhoseAnswerWasLost();
    void attachmentContentStreamsStoredBytes();
    void attachmentContentRefusesHostileInput_data();
    void attachmentContentRefusesHostileInput();
    void apiClientFetchesAttachmentContent();
    void attachmentContentSurvivesClientsLeavingMidFile();

private:
    //! A request with an update carrying a stored PNG-named file (\a bytes), a refused file and a
    //! stored file on a deleted update; the files store is m_dir/files. Returns the attachment ids.
    struct AttachmentFixture
    {
        qint64 stored = 0, refused = 0, deleted = 0, missing = 0;
        QByteArray bytes;
    };
    AttachmentFixture attachmentFixture();
    QString newUrl(const QString &backend);
    Answer call(const QByteArray &method, const QString &path, const QByteArray &token = AdminToken,
                const QByteArray &body = {}, const QList<QPair<QByteArray, QByteArray>> &headers = {});
    Answer callJson(const QByteArray &method, const QString &path, const QJsonObject &body,
                    const QByteArray &token = AdminToken)
    {
        return call(method, path, token, QJsonDocument(body).toJson(QJsonDocument::Compact));
    }
    QByteArray rawExchange(const QByteArray &request);
    qint64 createRequest(const QString &title, const QByteArray &token = AdminToken);
    //! Row counts and versions of every desk table a write changes: equal means nothing was written.
    QString deskState();
    qint64 count(const QString &sql, const QVariantList &binds = {});
    QUrl url(const QString &path) const { return m_server->baseUrl().resolved(QUrl(path)); }

    QTemporaryDir m_dir;
    test::PostgresSchemas m_pg{QStringLiteral("api")};
    int m_counter = 0;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<ApiServer> m_server;
    QNetworkAccessManager *m_nam = nullptr;
    QByteArray m_agentToken; //!< U0BOB, an agent
    QByteArray m_otherToken; //!< U0CAROL, an agent
    qint64 m_agentTokenId = 0;
    qint64 m_otherTokenId = 0;
};

void TestApi::initTestCase_data()
{
    test::addBackendRows();
}

void TestApi::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_nam = new QNetworkAccessManager(this);
}

QString TestApi::newUrl(const QString &backend)
{
    ++m_counter;
    return m_pg.newUrl(backend, m_dir.filePath(QStringLiteral("api-%1.db").arg(m_counter)));
}

void TestApi::init()
{
    THREADLINE_BACKEND_OR_SKIP();
    QFETCH_GLOBAL(QString, backend);
    m_store = std::make_unique<Store>();
    auto opened = m_store->open(newUrl(backend));
    QVERIFY2(opened.ok(), qPrintable(opened.error().toString()));
    QVERIFY(m_store->upsertPerson({lit("U0ALICE"), lit("Alice"), lit("alice@example.com"), false}));
    auto bob = m_store->upsertPerson({lit("U0BOB"), lit("Bob"), lit("bob@example.com"), true});
    auto carol = m_store->upsertPerson({lit("U0CAROL"), lit("Carol"), {}, true});
    auto dave = m_store->upsertPerson({lit("U0DAVE"), lit("Dave"), {}, false});
    auto team = m_store->upsertTeam(lit("IT"));
    QVERIFY(bob && carol && dave && team);
    QVERIFY(m_store->addTeamMember(team->id, dave->id));
    TokenStore tokens(*m_store);
    auto t1 = tokens.create(bob->id, lit("bob laptop"));
    auto t2 = tokens.create(carol->id, lit("carol"));
    QVERIFY(t1 && t2);
    m_agentToken = t1->second.toLatin1();
    m_agentTokenId = t1->first.id;
    m_otherToken = t2->second.toLatin1();
    m_otherTokenId = t2->first.id;

    ApiOptions options;
    options.adminToken = QString::fromLatin1(AdminToken);
    options.maxBodyBytes = 64 * 1024;
    m_server = std::make_unique<ApiServer>(m_store.get(), options);
    auto port = m_server->listen(QHostAddress::LocalHost, 0);
    QVERIFY2(port.ok(), qPrintable(port.error().toString()));
}

void TestApi::cleanup()
{
    m_server.reset();
    m_store.reset();
    m_nam->clearConnectionCache();
}

void TestApi::cleanupTestCase()
{
    const QString failed = m_pg.dropAll();
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
}

Answer TestApi::call(const QByteArray &method, const QString &path, const QByteArray &token,
                     const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request(url(path));
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    QNetworkReply *reply = m_nam->sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    Answer a;
    if (!finished.wait(10000)) {
        reply->abort();
        reply->deleteLater();
        return a;
    }
    a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    a.body = reply->readAll();
    a.json = QJsonDocument::fromJson(a.body).object();
    for (const auto &h : reply->rawHeaderPairs())
        a.headers.insert(h.first.toLower(), h.second);
    reply->deleteLater();
    return a;
}

QByteArray TestApi::rawExchange(const QByteArray &request)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->port());
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(request);
    QByteArray answer;
    (void)QTest::qWaitFor(
        [&] {
            answer += socket.readAll();
            const qsizetype end = answer.indexOf("\r\n\r\n");
            if (end < 0)
                return socket.state() == QAbstractSocket::UnconnectedState;
            const QRegularExpression re(QStringLiteral("content-length: *(\\d+)"),
                                        QRegularExpression::CaseInsensitiveOption);
            const auto m = re.match(QString::fromLatin1(answer.left(end)));
            return !m.hasMatch() || answer.size() >= end + 4 + m.captured(1).toLongLong();
        },
        5000);
    return answer;
}

qint64 TestApi::createRequest(const QString &title, const QByteArray &token)
{
    const Answer a = callJson(
        "POST", lit("/api/v1/requests"),
        {{lit("title"), title}, {lit("body"), lit("details")}, {lit("requester"), lit("U0ALICE")}}, token);
    if (a.status != 201)
        qWarning("create failed: %d %s", a.status, a.body.constData());
    return a.json.value(lit("id")).toInteger();
}

// ---- health ---------------------------------------------------------------------------------------

void TestApi::healthReadinessMetrics()
{
    Answer a = call("GET", lit("/healthz"), {});
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("status")).toString(), lit("alive"));

    a = call("GET", lit("/readyz"), {});
    QCOMPARE(a.status, 503); // no sync engine: Slack and inbound are not up
    QCOMPARE(a.error(), lit("not_ready"));
    const QJsonObject checks = a.json.value(lit("checks")).toObject();
    QVERIFY(checks.value(lit("database")).toObject().value(lit("ok")).toBool());
    QVERIFY(!checks.value(lit("slack")).toObject().value(lit("ok")).toBool());
    QVERIFY(!checks.value(lit("inbound")).toObject().value(lit("ok")).toBool());
    QVERIFY(a.json.value(lit("message")).toString().contains(lit("sync engine")));

    // With a provider reporting both up, the server is ready.
    m_server->setReadinessProvider([] {
        return QList<ReadinessCheck>{{lit("slack"), true, {}}, {lit("inbound"), true, {}}};
    });
    a = call("GET", lit("/readyz"), {});
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("status")).toString(), lit("ready"));

    QCOMPARE(call("GET", lit("/api/v1/requests"), m_agentToken).status, 200);
    QCOMPARE(call("GET", lit("/api/v1/requests/424242"), m_agentToken).status, 404);
    a = call("GET", lit("/metrics"), {});
    QCOMPARE(a.status, 200);
    QVERIFY(a.headers.value("content-type").startsWith("text/plain; version=0.0.4"));
    QVERIFY2(
        a.body.contains("threadline_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"),
        a.body.constData());
    QVERIFY(a.body.contains(
        "threadline_http_requests_total{route=\"/api/v1/requests/{id}\",method=\"GET\",status=\"404\"} 1"));
    QVERIFY(a.body.contains(
        "threadline_http_request_duration_seconds_bucket{route=\"/api/v1/requests\",le=\"+Inf\"} 1"));
    QVERIFY(a.body.contains("threadline_stream_clients 0"));
    // Nothing the sync engine would measure is invented here.
    QVERIFY(!a.body.contains("lane"));
    QVERIFY(!a.body.contains("slack_calls"));
    // Every sample line is "name{labels} value" or "name value".
    const QRegularExpression sample(
        QStringLiteral("^[a-z_]+(\\{([a-z_]+=\"([^\"\\\\]|\\\\.)*\",?)*\\})? [0-9.e+-]+$"));
    for (const QByteArray &line : a.body.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        QVERIFY2(sample.match(QString::fromUtf8(line)).hasMatch(), line.constData());
    }
}

// ---- good input ------------------------------------------------------------------------------------

void TestApi::everyRouteWithGoodInput()
{
    // create (requester by email, followers by Slack id, team by name)
    Answer a = callJson("POST", lit("/api/v1/requests"),
                        {{lit("title"), lit("Laptop does not boot")},
                         {lit("body"), lit("Since this morning.\nBlack screen.")},
                         {lit("requester"), lit("alice@example.com")},
                         {lit("assignee"), lit("U0BOB")},
                         {lit("team"), lit("IT")},
                         {lit("followers"), QJsonArray{lit("U0CAROL")}}},
                        m_agentToken);
    QCOMPARE(a.status, 201);
    const qint64 id = a.json.value(lit("id")).toInteger();
    QVERIFY(id > 0);
    QCOMPARE(a.json.value(lit("requester")).toString(), lit("U0ALICE"));
    QCOMPARE(a.json.value(lit("assignee")).toString(), lit("U0BOB"));
    QCOMPARE(a.json.value(lit("team")).toString(), lit("IT"));
    QCOMPARE(a.json.value(lit("status")).toString(), lit("new"));
    QCOMPARE(a.headers.value("location"), "/api/v1/requests/" + QByteArray::number(id));
    QCOMPARE(a.json.value(lit("followers")).toArray().size(), 4); // alice, bob, dave (team), carol

    // get
    a = call("GET", QStringLiteral("/api/v1/requests/%1").arg(id), m_agentToken);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("body")).toString(), lit("Since this morning.\nBlack screen."));
    const qint64 version = a.json.value(lit("version")).toInteger();
    QCOMPARE(a.headers.value("etag"), '"' + QByteArray::number(version) + '"');
    QSet<QString> followers;
    for (const QJsonValue &f : a.json.value(lit("followers")).toArray())
        followers << f.toObject().value(lit("user")).toString() + QLatin1Char(':') +
                         f.toObject().value(lit("reason")).toString();
    QCOMPARE(followers, (QSet<QString>{lit("U0ALICE:requester"), lit("U0BOB:assignee"), lit("U0DAVE:team"),
                                       lit("U0CAROL:manual")}));
    QVERIFY(a.json.value(lit("updates")).toArray().isEmpty());

    // patch with If-Match
    a = callJson("PATCH", QStringLiteral("/api/v1/requests/%1").arg(id), {{lit("status"), lit("open")}},
                 m_agentToken);
    QCOMPARE(a.status, 422); // no version given
    QCOMPARE(a.field(), lit("version"));
    a = call("PATCH", QStringLiteral("/api/v1/requests/%1").arg(id), m_agentToken,
             R"j({"status":"open","title":"Laptop does not boot (HP)","assignee":"U0CAROL"})j",
             {{"If-Match", '"' + QByteArray::number(version) + '"'}});
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("status")).toString(), lit("open"));
    QCOMPARE(a.json.value(lit("title")).toString(), lit("Laptop does not boot (HP)"));
    QCOMPARE(a.json.value(lit("assignee")).toString(), lit("U0CAROL"));
    const qint64 version2 = a.json.value(lit("version")).toInteger();
    QCOMPARE(version2, version + 3);
    // unassign with a body version
    a = callJson("PATCH", QStringLiteral("/api/v1/requests/%1").arg(id),
                 {{lit("assignee"), QJsonValue::Null}, {lit("version"), version2}}, m_agentToken);
    QCOMPARE(a.status, 200);
    QVERIFY(a.json.value(lit("assignee")).isNull());

    // updates: post, edit, delete
    a = callJson("POST", QStringLiteral("/api/v1/requests/%1/updates").arg(id),
                 {{lit("text"), lit("Looking into it")}}, m_agentToken);
    QCOMPARE(a.status, 201);
    const qint64 updateId = a.json.value(lit("id")).toInteger();
    QCOMPARE(a.json.value(lit("author")).toString(), lit("U0BOB"));
    QCOMPARE(a.json.value(lit("source")).toString(), lit("desk"));
    a = callJson("POST", QStringLiteral("/api/v1/requests/%1/updates").arg(id),
                 {{lit("text"), lit("Thanks!")}, {lit("author"), lit("alice@example.com")}});
    QCOMPARE(a.status, 201);
    QCOMPARE(a.json.value(lit("author")).toString(), lit("U0ALICE"));
    a = callJson("PATCH", QStringLiteral("/api/v1/updates/%1").arg(updateId),
                 {{lit("text"), lit("Looking into it now")}}, m_agentToken);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("text")).toString(), lit("Looking into it now"));
    QVERIFY(!a.json.value(lit("edited_at")).isNull());
    a = call("DELETE", QStringLiteral("/api/v1/updates/%1").arg(updateId), m_agentToken);
    QCOMPARE(a.status, 204);
    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/updates/%1").arg(updateId), m_agentToken).status, 204);
    a = callJson("PATCH", QStringLiteral("/api/v1/updates/%1").arg(updateId), {{lit("text"), lit("again")}},
                 m_agentToken);
    QCOMPARE(a.status, 409); // editing a deleted update
    a = call("GET", QStringLiteral("/api/v1/requests/%1").arg(id), m_agentToken);
    const QJsonArray updates = a.json.value(lit("updates")).toArray();
    QCOMPARE(updates.size(), 2);
    QVERIFY(updates.at(0).toObject().value(lit("deleted")).toBool());
    QCOMPARE(updates.at(0).toObject().value(lit("text")).toString(), QString());
    QCOMPARE(updates.at(1).toObject().value(lit("text")).toString(), lit("Thanks!"));

    // followers: add (201), add again (200), remove (204), remove again (404)
    a = callJson("POST", QStringLiteral("/api/v1/requests/%1/followers").arg(id),
                 {{lit("user"), lit("U0DAVE")}}, m_agentToken);
    QCOMPARE(a.status, 200); // already follows (team)
    a = call("DELETE", QStringLiteral("/api/v1/requests/%1/followers/U0DAVE").arg(id), m_agentToken);
    QCOMPARE(a.status, 204);
    a = callJson("POST", QStringLiteral("/api/v1/requests/%1/followers").arg(id),
                 {{lit("user"), lit("U0DAVE")}}, m_agentToken);
    QCOMPARE(a.status, 201);
    QCOMPARE(a.json.value(lit("reason")).toString(), lit("manual"));
    a = call("DELETE", QStringLiteral("/api/v1/requests/%1/followers/bob%40example.com").arg(id),
             m_agentToken);
    QCOMPARE(a.status, 204);
    QCOMPARE(
        call("DELETE", QStringLiteral("/api/v1/requests/%1/followers/U0BOB").arg(id), m_agentToken).status,
        404);

    // list
    a = call("GET", lit("/api/v1/requests"), m_agentToken);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("requests")).toArray().size(), 1);
    QVERIFY(a.json.value(lit("next_cursor")).isNull());

    // people (admin)
    a = callJson("POST", lit("/api/v1/people"),
                 {{lit("slack_id"), lit("U0ERIN")}, {lit("name"), lit("Erin")}, {lit("is_agent"), true}});
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("user")).toString(), lit("U0ERIN"));
    a = call("GET", lit("/api/v1/people/U0ERIN"), m_agentToken);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("name")).toString(), lit("Erin"));
    QVERIFY(a.json.value(lit("is_agent")).toBool());

    // tokens (admin): create, use, list, revoke
    a = callJson("POST", lit("/api/v1/tokens"),
                 {{lit("user"), lit("U0ERIN")}, {lit("name"), lit("console")}});
    QCOMPARE(a.status, 201);
    const QByteArray erinToken = a.json.value(lit("token")).toString().toLatin1();
    const qint64 tokenId = a.json.value(lit("id")).toInteger();
    QVERIFY(erinToken.startsWith("tl_"));
    QCOMPARE(call("GET", lit("/api/v1/requests"), erinToken).status, 200);
    a = call("GET", lit("/api/v1/tokens"));
    QCOMPARE(a.status, 200);
    const QJsonArray tokens = a.json.value(lit("tokens")).toArray();
    QCOMPARE(tokens.size(), 3);
    for (const QJsonValue &t : tokens) {
        // Erin's token was just used; Carol's never was
        const QJsonObject o = t.toObject();
        if (o.value(lit("id")).toInteger() == tokenId)
            QVERIFY(o.value(lit("last_used_at")).isString());
        if (o.value(lit("user")).toString() == QLatin1String("U0CAROL"))
            QVERIFY(o.value(lit("last_used_at")).isNull());
    }
    QVERIFY(!a.body.contains(erinToken)); // listed, never shown again
    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/tokens/%1").arg(tokenId)).status, 204);
    QCOMPARE(call("GET", lit("/api/v1/requests"), erinToken).status, 401);
    // only the hash is stored
    auto stored = m_store->scalar(lit("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?"),
                                  {TokenStore::hashToken(QString::fromLatin1(erinToken))});
    QVERIFY(stored && stored.value() && stored.value()->toInt() == 1);
    auto plain = m_store->scalar(lit("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ? OR name = ?"),
                                 {QString::fromLatin1(erinToken), QString::fromLatin1(erinToken)});
    QVERIFY(plain && plain.value() && plain.value()->toInt() == 0);
    // a token for someone who is not an agent is refused
    a = callJson("POST", lit("/api/v1/tokens"), {{lit("user"), lit("U0ALICE")}});
    QCOMPARE(a.status, 422);
    QCOMPARE(a.field(), lit("user"));
    // the name is optional
    a = callJson("POST", lit("/api/v1/tokens"), {{lit("user"), lit("U0ERIN")}});
    QCOMPARE(a.status, 201);
    QVERIFY(a.json.value(lit("token")).toString().startsWith(lit("tl_")));
    QCOMPARE(a.json.value(lit("name")).toString(), QString());
}

// ---- authentication --------------------------------------------------------------------------------

namespace {
struct RouteCase
{
    const char *method;
    const char *path;
    const char *body;
};
const RouteCase kProtectedRoutes[] = {
    {"POST", "/api/v1/requests", R"({"title":"t","requester":"U0ALICE"})"},
    {"GET", "/api/v1/requests", nullptr},
    {"GET", "/api/v1/requests/{id}", nullptr},
    {"PATCH", "/api/v1/requests/{id}", R"({"status":"open","version":1})"},
    {"POST", "/api/v1/requests/{id}/updates", R"({"text":"x"})"},
    {"PATCH", "/api/v1/updates/{update}", R"({"text":"y"})"},
    {"DELETE", "/api/v1/updates/{update}", nullptr},
    {"POST", "/api/v1/requests/{id}/followers", R"({"user":"U0DAVE"})"},
    {"DELETE", "/api/v1/requests/{id}/followers/U0CAROL", nullptr},
    {"GET", "/api/v1/requests/{id}/threads", nullptr},
    {"GET", "/api/v1/queues", nullptr},
    {"GET", "/api/v1/attachments/{id}/content", nullptr},
    {"POST", "/api/v1/people", R"({"slack_id":"U0ZED","name":"Zed"})"},
    {"GET", "/api/v1/people/U0ALICE", nullptr},
    {"GET", "/api/v1/people", nullptr},
    {"POST", "/api/v1/updates/{update}/retry", nullptr},
    {"POST", "/api/v1/conversations/{id}/retry", nullptr},
    {"POST", "/api/v1/tokens", R"({"user":"U0BOB"})"},
    {"GET", "/api/v1/tokens", nullptr},
    {"DELETE", "/api/v1/tokens/1", nullptr},
};
} // namespace

void TestApi::refusesMissingBadAndRevokedTokens_data()
{
    QTest::addColumn<QString>("kind");
    for (const char *kind : {"none", "bad", "revoked", "not bearer", "empty bearer"})
        QTest::newRow(kind) << lit(kind);
}

void TestApi::refusesMissingBadAndRevokedTokens()
{
    QFETCH(QString, kind);
    const qint64 id = createRequest(lit("auth target"));
    auto update = m_store->postUpdate({id, 1, lit("u"), UpdateSource::Desk, {}});
    QVERIFY(update);
    TokenStore tokens(*m_store);
    auto revoked = tokens.create(2, lit("old"));
    QVERIFY(revoked);
    QVERIFY(tokens.revoke(revoked->first.id));
    auto countRows = [&] {
        auto n =
            m_store->scalar(lit("SELECT (SELECT COUNT(*) FROM requests) + (SELECT COUNT(*) FROM updates) + "
                                "(SELECT COUNT(*) FROM followers) + (SELECT COUNT(*) FROM people) + "
                                "(SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL)"));
        return n && n.value() ? n.value()->toLongLong() : -1;
    };
    const qint64 before = countRows();
    for (const RouteCase &r : kProtectedRoutes) {
        QString path = lit(r.path);
        path.replace(lit("{id}"), QString::number(id)).replace(lit("{update}"), QString::number(update->id));
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray token;
        if (kind == QLatin1String("bad"))
            token = "tl_notarealtoken";
        else if (kind == QLatin1String("revoked"))
            token = revoked->second.toLatin1();
        else if (kind == QLatin1String("not bearer"))
            headers.append(qMakePair(QByteArray("Authorization"), "Basic " + AdminToken.toBase64()));
        else if (kind == QLatin1String("empty bearer"))
            headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer ")));
        const Answer a = call(r.method, path, token, r.body ? QByteArray(r.body) : QByteArray(), headers);
        QVERIFY2(a.status == 401,
                 qPrintable(QStringLiteral("%1 %2 -> %3").arg(lit(r.method), path).arg(a.status)));
        QCOMPARE(a.error(), lit("unauthorized"));
        QVERIFY(!a.json.value(lit("message")).toString().isEmpty());
        QVERIFY(a.headers.value("www-authenticate").startsWith("Bearer"));
        // the error never echoes the token
        QVERIFY(token.isEmpty() || !a.body.contains(token));
    }
    QCOMPARE(countRows(), before);
}

void TestApi::agentCannotReachAdminRoutes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("create token") << QByteArray("POST") << lit("/api/v1/tokens")
                                  << QByteArray(R"({"user":"U0BOB"})");
    QTest::newRow("list tokens") << QByteArray("GET") << lit("/api/v1/tokens") << QByteArray();
    QTest::newRow("revoke token") << QByteArray("DELETE") << lit("/api/v1/tokens/1") << QByteArray();
    QTest::newRow("upsert person") << QByteArray("POST") << lit("/api/v1/people")
                                   << QByteArray(R"({"slack_id":"U0BOB","name":"Bob","is_agent":false})");
}

void TestApi::agentCannotReachAdminRoutes()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    const Answer a = call(method, path, m_agentToken, body);
    QCOMPARE(a.status, 403);
    QCOMPARE(a.error(), lit("forbidden"));
    // nothing changed: both tokens still work, Bob is still an agent
    QCOMPARE(call("GET", lit("/api/v1/requests"), m_agentToken).status, 200);
    auto bob = m_store->personBySlackId(lit("U0BOB"));
    QVERIFY(bob && bob->isAgent);
}

namespace {
//! A concrete path of kProtectedRoutes as the route pattern docs/api.md names.
QString routePattern(const char *method, const char *path)
{
    QString p = QString::fromLatin1(path);
    p.replace(QStringLiteral("{update}"), QStringLiteral("{id}"));
    p.replace(QRegularExpression(QStringLiteral("/(U0[A-Z]+)$")), QStringLiteral("/{user}"));
    p.replace(QRegularExpression(QStringLiteral("/\\d+$")), QStringLiteral("/{id}"));
    return QString::fromLatin1(method) + QLatin1Char(' ') + p;
}

bool isAdminRoute(const RouteCase &r)
{
    const QLatin1String path(r.path);
    return path.startsWith(QLatin1String("/api/v1/tokens")) ||
           (path == QLatin1String("/api/v1/people") && qstrcmp(r.method, "POST") == 0);
}
} // namespace

void TestApi::routeTableMatchesTheDocumentation()
{
    // Every authenticated route docs/api.md documents is in the table the refusal tests walk, and
    // the table has no route the documentation lacks.
    QFile doc(QStringLiteral(THREADLINE_SOURCE_DIR "/docs/api.md"));
    QVERIFY(doc.open(QIODevice::ReadOnly));
    QSet<QString> documented;
    const QRegularExpression route(QStringLiteral("`(GET|POST|PATCH|PUT|DELETE) (/[^`]*)`"));
    for (const QByteArray &line : doc.readAll().split('\n')) {
        if (!line.startsWith("### "))
            continue;
        auto it = route.globalMatch(QString::fromUtf8(line));
        while (it.hasNext()) {
            const auto m = it.next();
            const QString path = m.captured(2);
            if (!path.startsWith(QLatin1String("/api/v1/")) || path == QLatin1String("/api/v1/stream"))
                continue; // the operational routes need no token; the stream is a WebSocket (own test)
            documented.insert(m.captured(1) + QLatin1Char(' ') + path);
        }
    }
    QSet<QString> tested;
    for (const RouteCase &r : kProtectedRoutes)
        tested.insert(routePattern(r.method, r.path));
    QVERIFY2(documented.size() >= 16, qPrintable(QString::number(documented.size())));
    const QSet<QString> untested = documented - tested;
    const QSet<QString> undocumented = tested - documented;
    QVERIFY2(untested.isEmpty(), qPrintable(QStringList(untested.cbegin(), untested.cend()).join(lit(", "))));
    QVERIFY2(undocumented.isEmpty(),
             qPrintable(QStringList(undocumented.cbegin(), undocumented.cend()).join(lit(", "))));
}

void TestApi::everyRouteRefusesBadInput_data()
{
    // Table-driven over the route list: every route × every kind of bad input it can get.
    QTest::addColumn<int>("route");
    QTest::addColumn<QString>("kind");
    for (int i = 0; i < int(std::size(kProtectedRoutes)); ++i) {
        const RouteCase &r = kProtectedRoutes[i];
        QStringList kinds{lit("bad token"), lit("revoked token"), lit("oversize body")};
        if (isAdminRoute(r))
            kinds << lit("agent on admin route");
        if (r.body)
            kinds << lit("broken json") << lit("json array") << lit("json string");
        for (const QString &kind : std::as_const(kinds))
            QTest::newRow(qPrintable(lit(r.method) + QLatin1Char(' ') + lit(r.path) + lit(": ") + kind))
                << i << kind;
    }
}

void TestApi::everyRouteRefusesBadInput()
{
    QFETCH(int, route);
    QFETCH(QString, kind);
    const RouteCase &r = kProtectedRoutes[route];
    const qint64 id = createRequest(lit("refusal target"));
    auto update = m_store->postUpdate({id, 2, lit("kept"), UpdateSource::Desk, {}});
    QVERIFY(update);
    TokenStore tokens(*m_store);
    auto revoked = tokens.create(m_store->personBySlackId(lit("U0BOB"))->id, lit("old laptop"));
    QVERIFY(revoked);
    QVERIFY(tokens.revoke(revoked->first.id));
    QString path = lit(r.path);
    path.replace(lit("{id}"), QString::number(id)).replace(lit("{update}"), QString::number(update->id));
    const auto snapshot = [&] {
        auto n = m_store->scalar(
            lit("SELECT (SELECT COUNT(*) FROM requests) * 1000000 + (SELECT COUNT(*) FROM updates "
                "WHERE deleted_at IS NULL) * 10000 + (SELECT COUNT(*) FROM followers) * 100 + (SELECT "
                "COUNT(*) FROM people) * 10 + (SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL)"));
        auto v = m_store->scalar(lit("SELECT version FROM requests WHERE id = ?"), {id});
        return QStringLiteral("%1/%2")
            .arg(n && n.value() ? n.value()->toLongLong() : -1)
            .arg(v && v.value() ? v.value()->toLongLong() : -1);
    };
    const QString before = snapshot();

    QByteArray token = AdminToken;
    QByteArray body = r.body ? QByteArray(r.body) : QByteArray();
    int status = 0;
    QString error;
    if (kind == QLatin1String("bad token")) {
        token = "tl_" + QByteArray(43, 'x');
        status = 401;
        error = lit("unauthorized");
    } else if (kind == QLatin1String("revoked token")) {
        token = revoked->second.toLatin1();
        status = 401;
        error = lit("unauthorized");
    } else if (kind == QLatin1String("agent on admin route")) {
        token = m_agentToken;
        status = 403;
        error = lit("forbidden");
    } else if (kind == QLatin1String("oversize body")) {
        body = R"({"title":")" + QByteArray(70 * 1024, 'a') + R"("})"; // the fixture's limit is 64 KiB
        status = 413;
        error = lit("too_large");
    } else if (kind == QLatin1String("broken json")) {
        body = R"({"text": "unterminated)";
        status = 400;
        error = lit("bad_json");
    } else if (kind == QLatin1String("json array")) {
        body = "[" + body + "]";
        status = 400;
        error = lit("bad_json");
    } else if (kind == QLatin1String("json string")) {
        body = R"("just a string")";
        status = 400;
        error = lit("bad_json");
    }
    const Answer a = call(r.method, path, token, body);
    QVERIFY2(a.status == status, qPrintable(QStringLiteral("%1 %2 -> %3 %4")
                                                .arg(lit(r.method), path)
                                                .arg(a.status)
                                                .arg(QString::fromUtf8(a.body))));
    QCOMPARE(a.error(), error);
    QVERIFY(!a.json.value(lit("message")).toString().isEmpty());
    QVERIFY(!a.body.contains(token));
    if (status == 401)
        QVERIFY(a.headers.value("www-authenticate").startsWith("Bearer"));
    QCOMPARE(snapshot(), before); // nothing changed
    // The same call with good credentials still works afterwards (the refusal left no state behind).
    QCOMPARE(call("GET", QStringLiteral("/api/v1/requests/%1").arg(id)).status, 200);
}

void TestApi::agentActsAsThemself()
{
    const qint64 id = createRequest(lit("who writes"));
    const QString updates = QStringLiteral("/api/v1/requests/%1/updates").arg(id);
    Answer a = callJson("POST", updates, {{lit("text"), lit("as alice")}, {lit("author"), lit("U0ALICE")}},
                        m_agentToken);
    QCOMPARE(a.status, 403);
    QCOMPARE(a.field(), lit("author"));
    a = callJson("POST", updates, {{lit("text"), lit("as me")}, {lit("author"), lit("U0BOB")}}, m_agentToken);
    QCOMPARE(a.status, 201);
    const qint64 bobUpdate = a.json.value(lit("id")).toInteger();
    a = callJson("POST", updates, {{lit("text"), lit("admin without author")}});
    QCOMPARE(a.status, 422);
    QCOMPARE(a.field(), lit("author"));
    // Carol may not edit Bob's words, the admin may
    a = callJson("PATCH", QStringLiteral("/api/v1/updates/%1").arg(bobUpdate), {{lit("text"), lit("hijack")}},
                 m_otherToken);
    QCOMPARE(a.status, 403);
    a = callJson("PATCH", QStringLiteral("/api/v1/updates/%1").arg(bobUpdate),
                 {{lit("text"), lit("typo fixed")}});
    QCOMPARE(a.status, 200);
    auto stored = m_store->update(bobUpdate);
    QVERIFY(stored);
    QCOMPARE(stored->text, lit("typo fixed"));
    auto author = m_store->person(stored->authorId);
    QVERIFY(author);
    QCOMPARE(author->slackId, lit("U0BOB"));
}

// ---- validation ------------------------------------------------------------------------------------

void TestApi::refusesBadBodies_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("field");
    const QString req = lit("/api/v1/requests");
    const QString one = lit("/api/v1/requests/{id}");
    const QString upd = lit("/api/v1/requests/{id}/updates");
    const QString edit = lit("/api/v1/updates/{update}");
    const QString fol = lit("/api/v1/requests/{id}/followers");
    const QString tok = lit("/api/v1/tokens");
    const QString ppl = lit("/api/v1/people");
    for (const QString &path : {req, one, upd, edit, fol, tok, ppl}) {
        const QByteArray m = (path == one || path == edit) ? "PATCH" : "POST";
        QTest::newRow(qPrintable(path + lit(" truncated json")))
            << m << path << QByteArray(R"({"title": "x)") << 400 << QString();
        QTest::newRow(qPrintable(path + lit(" array")))
            << m << path << QByteArray("[1,2]") << 400 << QString();
        QTest::newRow(qPrintable(path + lit(" empty"))) << m << path << QByteArray("") << 400 << QString();
        QTest::newRow(qPrintable(path + lit(" invalid utf8")))
            << m << path << QByteArray("{\"title\":\"\xff\xfe\"}") << 400 << QString();
    }
    QTest::newRow("create: missing title")
        << QByteArray("POST") << req << QByteArray(R"({"requester":"U0ALICE"})") << 422 << lit("title");
    QTest::newRow("create: title number")
        << QByteArray("POST") << req << QByteArray(R"({"title":5,"requester":"U0ALICE"})") << 422
        << lit("title");
    QTest::newRow("create: empty title")
        << QByteArray("POST") << req << QByteArray(R"({"title":"  ","requester":"U0ALICE"})") << 422
        << lit("title");
    QTest::newRow("create: NUL in title")
        << QByteArray("POST") << req << QByteArray(R"({"title":"a\u0000b","requester":"U0ALICE"})") << 422
        << lit("title");
    QTest::newRow("create: missing requester")
        << QByteArray("POST") << req << QByteArray(R"({"title":"t"})") << 422 << lit("requester");
    QTest::newRow("create: unknown requester")
        << QByteArray("POST") << req << QByteArray(R"({"title":"t","requester":"U0NOBODY"})") << 422
        << lit("requester");
    QTest::newRow("create: bad requester id")
        << QByteArray("POST") << req << QByteArray(R"({"title":"t","requester":"x' OR 1=1--"})") << 422
        << lit("requester");
    QTest::newRow("create: requester object")
        << QByteArray("POST") << req << QByteArray(R"({"title":"t","requester":{"id":1}})") << 422
        << lit("requester");
    QTest::newRow("create: followers string")
        << QByteArray("POST") << req
        << QByteArray(R"({"title":"t","requester":"U0ALICE","followers":"U0BOB"})") << 422
        << lit("followers");
    QTest::newRow("create: followers numbers")
        << QByteArray("POST") << req << QByteArray(R"({"title":"t","requester":"U0ALICE","followers":[1]})")
        << 422 << lit("followers");
    QTest::newRow("create: unknown team")
        << QByteArray("POST") << req << QByteArray(R"({"title":"t","requester":"U0ALICE","team":"Nope"})")
        << 422 << lit("team");
    QTest::newRow("create: title too long")
        << QByteArray("POST") << req
        << QByteArray(R"({"title":")" + QByteArray(201, 'a') + R"(","requester":"U0ALICE"})") << 422
        << lit("title");
    QTest::newRow("patch: bad status")
        << QByteArray("PATCH") << one << QByteArray(R"({"status":"done","version":1})") << 422
        << lit("status");
    QTest::newRow("patch: version string")
        << QByteArray("PATCH") << one << QByteArray(R"({"status":"open","version":"1"})") << 422
        << lit("version");
    QTest::newRow("patch: version negative")
        << QByteArray("PATCH") << one << QByteArray(R"({"status":"open","version":-1})") << 422
        << lit("version");
    QTest::newRow("patch: nothing") << QByteArray("PATCH") << one << QByteArray(R"({"version":1})") << 422
                                    << lit("status");
    QTest::newRow("patch: assignee number")
        << QByteArray("PATCH") << one << QByteArray(R"({"assignee":7,"version":1})") << 422
        << lit("assignee");
    QTest::newRow("patch: title multi-line")
        << QByteArray("PATCH") << one << QByteArray(R"({"title":"a\nb","version":1})") << 422 << lit("title");
    QTest::newRow("update: missing text")
        << QByteArray("POST") << upd << QByteArray(R"({"author":"U0BOB"})") << 422 << lit("text");
    QTest::newRow("update: text bool")
        << QByteArray("POST") << upd << QByteArray(R"({"text":true,"author":"U0BOB"})") << 422 << lit("text");
    QTest::newRow("update: unknown author")
        << QByteArray("POST") << upd << QByteArray(R"({"text":"x","author":"nobody@example.com"})") << 422
        << lit("author");
    QTest::newRow("edit: empty text")
        << QByteArray("PATCH") << edit << QByteArray(R"({"text":""})") << 422 << lit("text");
    QTest::newRow("edit: no text") << QByteArray("PATCH") << edit << QByteArray(R"({})") << 422
                                   << lit("text");
    QTest::newRow("follow: missing user")
        << QByteArray("POST") << fol << QByteArray(R"({})") << 422 << lit("user");
    QTest::newRow("follow: unknown user")
        << QByteArray("POST") << fol << QByteArray(R"({"user":"U0GHOST"})") << 422 << lit("user");
    QTest::newRow("token: missing user")
        << QByteArray("POST") << tok << QByteArray(R"({"name":"x"})") << 422 << lit("user");
    QTest::newRow("token: name control chars")
        << QByteArray("POST") << tok << QByteArray(R"({"user":"U0BOB","name":"a\u0007"})") << 422
        << lit("name");
    QTest::newRow("person: missing name")
        << QByteArray("POST") << ppl << QByteArray(R"({"slack_id":"U0NEW"})") << 422 << lit("name");
    QTest::newRow("person: bad slack id")
        << QByteArray("POST") << ppl << QByteArray(R"({"slack_id":"lower","name":"n"})") << 422
        << lit("slack_id");
    QTest::newRow("person: bad email")
        << QByteArray("POST") << ppl << QByteArray(R"({"email":"not-mail","name":"n"})") << 422
        << lit("email");
    QTest::newRow("person: is_agent string")
        << QByteArray("POST") << ppl << QByteArray(R"({"slack_id":"U0NEW","name":"n","is_agent":"yes"})")
        << 422 << lit("is_agent");
}

void TestApi::refusesBadBodies()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, field);
    const qint64 id = createRequest(lit("validation target"));
    auto update = m_store->postUpdate({id, 2, lit("original"), UpdateSource::Desk, {}});
    QVERIFY(update);
    path.replace(lit("{id}"), QString::number(id)).replace(lit("{update}"), QString::number(update->id));
    auto before = m_store->timeline(id);
    QVERIFY(before);
    const Answer a = call(method, path, AdminToken, body);
    QVERIFY2(a.status == status, a.body.constData());
    QVERIFY(!a.error().isEmpty());
    QVERIFY(!a.json.value(lit("message")).toString().isEmpty());
    QCOMPARE(a.field(), field);
    auto after = m_store->timeline(id);
    QVERIFY(after);
    QCOMPARE(after->request.version, before->request.version);
    QCOMPARE(after->updates.size(), before->updates.size());
    QCOMPARE(after->updates.at(0).text, lit("original"));
    QCOMPARE(after->followers.size(), before->followers.size());
    auto requests = m_store->scalar(lit("SELECT COUNT(*) FROM requests"));
    QCOMPARE(requests.value()->toInt(), 1);
}

void TestApi::refusesOversizeBodies_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    for (const char *p : {"/api/v1/requests", "/api/v1/requests/1/updates", "/api/v1/requests/1/followers",
                          "/api/v1/tokens", "/api/v1/people"})
        QTest::newRow(p) << QByteArray("POST") << lit(p);
    QTest::newRow("PATCH request") << QByteArray("PATCH") << lit("/api/v1/requests/1");
    QTest::newRow("PATCH update") << QByteArray("PATCH") << lit("/api/v1/updates/1");
}

void TestApi::refusesOversizeBodies()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QCOMPARE(createRequest(lit("size target")), qint64(1));
    // Declared too large: refused as soon as the headers arrive, before any body byte is read.
    QByteArray answer = rawExchange(
        method + ' ' + path.toLatin1() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + AdminToken +
        "\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n" + QByteArray(1000, 'x'));
    QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.constData());
    QVERIFY(answer.contains("\"error\":\"too_large\""));
    // A whole body just over the limit (64 KiB in this fixture), sent by QNAM.
    QByteArray big = R"({"title":")" + QByteArray(70 * 1024, 'a') + R"(","requester":"U0ALICE","text":"x"})";
    const Answer a = call(method, path, AdminToken, big);
    QVERIFY2(a.status == 413, qPrintable(QString::number(a.status)));
    QCOMPARE(a.error(), lit("too_large"));
    // chunked and Expect are refused as well
    answer = rawExchange(method + ' ' + path.toLatin1() +
                         " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 411"), answer.constData());
    answer = rawExchange(method + ' ' + path.toLatin1() +
                         " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 417"), answer.constData());
    // nothing was created besides the target request
    auto n = m_store->scalar(lit("SELECT COUNT(*) FROM requests"));
    QCOMPARE(n.value()->toInt(), 1);
    const Answer metrics = call("GET", lit("/metrics"), {});
    QVERIFY(metrics.body.contains("threadline_http_refused_total{status=\"413\"}"));
}

void TestApi::unknownIdsAre404_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("get request") << QByteArray("GET") << lit("/api/v1/requests/987654") << QByteArray();
    QTest::newRow("patch request") << QByteArray("PATCH") << lit("/api/v1/requests/987654")
                                   << QByteArray(R"({"status":"open","version":1})");
    QTest::newRow("post update") << QByteArray("POST") << lit("/api/v1/requests/987654/updates")
                                 << QByteArray(R"({"text":"x","author":"U0BOB"})");
    QTest::newRow("edit update") << QByteArray("PATCH") << lit("/api/v1/updates/987654")
                                 << QByteArray(R"({"text":"x"})");
    QTest::newRow("delete update") << QByteArray("DELETE") << lit("/api/v1/updates/987654") << QByteArray();
    QTest::newRow("retry update") << QByteArray("POST") << lit("/api/v1/updates/987654/retry")
                                  << QByteArray();
    QTest::newRow("follow") << QByteArray("POST") << lit("/api/v1/requests/987654/followers")
                            << QByteArray(R"({"user":"U0BOB"})");
    QTest::newRow("unfollow request")
        << QByteArray("DELETE") << lit("/api/v1/requests/987654/followers/U0BOB") << QByteArray();
    QTest::newRow("unfollow user") << QByteArray("DELETE") << lit("/api/v1/requests/1/followers/U0NOBODY")
                                   << QByteArray();
    QTest::newRow("threads") << QByteArray("GET") << lit("/api/v1/requests/987654/threads") << QByteArray();
    QTest::newRow("person") << QByteArray("GET") << lit("/api/v1/people/U0NOBODY") << QByteArray();
    QTest::newRow("token") << QByteArray("DELETE") << lit("/api/v1/tokens/987654") << QByteArray();
    QTest::newRow("non-numeric id") << QByteArray("GET") << lit("/api/v1/requests/abc") << QByteArray();
    QTest::newRow("sql in id") << QByteArray("GET") << lit("/api/v1/requests/1%20OR%201=1") << QByteArray();
    QTest::newRow("negative id") << QByteArray("GET") << lit("/api/v1/requests/-1") << QByteArray();
    QTest::newRow("huge id") << QByteArray("GET") << lit("/api/v1/requests/99999999999999999999999")
                             << QByteArray();
    QTest::newRow("unknown route") << QByteArray("GET") << lit("/api/v1/nothing") << QByteArray();
    QTest::newRow("unknown version") << QByteArray("GET") << lit("/api/v2/requests") << QByteArray();
}

void TestApi::unknownIdsAre404()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QCOMPARE(createRequest(lit("the only one")), qint64(1));
    const Answer a = call(method, path, AdminToken, body);
    QVERIFY2(a.status == 404, a.body.constData());
    QCOMPARE(a.error(), lit("not_found"));
}

void TestApi::staleVersionsConflict()
{
    const qint64 id = createRequest(lit("contended"));
    const QString path = QStringLiteral("/api/v1/requests/%1").arg(id);
    Answer a = call("GET", path, m_agentToken);
    const QByteArray etag = a.headers.value("etag");
    QVERIFY(!etag.isEmpty());
    // Bob and Carol both start from the same version; the second writer loses.
    a = call("PATCH", path, m_agentToken, R"({"status":"open"})", {{"If-Match", etag}});
    QCOMPARE(a.status, 200);
    a = call("PATCH", path, m_otherToken, R"({"status":"closed"})", {{"If-Match", etag}});
    QCOMPARE(a.status, 409);
    QCOMPARE(a.error(), lit("conflict"));
    QCOMPARE(a.field(), lit("version"));
    a = call("PATCH", path, m_otherToken, R"({"title":"Overwritten","version":1})");
    QCOMPARE(a.status, 409);
    // a multi-field change whose last part fails leaves nothing half-written
    a = call("PATCH", path, m_otherToken, R"({"title":"Half","assignee":"U0NOBODY","version":2})");
    QCOMPARE(a.status, 422);
    auto r = m_store->request(id);
    QVERIFY(r);
    QCOMPARE(r->status, RequestStatus::Open);
    QCOMPARE(r->title, lit("contended"));
    QCOMPARE(r->version, qint64(2));
    a = call("PATCH", path, m_otherToken, R"({"status":"closed"})", {{"If-Match", "W/\"2\""}});
    QCOMPARE(a.status, 200);
    a = call("PATCH", path, m_otherToken, R"({"status":"open","version":2})", {{"If-Match", "\"3\""}});
    QCOMPARE(a.status, 422); // the two disagree
    a = call("PATCH", path, m_otherToken, R"({"status":"open"})", {{"If-Match", "*"}});
    QCOMPARE(a.status, 422);
}

void TestApi::sqlMetacharactersStoredVerbatim()
{
    const QString title = lit("Robert'); DROP TABLE requests;-- \"%_\\ 😀 <b>&amp;</b>");
    const QString text = lit("'; DELETE FROM updates WHERE '1'='1 -- $1 ?? :name \\x00ff %% _");
    Answer a = callJson("POST", lit("/api/v1/requests"),
                        {{lit("title"), title}, {lit("body"), text}, {lit("requester"), lit("U0ALICE")}});
    QCOMPARE(a.status, 201);
    const qint64 id = a.json.value(lit("id")).toInteger();
    a = callJson("POST", QStringLiteral("/api/v1/requests/%1/updates").arg(id), {{lit("text"), text}},
                 m_agentToken);
    QCOMPARE(a.status, 201);
    a = call("GET", QStringLiteral("/api/v1/requests/%1").arg(id));
    QCOMPARE(a.json.value(lit("title")).toString(), title);
    QCOMPARE(a.json.value(lit("body")).toString(), text);
    QCOMPARE(a.json.value(lit("updates")).toArray().at(0).toObject().value(lit("text")).toString(), text);
    // searching with metacharacters is safe and finds the words
    a = call("GET", lit("/api/v1/requests?q=") +
                        QString::fromLatin1(QUrl::toPercentEncoding(lit("Robert'); DROP"))));
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("requests")).toArray().size(), 1);
    a = call("GET", lit("/api/v1/requests?q=") + QString::fromLatin1(QUrl::toPercentEncoding(lit("%_'\""))));
    QVERIFY2(a.status == 422 || a.status == 200, a.body.constData());
    auto n = m_store->scalar(lit("SELECT COUNT(*) FROM requests"));
    QCOMPARE(n.value()->toInt(), 1);
}

void TestApi::keysetPagingVisitsEveryRequestOnce()
{
    QSet<qint64> created;
    for (int i = 0; i < 23; ++i)
        created << createRequest(QStringLiteral("request %1").arg(i));
    QCOMPARE(created.size(), 23);
    QList<qint64> seen;
    QString cursor;
    int pages = 0;
    do {
        QString path = lit("/api/v1/requests?limit=5");
        if (!cursor.isEmpty())
            path += lit("&cursor=") + QString::fromLatin1(QUrl::toPercentEncoding(cursor));
        const Answer a = call("GET", path, m_agentToken);
        QCOMPARE(a.status, 200);
        const QJsonArray items = a.json.value(lit("requests")).toArray();
        QVERIFY(items.size() <= 5);
        for (const QJsonValue &v : items)
            seen << v.toObject().value(lit("id")).toInteger();
        cursor = a.json.value(lit("next_cursor")).toString();
        // a change while paging does not make the walk repeat or skip unchanged rows
        if (pages == 1)
            QVERIFY(m_store->postUpdate({*created.begin(), 2, lit("bump"), UpdateSource::Desk, {}}));
        ++pages;
    } while (!cursor.isEmpty() && pages < 50);
    const QSet<qint64> seenSet(seen.begin(), seen.end());
    QCOMPARE(seen.size(), seenSet.size()); // no duplicates
    // every request not bumped during the walk was seen
    QSet<qint64> expected = created;
    if (!seenSet.contains(*created.begin()))
        expected.remove(*created.begin());
    QVERIFY(seenSet.contains(expected));
    QVERIFY(seenSet.size() >= 22);
    QVERIFY(pages >= 5);

    const Answer bad = call("GET", lit("/api/v1/requests?cursor=garbage'--"), m_agentToken);
    QCOMPARE(bad.status, 422);
    QCOMPARE(bad.field(), lit("cursor"));
    for (const char *limit : {"0", "201", "x", "-5"}) {
        const Answer a = call("GET", lit("/api/v1/requests?limit=") + lit(limit), m_agentToken);
        QCOMPARE(a.status, 422);
        QCOMPARE(a.field(), lit("limit"));
    }
}

void TestApi::listFilters()
{
    const qint64 a1 = createRequest(lit("printer jam"));
    const qint64 a2 = createRequest(lit("vpn broken"));
    Answer a = callJson("POST", lit("/api/v1/requests"),
                        {{lit("title"), lit("new badge")},
                         {lit("requester"), lit("U0ALICE")},
                         {lit("assignee"), lit("U0BOB")},
                         {lit("team"), lit("IT")}});
    QCOMPARE(a.status, 201);
    const qint64 a3 = a.json.value(lit("id")).toInteger();
    a = call("PATCH", QStringLiteral("/api/v1/requests/%1").arg(a2), AdminToken,
             R"({"status":"closed","version":1})");
    QCOMPARE(a.status, 200);
    auto ids = [&](const QString &query) {
        const Answer r = call("GET", lit("/api/v1/requests?") + query, m_agentToken);
        QSet<qint64> out;
        for (const QJsonValue &v : r.json.value(lit("requests")).toArray())
            out << v.toObject().value(lit("id")).toInteger();
        if (r.status != 200)
            out << -r.status;
        return out;
    };
    QCOMPARE(ids(lit("status=closed")), (QSet<qint64>{a2}));
    QCOMPARE(ids(lit("status=new,open")), (QSet<qint64>{a1, a3}));
    QCOMPARE(ids(lit("assignee=U0BOB")), (QSet<qint64>{a3}));
    QCOMPARE(ids(lit("assignee=bob%40example.com")), (QSet<qint64>{a3}));
    QCOMPARE(ids(lit("assignee=none")), (QSet<qint64>{a1, a2}));
    QCOMPARE(ids(lit("team=IT")), (QSet<qint64>{a3}));
    QCOMPARE(ids(lit("team=none")), (QSet<qint64>{a1, a2}));
    QCOMPARE(ids(lit("q=printer")), (QSet<qint64>{a1}));
    QCOMPARE(ids(lit("status=bogus")), (QSet<qint64>{-422}));
    QCOMPARE(ids(lit("assignee=U0NOBODY")), (QSet<qint64>{-422}));
    QCOMPARE(ids(lit("team=Nope")), (QSet<qint64>{-422}));
}

// ---- stream ----------------------------------------------------------------------------------------

void TestApi::streamDeliversEveryChangeToEveryClient()
{
    StreamClient byHeader, byQuery, admin;
    QNetworkRequest request(url(lit("/api/v1/stream")));
    request.setRawHeader("Authorization", "Bearer " + m_agentToken);
    QUrl ws = url(lit("/api/v1/stream"));
    ws.setScheme(lit("ws"));
    request.setUrl(ws);
    byHeader.socket.open(request);
    QUrl withToken = ws;
    withToken.setQuery(lit("access_token=") +
                       QString::fromLatin1(QUrl::toPercentEncoding(QString::fromLatin1(m_otherToken))));
    byQuery.socket.open(withToken);
    QNetworkRequest adminRequest(ws);
    adminRequest.setRawHeader("Authorization", "Bearer " + AdminToken);
    admin.socket.open(adminRequest);
    for (StreamClient *c : {&byHeader, &byQuery, &admin})
        QTRY_COMPARE_WITH_TIMEOUT(c->messages.size(), 1, 5000);
    QCOMPARE(byHeader.messages.at(0).value(lit("type")).toString(), lit("hello"));
    QCOMPARE(byHeader.messages.at(0).value(lit("user")).toString(), lit("U0BOB"));
    QCOMPARE(byQuery.messages.at(0).value(lit("user")).toString(), lit("U0CAROL"));
    QCOMPARE(m_server->streamClientCount(), 3);

    const qint64 id = createRequest(lit("live"), m_agentToken);
    Answer a = callJson("POST", QStringLiteral("/api/v1/requests/%1/updates").arg(id),
                        {{lit("text"), lit("hi")}}, m_agentToken);
    const qint64 updateId = a.json.value(lit("id")).toInteger();
    QCOMPARE(callJson("PATCH", QStringLiteral("/api/v1/updates/%1").arg(updateId),
                      {{lit("text"), lit("hi!")}}, m_agentToken)
                 .status,
             200);
    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/updates/%1").arg(updateId), m_agentToken).status, 204);
    QCOMPARE(callJson("POST", QStringLiteral("/api/v1/requests/%1/followers").arg(id),
                      {{lit("user"), lit("U0DAVE")}}, m_agentToken)
                 .status,
             201);
    QCOMPARE(
        call("DELETE", QStringLiteral("/api/v1/requests/%1/followers/U0DAVE").arg(id), m_agentToken).status,
        204);
    QCOMPARE(call("PATCH", QStringLiteral("/api/v1/requests/%1").arg(id), m_agentToken,
                  R"({"status":"resolved","version":1})")
                 .status,
             200);
    const QStringList expected = {
        lit("hello"),          lit("request.created"), lit("update.posted"),    lit("update.edited"),
        lit("update.deleted"), lit("follower.added"),  lit("follower.removed"), lit("request.changed")};
    for (StreamClient *c : {&byHeader, &byQuery, &admin}) {
        QTRY_COMPARE_WITH_TIMEOUT(c->types(), expected, 5000);
        const QJsonObject posted = c->messages.at(2);
        QCOMPARE(posted.value(lit("request_id")).toInteger(), id);
        QCOMPARE(posted.value(lit("update_id")).toInteger(), updateId);
        QCOMPARE(posted.value(lit("actor")).toString(), lit("U0BOB"));
        QCOMPARE(c->messages.at(5).value(lit("user")).toString(), lit("U0DAVE"));
        QCOMPARE(c->messages.at(7).value(lit("field")).toString(), lit("status"));
        QCOMPARE(c->messages.at(7).value(lit("version")).toInteger(), qint64(2));
        // sequence numbers increase by one
        for (int i = 2; i < c->messages.size(); ++i)
            QCOMPARE(c->messages.at(i).value(lit("seq")).toInteger(),
                     c->messages.at(i - 1).value(lit("seq")).toInteger() + 1);
    }
    // nothing was sent for a refused request
    QCOMPARE(callJson("POST", lit("/api/v1/requests"),
                      {{lit("title"), lit("")}, {lit("requester"), lit("U0ALICE")}})
                 .status,
             422);
    QTest::qWait(100);
    QCOMPARE(admin.messages.size(), expected.size());

    // revoking a token closes its stream
    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/tokens/%1").arg(m_agentTokenId)).status, 204);
    QTRY_COMPARE_WITH_TIMEOUT(byHeader.socket.state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(byHeader.closeCode, int(QWebSocketProtocol::CloseCodePolicyViolated));
    QCOMPARE(byQuery.socket.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE(m_server->streamClientCount(), 2);

    // draining closes the rest with "going away"
    QSignalSpy drained(m_server.get(), &ApiServer::drained);
    m_server->drain(2000);
    QTRY_COMPARE_WITH_TIMEOUT(byQuery.socket.state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(byQuery.closeCode, int(QWebSocketProtocol::CloseCodeGoingAway));
    QVERIFY(drained.wait(5000) || drained.size() == 1);
}

void TestApi::streamRefusesBadTokensWithCloseCode()
{
    QUrl ws = url(lit("/api/v1/stream"));
    ws.setScheme(lit("ws"));
    for (const QByteArray &token : {QByteArray(), QByteArray("tl_wrong"), QByteArray("admin")}) {
        StreamClient client;
        QUrl u = ws;
        if (!token.isEmpty())
            u.setQuery(lit("access_token=") + QString::fromLatin1(token));
        client.socket.open(u);
        QTRY_COMPARE_WITH_TIMEOUT(client.socket.state(), QAbstractSocket::UnconnectedState, 5000);
        QCOMPARE(client.closeCode, 4401);
        QVERIFY(client.messages.isEmpty());
    }
    QCOMPARE(m_server->streamClientCount(), 0);
    // a plain GET (no upgrade) is told to upgrade
    const Answer a = call("GET", lit("/api/v1/stream"), m_agentToken);
    QCOMPARE(a.status, 400);
    QCOMPARE(a.error(), lit("websocket_required"));
    // the refused clients saw no change either
    createRequest(lit("after refusal"));
}

void TestApi::slowStreamClientIsClosed()
{
    // A client that completes the handshake and then never reads.
    QTcpSocket slow;
    slow.setReadBufferSize(1);
    slow.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(slow.waitForConnected(5000));
    slow.write(
        "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer " +
        m_agentToken + "\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(m_server->streamClientCount(), 1, 5000);
    StreamClient healthy;
    QNetworkRequest request(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream").arg(m_server->port())));
    request.setRawHeader("Authorization", "Bearer " + m_otherToken);
    healthy.socket.open(request);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->streamClientCount(), 2, 5000);
    const QString pad(16 * 1024, QLatin1Char('x'));
    for (int i = 0; i < 3000 && m_server->streamClientCount() == 2; ++i) {
        m_server->publish({{lit("type"), lit("bulk")}, {lit("pad"), pad}});
        if (i % 5 == 0)
            QTest::qWait(1); // the healthy client reads (same thread); the slow one never does
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_server->streamClientCount(), 1, 5000);
    QCOMPARE(healthy.socket.state(), QAbstractSocket::ConnectedState);
    QTRY_VERIFY_WITH_TIMEOUT(healthy.messages.size() > 100, 10000);
}

void TestApi::connectionLimit()
{
    ApiOptions options;
    options.adminToken = QString::fromLatin1(AdminToken);
    options.maxConnections = 4;
    ApiServer limited(m_store.get(), options);
    auto port = limited.listen(QHostAddress::LocalHost, 0);
    QVERIFY(port.ok());
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 4; ++i) {
        sockets.push_back(std::make_unique<QTcpSocket>());
        sockets.back()->connectToHost(QHostAddress::LocalHost, port.value());
        QVERIFY(sockets.back()->waitForConnected(5000));
    }
    QTest::qWait(50); // let the server accept them
    QTcpSocket extra;
    extra.connectToHost(QHostAddress::LocalHost, port.value());
    QVERIFY(extra.waitForConnected(5000));
    QByteArray answer;
    QVERIFY(QTest::qWaitFor(
        [&] {
            answer += extra.readAll();
            return answer.contains("\r\n\r\n");
        },
        5000));
    QVERIFY2(answer.startsWith("HTTP/1.1 503"), answer.constData());
    QTRY_COMPARE_WITH_TIMEOUT(extra.state(), QAbstractSocket::UnconnectedState, 5000);
    // the four admitted connections are served
    sockets.front()->write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QByteArray ok;
    QVERIFY(QTest::qWaitFor(
        [&] {
            ok += sockets.front()->readAll();
            return ok.contains("alive");
        },
        5000));
    QVERIFY(ok.startsWith("HTTP/1.1 200"));
    // closing one makes room again
    sockets.back()->disconnectFromHost();
    sockets.pop_back();
    QTest::qWait(50);
    QTcpSocket again;
    again.connectToHost(QHostAddress::LocalHost, port.value());
    QVERIFY(again.waitForConnected(5000));
    again.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QByteArray second;
    QVERIFY(QTest::qWaitFor(
        [&] {
            second += again.readAll();
            return second.contains("\r\n\r\n");
        },
        5000));
    QVERIFY2(second.startsWith("HTTP/1.1 200"), second.constData());
}

void TestApi::syncRoutesSayTheEngineIsNotRunning()
{
    const qint64 id = createRequest(lit("threads"));
    Answer a = call("GET", QStringLiteral("/api/v1/requests/%1/threads").arg(id), m_agentToken);
    QCOMPARE(a.status, 503);
    QCOMPARE(a.error(), lit("sync_not_running"));
    a = call("GET", lit("/api/v1/queues"), m_agentToken);
    QCOMPARE(a.status, 503);
    QCOMPARE(a.error(), lit("sync_not_running"));
    // with providers, their data is served as is
    m_server->setQueuesProvider([]() -> Result<QJsonObject> { return QJsonObject{{lit("fast"), 3}}; });
    m_server->setThreadsProvider([](qint64 r) -> Result<QJsonObject> {
        return QJsonObject{{lit("request_id"), r}};
    });
    a = call("GET", lit("/api/v1/queues"), m_agentToken);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("fast")).toInt(), 3);
    a = call("GET", QStringLiteral("/api/v1/requests/%1/threads").arg(id), m_agentToken);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("request_id")).toInteger(), id);
    // wrong methods
    a = call("POST", lit("/api/v1/queues"), m_agentToken, "{}");
    QCOMPARE(a.status, 405);
    QCOMPARE(a.headers.value("allow"), QByteArray("GET"));
}

void TestApi::retryRoutesReachTheEngine()
{
    const qint64 id = createRequest(lit("retry"));
    auto update = m_store->postUpdate({id, 2, lit("to retry"), UpdateSource::Desk, {}});
    QVERIFY(update);
    const QString updateRetry = QStringLiteral("/api/v1/updates/%1/retry").arg(update->id);
    Answer a = call("POST", updateRetry, m_agentToken);
    QCOMPARE(a.status, 503);
    QCOMPARE(a.error(), lit("sync_not_running"));
    QList<QPair<qint64, qint64>> calls;
    m_server->setRetryProvider([&calls](qint64 updateId, qint64 conversationId) -> Result<int> {
        calls.append({updateId, conversationId});
        if (conversationId == 77)
            return makeError(ErrorCode::NotFound, lit("No such conversation"));
        return updateId > 0 ? 2 : 1;
    });
    a = call("POST", updateRetry, m_agentToken);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("retried")).toInt(), 2);
    a = call("POST", updateRetry, m_agentToken, "{}"); // an empty object is the same call
    QCOMPARE(a.status, 200);
    a = call("POST", lit("/api/v1/conversations/5/retry"), m_agentToken);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.json.value(lit("retried")).toInt(), 1);
    a = call("POST", lit("/api/v1/conversations/77/retry"), m_agentToken);
    QCOMPARE(a.status, 404);
    QCOMPARE(a.field(), lit("id"));
    const QList<QPair<qint64, qint64>> expected{{update->id, 0}, {update->id, 0}, {0, 5}, {0, 77}};
    QCOMPARE(calls, expected);
    // hostile input never reaches the engine
    QCOMPARE(call("POST", lit("/api/v1/updates/987654/retry"), m_agentToken).status, 404);
    QCOMPARE(call("POST", lit("/api/v1/conversations/abc/retry"), m_agentToken).status, 404);
    QCOMPARE(call("POST", lit("/api/v1/conversations/-3/retry"), m_agentToken).status, 404);
    QCOMPARE(call("POST", updateRetry, m_agentToken, "[1]").status, 400);
    a = call("GET", updateRetry, m_agentToken);
    QCOMPARE(a.status, 405);
    QCOMPARE(a.headers.value("allow"), QByteArray("POST"));
    QCOMPARE(calls, expected);
    m_server->setRetryProvider({});
}

void TestApi::peopleListPagesAndRefusesBadInput()
{
    auto count = m_store->scalar(lit("SELECT COUNT(*) FROM people"));
    QVERIFY(count && count.value());
    const int total = int(count.value()->toLongLong());
    QVERIFY(total >= 3);
    QSet<QString> seen;
    QString cursor;
    int pages = 0;
    do {
        const QString path = QStringLiteral("/api/v1/people?limit=2") +
                             (cursor.isEmpty() ? QString() : lit("&cursor=") + cursor);
        const Answer a = call("GET", path, m_agentToken);
        QCOMPARE(a.status, 200);
        const QJsonArray people = a.json.value(lit("people")).toArray();
        QVERIFY(people.size() <= 2);
        for (const QJsonValue &p : people) {
            const QString user = p.toObject().value(lit("user")).toString();
            QVERIFY(!user.isEmpty());
            QVERIFY2(!seen.contains(user), qPrintable(user));
            seen.insert(user);
        }
        QVERIFY(a.json.contains(lit("next_cursor")));
        cursor = a.json.value(lit("next_cursor")).toString();
        QVERIFY(++pages <= total);
    } while (!cursor.isEmpty());
    QCOMPARE(int(seen.size()), total);
    QVERIFY(seen.contains(lit("U0ALICE")));
    QCOMPARE(call("GET", lit("/api/v1/people"), m_agentToken).json.value(lit("people")).toArray().size(),
             total);
    for (const char *bad : {"limit=0", "limit=1001", "limit=x", "cursor=-1", "cursor=abc",
                            "cursor=1%27%3B%20DROP%20TABLE%20people"}) {
        const Answer a = call("GET", lit("/api/v1/people?") + lit(bad), m_agentToken);
        QVERIFY2(a.status == 422, bad);
        QCOMPARE(a.error(), lit("invalid"));
    }
    count = m_store->scalar(lit("SELECT COUNT(*) FROM people"));
    QCOMPARE(int(count.value()->toLongLong()), total);
    const Answer a = call("DELETE", lit("/api/v1/people"));
    QCOMPARE(a.status, 405);
    QCOMPARE(a.headers.value("allow"), QByteArray("GET, POST"));
}

// ---- docs/api.md examples --------------------------------------------------------------------------

void TestApi::docExamplesReplay()
{
    QFile doc(QStringLiteral(THREADLINE_SOURCE_DIR "/docs/api.md"));
    QVERIFY2(doc.open(QIODevice::ReadOnly), "docs/api.md is missing");
    const QString text = QString::fromUtf8(doc.readAll());
    // Fenced ```http blocks: a request (method, path, headers, blank line, body), followed by the next
    // fenced block starting with "HTTP/1.1 <status>": the expected answer.
    const QRegularExpression block(QStringLiteral("```(\\w*)\\n(.*?)```"),
                                   QRegularExpression::DotMatchesEverythingOption);
    struct Example
    {
        QString request;
        QString response;
    };
    QList<Example> examples;
    auto it = block.globalMatch(text);
    while (it.hasNext()) {
        const auto m = it.next();
        const QString body = m.captured(2);
        if (m.captured(1) == QLatin1String("http") && !body.startsWith(QLatin1String("HTTP/1.1")))
            examples.append({body, {}});
        else if (body.startsWith(QLatin1String("HTTP/1.1")) && !examples.isEmpty() &&
                 examples.last().response.isEmpty())
            examples.last().response = body;
    }
    QVERIFY2(examples.size() >= 15, qPrintable(QString::number(examples.size())));

    QHash<QString, QString> vars{{lit("$ADMIN_TOKEN"), QString::fromLatin1(AdminToken)},
                                 {lit("$AGENT_TOKEN"), QString::fromLatin1(m_agentToken)}};
    int replayed = 0;
    for (const Example &ex : std::as_const(examples)) {
        QVERIFY2(!ex.response.isEmpty(), qPrintable(lit("no expected answer after:\n") + ex.request));
        QString req = ex.request;
        for (auto v = vars.constBegin(); v != vars.constEnd(); ++v)
            req.replace(v.key(), v.value());
        const qsizetype split = req.indexOf(lit("\n\n"));
        const QStringList head =
            (split < 0 ? req : req.left(split)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        const QByteArray body = split < 0 ? QByteArray() : req.mid(split + 2).trimmed().toUtf8();
        const QStringList line = head.at(0).split(QLatin1Char(' '));
        QVERIFY2(line.size() >= 2, qPrintable(head.at(0)));
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray token;
        for (qsizetype i = 1; i < head.size(); ++i) {
            const qsizetype colon = head.at(i).indexOf(QLatin1Char(':'));
            const QByteArray name = head.at(i).left(colon).trimmed().toLatin1();
            const QByteArray value = head.at(i).mid(colon + 1).trimmed().toUtf8();
            if (name.compare("Authorization", Qt::CaseInsensitive) == 0 && value.startsWith("Bearer "))
                token = value.mid(7);
            else if (name.compare("Host", Qt::CaseInsensitive) != 0)
                headers.append(qMakePair(name, value));
        }
        const Answer a = call(line.at(0).toLatin1(), line.at(1), token, body, headers);
        const QStringList expectedLines = ex.response.split(QLatin1Char('\n'));
        const int expectedStatus = expectedLines.at(0).section(QLatin1Char(' '), 1, 1).toInt();
        QVERIFY2(a.status == expectedStatus, qPrintable(QStringLiteral("%1\n-> %2 %3 (expected %4)")
                                                            .arg(head.at(0))
                                                            .arg(a.status)
                                                            .arg(QString::fromUtf8(a.body))
                                                            .arg(expectedStatus)));
        // Expected JSON: every key shown must be present; string and number values shown must match
        // unless they are placeholders ("…").
        const qsizetype jsonStart = ex.response.indexOf(QLatin1Char('{'));
        if (jsonStart >= 0 && a.headers.value("content-type").startsWith("application/json")) {
            const QJsonObject expected =
                QJsonDocument::fromJson(ex.response.mid(jsonStart).toUtf8()).object();
            QVERIFY2(!expected.isEmpty(), qPrintable(lit("example answer is not JSON: ") + ex.response));
            for (auto e = expected.constBegin(); e != expected.constEnd(); ++e) {
                QVERIFY2(a.json.contains(e.key()), qPrintable(head.at(0) + lit(": missing ") + e.key()));
                const bool placeholder = e.value().isString() && e.value().toString().contains(QChar(0x2026));
                if (!placeholder && !e.value().isArray() && !e.value().isObject())
                    QVERIFY2(
                        a.json.value(e.key()) == e.value(),
                        qPrintable(head.at(0) + lit(": ") + e.key() + lit(" = ") +
                                   QString::fromUtf8(QJsonDocument(a.json).toJson(QJsonDocument::Compact))));
            }
        }
        ++replayed;
    }
    QCOMPARE(replayed, examples.size());
}

// ---- ApiClient (the console's remote mode) ----------------------------------------------------------

namespace {
template<typename T>
Result<T> await(QFuture<Result<T>> future)
{
    (void)QTest::qWaitFor([&] { return future.isFinished(); }, 10000);
    if (!future.isFinished())
        return makeError(ErrorCode::Internal, QStringLiteral("timed out"));
    return future.result();
}
} // namespace

void TestApi::apiClientRoundTrip()
{
    ApiClient client(m_nam, m_server->baseUrl(), QString::fromLatin1(m_agentToken));
    auto created = await(client.createRequest({lit("Remote request"),
                                               lit("from the console"),
                                               lit("alice@example.com"),
                                               {lit("U0CAROL")},
                                               lit("U0BOB"),
                                               lit("IT")}));
    QVERIFY2(created.ok(), qPrintable(created.error().toString()));
    QCOMPARE(created->requester, lit("U0ALICE"));
    QCOMPARE(created->assignee, lit("U0BOB"));
    QCOMPARE(created->team, lit("IT"));
    QVERIFY(created->createdAt.isValid());
    const qint64 id = created->id;

    auto posted = await(client.postUpdate(id, lit("on it")));
    QVERIFY(posted.ok());
    QCOMPARE(posted->author, lit("U0BOB"));
    auto edited = await(client.editUpdate(posted->id, lit("on it now")));
    QVERIFY(edited.ok());
    QVERIFY(edited->editedAt.isValid());
    QVERIFY(await(client.follow(id, lit("U0DAVE"))).ok());
    QVERIFY(await(client.unfollow(id, lit("U0CAROL"))).ok());
    auto changed = await(client.updateRequest(id, created->version, {{lit("status"), lit("waiting")}}));
    QVERIFY(changed.ok());
    QCOMPARE(changed->status, lit("waiting"));
    // a stale version is a Conflict on the version field
    auto stale = await(client.updateRequest(id, created->version, {{lit("status"), lit("open")}}));
    QVERIFY(!stale.ok());
    QCOMPARE(stale.error().code, ErrorCode::Conflict);
    QCOMPARE(stale.error().field, lit("version"));
    // retry without a sync engine: Unavailable; with one, the count it queued
    auto retried = await(client.retryUpdate(posted->id));
    QVERIFY(!retried.ok());
    QCOMPARE(retried.error().code, ErrorCode::Unavailable);
    m_server->setRetryProvider([](qint64 u, qint64 c) -> Result<int> { return u > 0 ? 3 : int(c); });
    retried = await(client.retryUpdate(posted->id));
    QVERIFY(retried.ok());
    QCOMPARE(retried.value(), 3);
    retried = await(client.retryConversation(4));
    QVERIFY(retried.ok());
    QCOMPARE(retried.value(), 4);
    m_server->setRetryProvider({});
    auto everyone = await(client.people({}, 1));
    QVERIFY(everyone.ok());
    QCOMPARE(everyone->people.size(), 1);
    QVERIFY(!everyone->people.at(0).user.isEmpty());
    QVERIFY(!everyone->nextCursor.isEmpty());
    QVERIFY(await(client.deleteUpdate(posted->id)).ok());

    auto timeline = await(client.request(id));
    QVERIFY(timeline.ok());
    QCOMPARE(timeline->request.status, lit("waiting"));
    QCOMPARE(timeline->updates.size(), 1);
    QVERIFY(timeline->updates.at(0).deleted);
    QStringList followers;
    for (const RemoteFollower &f : timeline->followers)
        followers << f.user;
    followers.sort();
    QCOMPARE(followers, (QStringList{lit("U0ALICE"), lit("U0BOB"), lit("U0DAVE")}));

    for (int i = 0; i < 4; ++i)
        QVERIFY(
            await(client.createRequest({QStringLiteral("more %1").arg(i), {}, lit("U0ALICE"), {}, {}, {}}))
                .ok());
    RemoteQuery query;
    query.limit = 2;
    QSet<qint64> seen;
    int pages = 0;
    do {
        auto page = await(client.listRequests(query));
        QVERIFY(page.ok());
        for (const RemoteRequest &r : page->requests) {
            QVERIFY(!seen.contains(r.id));
            seen << r.id;
        }
        query.cursor = page->nextCursor;
        ++pages;
    } while (!query.cursor.isEmpty() && pages < 10);
    QCOMPARE(seen.size(), 5);
    query = {};
    query.statuses = {lit("waiting")};
    auto waiting = await(client.listRequests(query));
    QVERIFY(waiting.ok());
    QCOMPARE(waiting->requests.size(), 1);

    auto validation = await(client.createRequest({lit(""), {}, lit("U0ALICE"), {}, {}, {}}));
    QCOMPARE(validation.error().code, ErrorCode::Invalid);
    QCOMPARE(validation.error().field, lit("title"));
    auto missing = await(client.request(424242));
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
    auto noEngine = await(client.queues());
    QCOMPARE(noEngine.error().code, ErrorCode::Unavailable);

    ApiClient badToken(m_nam, m_server->baseUrl(), lit("tl_wrong"));
    QCOMPARE(await(badToken.listRequests()).error().code, ErrorCode::Unauthorized);
    ApiClient nowhere(m_nam, QUrl(lit("http://127.0.0.1:1/")), QString::fromLatin1(m_agentToken));
    QCOMPARE(await(nowhere.listRequests()).error().code, ErrorCode::Unavailable);
}

void TestApi::apiStreamClientReconnectsAndStopsOnRefusal()
{
    const quint16 port = m_server->port();
    ApiStreamClient stream(m_server->baseUrl(), QString::fromLatin1(m_agentToken));
    QSignalSpy connectedSpy(&stream, &ApiStreamClient::connected);
    QSignalSpy events(&stream, &ApiStreamClient::eventReceived);
    stream.open();
    QVERIFY(connectedSpy.wait(5000));
    createRequest(lit("streamed"));
    QTRY_COMPARE_WITH_TIMEOUT(events.size(), 1, 5000);
    QCOMPARE(events.at(0).at(0).toJsonObject().value(lit("type")).toString(), lit("request.created"));

    // The server goes away and comes back on the same port: the client reconnects by itself.
    QSignalSpy dropped(&stream, &ApiStreamClient::disconnected);
    m_server.reset();
    QVERIFY(dropped.size() == 1 || dropped.wait(5000));
    ApiOptions options;
    options.adminToken = QString::fromLatin1(AdminToken);
    m_server = std::make_unique<ApiServer>(m_store.get(), options);
    QVERIFY(m_server->listen(QHostAddress::LocalHost, port).ok());
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.size(), 2, 10000);
    createRequest(lit("after reconnect"));
    QTRY_COMPARE_WITH_TIMEOUT(events.size(), 2, 5000);

    // A refused token stops the reconnect loop.
    ApiStreamClient refused(m_server->baseUrl(), lit("tl_wrong"));
    QSignalSpy failed(&refused, &ApiStreamClient::authenticationFailed);
    QSignalSpy refusedConnected(&refused, &ApiStreamClient::connected);
    refused.open();
    QVERIFY(failed.wait(5000));
    QTest::qWait(600);
    QCOMPARE(refusedConnected.size(), 0);
    QCOMPARE(failed.size(), 1);
    QCOMPARE(m_server->streamClientCount(), 1);
}

// ---- idempotency keys ----------------------------------------------------------------------------

qint64 TestApi::count(const QString &sql, const QVariantList &binds)
{
    auto v = m_store->scalar(sql, binds);
    return v && v.value() ? v.value()->toLongLong() : -1;
}

QString TestApi::deskState()
{
    QStringList parts;
    for (const char *sql :
         {"SELECT COUNT(*) FROM requests", "SELECT COALESCE(SUM(version), 0) FROM requests",
          "SELECT COUNT(*) FROM updates", "SELECT COUNT(*) FROM updates WHERE edited_at IS NOT NULL",
          "SELECT COUNT(*) FROM updates WHERE deleted_at IS NOT NULL", "SELECT COUNT(*) FROM followers",
          "SELECT COUNT(*) FROM people", "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NOT NULL",
          "SELECT COUNT(*) FROM audit_log", "SELECT COUNT(*) FROM change_log"})
        parts << QString::number(count(lit(sql)));
    return parts.join(QLatin1Char(' '));
}

void TestApi::idempotentWritesStoreOnce_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("admin");
    QTest::addColumn<int>("status");
    // {id}: a request Bob created with Carol following; {update}: Bob's update on it.
    QTest::newRow("create request") << QByteArray("POST") << lit("/api/v1/requests")
                                    << QByteArray(R"({"title": "Idem", "requester": "U0ALICE"})") << false
                                    << 201;
    QTest::newRow("post update") << QByteArray("POST") << lit("/api/v1/requests/{id}/updates")
                                 << QByteArray(R"({"text": "said once"})") << false << 201;
    QTest::newRow("post update as admin")
        << QByteArray("POST") << lit("/api/v1/requests/{id}/updates")
        << QByteArray(R"({"text": "x", "author": "U0ALICE"})") << true << 201;
    QTest::newRow("change request") << QByteArray("PATCH") << lit("/api/v1/requests/{id}")
                                    << QByteArray(R"({"status": "open", "version": 1})") << false << 200;
    QTest::newRow("edit update") << QByteArray("PATCH") << lit("/api/v1/updates/{update}")
                                 << QByteArray(R"({"text": "edited once"})") << false << 200;
    QTest::newRow("delete update") << QByteArray("DELETE") << lit("/api/v1/updates/{update}") << QByteArray()
                                   << false << 204;
    QTest::newRow("follow") << QByteArray("POST") << lit("/api/v1/requests/{id}/followers")
                            << QByteArray(R"({"user": "U0DAVE"})") << false << 201;
    QTest::newRow("unfollow") << QByteArray("DELETE") << lit("/api/v1/requests/{id}/followers/U0CAROL")
                              << QByteArray() << false << 204;
    QTest::newRow("upsert person") << QByteArray("POST") << lit("/api/v1/people")
                                   << QByteArray(R"({"slack_id": "U0ERIN", "name": "Erin"})") << true << 200;
    QTest::newRow("revoke token") << QByteArray("DELETE") << lit("/api/v1/tokens/{token}") << QByteArray()
                                  << true << 204;
}

void TestApi::idempotentWritesStoreOnce()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(bool, admin);
    QFETCH(int, status);
    const Answer created = callJson("POST", lit("/api/v1/requests"),
                                    {{lit("title"), lit("Base")},
                                     {lit("requester"), lit("U0ALICE")},
                                     {lit("followers"), QJsonArray{lit("U0CAROL")}}},
                                    m_agentToken);
    QCOMPARE(created.status, 201);
    const qint64 id = created.json.value(lit("id")).toInteger();
    const Answer update = callJson("POST", QStringLiteral("/api/v1/requests/%1/updates").arg(id),
                                   {{lit("text"), lit("first")}}, m_agentToken);
    QCOMPARE(update.status, 201);
    path.replace(lit("{id}"), QString::number(id));
    path.replace(lit("{update}"), QString::number(update.json.value(lit("id")).toInteger()));
    path.replace(lit("{token}"), QString::number(m_otherTokenId));
    const QByteArray token = admin ? AdminToken : m_agentToken;
    const QList<QPair<QByteArray, QByteArray>> key{{"Idempotency-Key", "5f0c9a3e-idem-" + method}};

    const Answer first = call(method, path, token, body, key);
    QCOMPARE(first.status, status);
    QVERIFY(!first.headers.contains("idempotent-replayed"));
    const QString after = deskState();
    for (int retry = 0; retry < 2; ++retry) {
        const Answer again = call(method, path, token, body, key);
        QCOMPARE(again.status, status);
        QCOMPARE(again.body, first.body);
        QCOMPARE(again.headers.value("idempotent-replayed"), QByteArray("true"));
        QCOMPARE(again.headers.value("location"), first.headers.value("location"));
        QCOMPARE(again.headers.value("etag"), first.headers.value("etag"));
        QCOMPARE(deskState(), after);
    }
    QCOMPARE(count(lit("SELECT COUNT(*) FROM idempotency_keys")), 1);
    // The same write with a new key is a new write (and, for these, answered differently).
    if (path.contains(lit("/followers/")) ||
        (method == "PATCH" && path.startsWith(lit("/api/v1/requests/")))) {
        const Answer fresh = call(method, path, token, body, {{"Idempotency-Key", "another-key"}});
        QVERIFY2(fresh.status == 404 || fresh.status == 409, fresh.body.constData());
        QCOMPARE(deskState(), after);
        QCOMPARE(count(lit("SELECT COUNT(*) FROM idempotency_keys")), 1); // a refusal keeps no key
    }
}

void TestApi::idempotencyKeyReusedForAnotherRequest()
{
    const qint64 id = createRequest(lit("reuse"), m_agentToken);
    const QString path = QStringLiteral("/api/v1/requests/%1/updates").arg(id);
    const QList<QPair<QByteArray, QByteArray>> key{{"Idempotency-Key", "reused-key"}};
    QCOMPARE(call("POST", path, m_agentToken, R"({"text": "a"})", key).status, 201);
    const QString state = deskState();

    for (const auto &[method, route, body] :
         {std::tuple<QByteArray, QString, QByteArray>{"POST", path, R"({"text": "b"})"},
          {"POST", path, R"({"text":"a"})"}, // other bytes, same meaning: still another request
          {"POST", QStringLiteral("/api/v1/requests/%1/followers").arg(id), R"({"text": "a"})"},
          {"PATCH", lit("/api/v1/updates/1"), R"({"text": "a"})"},
          {"DELETE", lit("/api/v1/updates/1"), {}}}) {
        const Answer a = call(method, route, m_agentToken, body, key);
        QCOMPARE(a.status, 422);
        QCOMPARE(a.error(), lit("idempotency_key_reused"));
        QCOMPARE(a.field(), lit("Idempotency-Key"));
        QVERIFY(a.json.value(lit("message")).toString().contains(lit("different request")));
        QCOMPARE(deskState(), state);
    }
    // Keys belong to their principal: Carol's "reused-key" is hers.
    const Answer carol = call("POST", path, m_otherToken, R"({"text": "a"})", key);
    QCOMPARE(carol.status, 201);
    QVERIFY(!carol.headers.contains("idempotent-replayed"));
    QCOMPARE(carol.json.value(lit("author")).toString(), lit("U0CAROL"));
    QCOMPARE(count(lit("SELECT COUNT(*) FROM updates")), 2);
    // A refused write keeps no key: the key may carry the corrected request.
    const QList<QPair<QByteArray, QByteArray>> key2{{"Idempotency-Key", "fix-and-resend"}};
    QCOMPARE(call("POST", path, m_agentToken, R"({"text": ""})", key2).status, 422);
    QCOMPARE(call("POST", path, m_agentToken, R"({"text": "fixed"})", key2).status, 201);
    QCOMPARE(count(lit("SELECT COUNT(*) FROM updates")), 3);
    // The token route never takes a key: its answer holds a secret that is not stored.
    const Answer token = call("POST", lit("/api/v1/tokens"), AdminToken, R"({"user": "U0BOB"})", key2);
    QCOMPARE(token.status, 400);
    QCOMPARE(token.field(), lit("Idempotency-Key"));
    QCOMPARE(count(lit("SELECT COUNT(*) FROM api_tokens")), 2);
}

void TestApi::idempotentRetryRunsOnce()
{
    const qint64 id = createRequest(lit("retry once"), m_agentToken);
    const Answer update = callJson("POST", QStringLiteral("/api/v1/requests/%1/updates").arg(id),
                                   {{lit("text"), lit("stuck")}}, m_agentToken);
    QCOMPARE(update.status, 201);
    int calls = 0;
    m_server->setRetryProvider([&calls](qint64, qint64) -> Result<int> { return ++calls * 3; });
    const QString path =
        QStringLiteral("/api/v1/updates/%1/retry").arg(update.json.value(lit("id")).toInteger());
    const QList<QPair<QByteArray, QByteArray>> key{{"Idempotency-Key", "retry-once"}};
    const Answer first = call("POST", path, m_agentToken, {}, key);
    QCOMPARE(first.status, 200);
    const Answer again = call("POST", path, m_agentToken, {}, key);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.body, first.body);
    QCOMPARE(again.headers.value("idempotent-replayed"), QByteArray("true"));
    QCOMPARE(calls, 1); // the jobs were queued again once
    QCOMPARE(call("POST", path, m_agentToken, {}, {{"Idempotency-Key", "retry-twice"}}).status, 200);
    QCOMPARE(calls, 2);
    m_server->setRetryProvider({}); // it refers to this function's counter
}

void TestApi::lostAnswerRetryStoresOnce_data()
{
    QTest::addColumn<bool>("withKey");
    QTest::addColumn<int>("stored");
    // Without a key the retry is a second write: the hazard the key closes, shown by the same test.
    QTest::newRow("with a key") << true << 1;
    QTest::newRow("without a key") << false << 2;
}

void TestApi::lostAnswerRetryStoresOnce()
{
    QFETCH(bool, withKey);
    QFETCH(int, stored);
    const qint64 id = createRequest(lit("lost answers"), m_agentToken);
    const QString path = QStringLiteral("/api/v1/requests/%1/updates").arg(id);
    const QByteArray body = R"({"text": "sent once, answer lost"})";
    const QByteArray key = "9d1e6c0f-lost-answer";
    QByteArray raw =
        "POST " + path.toLatin1() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_agentToken +
        "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    if (withKey)
        raw += "Idempotency-Key: " + key + "\r\n";
    raw += "\r\n" + body;

    // The client's connection dies right after the server committed, before the answer is written:
    // Store::changed is emitted after COMMIT, inside the request, before the answer goes out.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(socket.waitForConnected(5000));
    bool committed = false;
    const auto cut = connect(m_store.get(), &Store::changed, &socket, [&](const StoreChange &change) {
        if (change.kind == StoreChange::Kind::UpdatePosted && !committed) {
            committed = true;
            socket.abort();
        }
    });
    socket.write(raw);
    QTRY_VERIFY_WITH_TIMEOUT(committed, 10000);
    disconnect(cut);
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(socket.bytesAvailable(), 0); // no answer reached the client
    QCOMPARE(count(lit("SELECT COUNT(*) FROM updates WHERE request_id = ?"), {id}), 1);

    // The client does not know whether it was stored, and sends it again.
    const Answer retry = call("POST", path, m_agentToken, body,
                              withKey ? QList<QPair<QByteArray, QByteArray>>{{"Idempotency-Key", key}}
                                      : QList<QPair<QByteArray, QByteArray>>{});
    QCOMPARE(retry.status, 201);
    QCOMPARE(retry.headers.value("idempotent-replayed") == "true", withKey);
    QCOMPARE(count(lit("SELECT COUNT(*) FROM updates WHERE request_id = ?"), {id}), stored);
    if (withKey)
        QCOMPARE(retry.json.value(lit("id")).toInteger(),
                 count(lit("SELECT MIN(id) FROM updates WHERE request_id = ?"), {id}));
}

void TestApi::hostileIdempotencyKeys_data()
{
    QTest::addColumn<QByteArray>("headerLines");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("status");
    QTest::newRow("empty") << QByteArray("Idempotency-Key: \r\n") << QByteArray("POST") << 400;
    QTest::newRow("256 characters") << "Idempotency-Key: " + QByteArray(256, 'k') + "\r\n"
                                    << QByteArray("POST") << 400;
    QTest::newRow("64 KiB") << "Idempotency-Key: " + QByteArray(15000, 'k') + "\r\n"
                            << QByteArray("POST") << 400;
    QTest::newRow("non-ASCII (UTF-8)")
        << QByteArray("Idempotency-Key: cl\xc3\xa9-\xd0\xba\xd0\xbb\r\n") << QByteArray("POST") << 400;
    QTest::newRow("Latin-1 byte") << QByteArray("Idempotency-Key: cl\xe9\r\n") << QByteArray("POST") << 400;
    QTest::newRow("space inside") << QByteArray("Idempotency-Key: two words\r\n") << QByteArray("POST")
                                  << 400;
    QTest::newRow("control character") << QByteArray("Idempotency-Key: a\x01"
                                                     "b\r\n")
                                       << QByteArray("POST") << 400;
    QTest::newRow("NUL") << QByteArray("Idempotency-Key: a\0b\r\n", 22) << QByteArray("POST") << 400;
    QTest::newRow("SQL metacharacters")
        << QByteArray("Idempotency-Key: ';DROP/**/TABLE/**/idempotency_keys;--\r\n") << QByteArray("POST")
        << 201;
    QTest::newRow("two headers") << QByteArray("Idempotency-Key: a\r\nIdempotency-Key: b\r\n")
                                 << QByteArray("POST") << 400;
    QTest::newRow("on a read") << QByteArray("Idempotency-Key: \r\n") << QByteArray("GET") << 400;
    QTest::newRow("255 characters") << "Idempotency-Key: " + QByteArray(255, 'k') + "\r\n"
                                    << QByteArray("POST") << 201;
}

void TestApi::hostileIdempotencyKeys()
{
    QFETCH(QByteArray, headerLines);
    QFETCH(QByteArray, method);
    QFETCH(int, status);
    const QByteArray body =
        method == "POST" ? QByteArray(R"({"title": "keyed", "requester": "U0ALICE"})") : QByteArray();
    const QString before = deskState();
    const QByteArray answer = rawExchange(
        method + " /api/v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_agentToken +
        "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" +
        headerLines + "\r\n" + body);
    QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + QByteArray::number(status))), answer.constData());
    const QJsonObject json = QJsonDocument::fromJson(answer.mid(answer.indexOf("\r\n\r\n") + 4)).object();
    if (status == 400) {
        QCOMPARE(json.value(lit("error")).toString(), lit("bad_request"));
        QCOMPARE(json.value(lit("field")).toString(), lit("Idempotency-Key"));
        QVERIFY(!json.value(lit("message")).toString().isEmpty());
        QCOMPARE(deskState(), before);
        QCOMPARE(count(lit("SELECT COUNT(*) FROM idempotency_keys")), 0);
    } else {
        QCOMPARE(count(lit("SELECT COUNT(*) FROM requests")), 1);
        QCOMPARE(count(lit("SELECT COUNT(*) FROM idempotency_keys")), 1);
        // Stored verbatim and replayed.
        const QByteArray again =
            rawExchange(method + " /api/v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                        m_agentToken + "\r\nContent-Type: application/json\r\nContent-Length: " +
                        QByteArray::number(body.size()) + "\r\n" + headerLines + "\r\n" + body);
        QVERIFY2(again.toLower().contains("idempotent-replayed: true"), again.constData());
        QCOMPARE(count(lit("SELECT COUNT(*) FROM requests")), 1);
    }
}

void TestApi::idempotencyKeysExpire()
{
    // The store outlives this function (cleanup() resets it): the clock owns its time.
    const auto clock = std::make_shared<qint64>(1'800'000'000'000);
    qint64 &now = *clock;
    m_store->setClock([clock] { return *clock; });
    const qint64 id = createRequest(lit("expiring keys"), m_agentToken);
    const QString path = QStringLiteral("/api/v1/requests/%1/updates").arg(id);
    const QByteArray body = R"({"text": "keyed"})";
    const QList<QPair<QByteArray, QByteArray>> key{{"Idempotency-Key", "expiring"}};
    const Answer first = call("POST", path, m_agentToken, body, key);
    QCOMPARE(first.status, 201);
    QCOMPARE(call("POST", path, m_agentToken, R"({"text": "other"})", {{"Idempotency-Key", "pruned"}}).status,
             201);

    now += Store::IdempotencyKeyLifetimeMs - 1; // still remembered
    const Answer replay = call("POST", path, m_agentToken, body, key);
    QCOMPARE(replay.headers.value("idempotent-replayed"), QByteArray("true"));
    QCOMPARE(replay.body, first.body);
    QCOMPARE(count(lit("SELECT COUNT(*) FROM updates")), 2);

    now += 2; // expired: the key starts again, and the same request is a new write
    const Answer fresh = call("POST", path, m_agentToken, body, key);
    QCOMPARE(fresh.status, 201);
    QVERIFY(!fresh.headers.contains("idempotent-replayed"));
    QVERIFY(fresh.json.value(lit("id")).toInteger() != first.json.value(lit("id")).toInteger());
    QCOMPARE(count(lit("SELECT COUNT(*) FROM updates")), 3);

    // Pruning deletes what expired ("pruned"), not the key just used again.
    QCOMPARE(count(lit("SELECT COUNT(*) FROM idempotency_keys")), 2);
    auto pruned = m_store->transaction(
        [&] { return m_store->pruneIdempotencyKeys(now - Store::IdempotencyKeyLifetimeMs, 100); });
    QVERIFY(pruned.ok());
    QCOMPARE(pruned.value(), 1);
    QCOMPARE(count(lit("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'expiring'")), 1);
    QCOMPARE(count(lit("SELECT COUNT(*) FROM idempotency_keys")), 1);
}

namespace {

//! A TCP proxy to the API that drops the first `drop` connections as soon as the server's answer
//! starts to arrive: the server committed, the client never sees the answer.
class DroppingProxy : public QObject
{
public:
    DroppingProxy(quint16 target, int drop)
        : m_target(target)
        , m_drop(drop)
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *in = m_server.nextPendingConnection()) {
                const bool dropIt = connections++ < m_drop;
                auto *out = new QTcpSocket(in);
                out->connectToHost(QHostAddress::LocalHost, m_target);
                QObject::connect(in, &QTcpSocket::readyRead, out, [in, out] { out->write(in->readAll()); });
                QObject::connect(out, &QTcpSocket::readyRead, in, [this, in, out, dropIt] {
                    const QByteArray data = out->readAll();
                    if (dropIt) {
                        ++dropped;
                        in->abort();
                        in->deleteLater();
                        return;
                    }
                    in->write(data);
                });
                QObject::connect(out, &QTcpSocket::disconnected, in, &QTcpSocket::disconnectFromHost);
                QObject::connect(in, &QTcpSocket::disconnected, in, &QObject::deleteLater);
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(m_server.serverPort())); }

    int connections = 0;
    int dropped = 0;

private:
    QTcpServer m_server;
    quint16 m_target;
    int m_drop;
};

} // namespace

void TestApi::apiClientRetriesAWriteWhoseAnswerWasLost()
{
    const qint64 id = createRequest(lit("console writes"), m_agentToken);
    DroppingProxy proxy(m_server->port(), 1);
    QVERIFY(proxy.listen());
    QNetworkAccessManager nam;
    ApiClient client(&nam, proxy.url(), QString::fromLatin1(m_agentToken));
    auto posted = await(client.postUpdate(id, lit("from the console, once")));
    QVERIFY2(posted.ok(), qPrintable(posted.error().toString()));
    QCOMPARE(proxy.dropped, 1);
    QVERIFY(proxy.connections >= 2);
    QCOMPARE(count(lit("SELECT COUNT(*) FROM updates WHERE request_id = ?"), {id}), 1);
    QCOMPARE(posted->id, count(lit("SELECT id FROM updates WHERE request_id = ?"), {id}));
    QCOMPARE(count(lit("SELECT COUNT(*) FROM idempotency_keys")), 1);

    // Every write carries its own key: two posts of the same text are two updates.
    QVERIFY(await(client.postUpdate(id, lit("again"))).ok());
    QVERIFY(await(client.postUpdate(id, lit("again"))).ok());
    QCOMPARE(count(lit("SELECT COUNT(*) FROM updates WHERE request_id = ?"), {id}), 3);
    QCOMPARE(count(lit("SELECT COUNT(*) FROM idempotency_keys")), 3);
}

QTEST_GUILESS_MAIN(TestApi)
#include "tst_api.moc"

// ---- attachment content ---------------------------------------------------------------------------

TestApi::AttachmentFixture TestApi::attachmentFixture()
{
    AttachmentFixture f;
    const QString root = m_dir.filePath(QStringLiteral("files-%1").arg(++m_counter));
    files::FileStore store(root);
    if (!store.ensureReady())
        return f;
    m_server->setFilesDirectory(root);
    // Bytes with every byte value (and a NUL) so a text conversion anywhere would show.
    for (int i = 0; i < 70000; ++i)
        f.bytes.append(char((i * 7 + i / 256) & 0xff));
    QBuffer source(&f.bytes);
    source.open(QIODevice::ReadOnly);
    auto stored = store.storeFrom(source);
    if (!stored)
        return f;
    const qint64 request = createRequest(lit("files"));
    auto update = m_store->postUpdate({request, 2, lit("with files"), UpdateSource::Desk, {}});
    auto gone = m_store->postUpdate({request, 2, lit("deleted later"), UpdateSource::Desk, {}});
    if (!update || !gone)
        return f;
    Attachment a;
    a.name = QStringLiteral("r\u00e9sum\u00e9 \"q\";\\n%.png");
    a.mimeType = lit("image/png");
    a.size = stored->size;
    a.sha256 = stored->sha256;
    a.storageKey = stored->storageKey;
    auto s1 = m_store->addAttachment(update->id, a);
    Attachment refused = a;
    refused.name = lit("page.png");
    refused.state = lit("refused");
    refused.lastError = lit("not a PNG");
    auto s2 = m_store->addAttachment(update->id, refused);
    auto s3 = m_store->addAttachment(gone->id, a);
    Attachment missing = a;
    missing.sha256 = QString(64, QLatin1Char('0'));
    missing.storageKey = lit("sha256/00/") + missing.sha256;
    auto s4 = m_store->addAttachment(update->id, missing);
    if (!s1 || !s2 || !s3 || !s4 || !m_store->deleteUpdate(gone->id, 2))
        return f;
    // The bytes are on disk, but the attachment was refused (as the files pipeline marks it).
    if (!m_store->exec(lit("UPDATE attachments SET state = 'refused', last_error = 'not a PNG' WHERE id = ?"),
                       {s2->id}))
        return f;
    f.stored = s1->id;
    f.refused = s2->id;
    f.deleted = s3->id;
    f.missing = s4->id;
    return f;
}

void TestApi::attachmentContentStreamsStoredBytes()
{
    const AttachmentFixture f = attachmentFixture();
    QVERIFY(f.stored > 0);
    const QString path = QStringLiteral("/api/v1/attachments/%1/content").arg(f.stored);
    for (const QByteArray &token : {AdminToken, m_agentToken}) {
        const Answer a = call("GET", path, token);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.size(), f.bytes.size());
        QVERIFY(a.body == f.bytes); // byte for byte
        QCOMPARE(a.headers.value("content-type"), QByteArray("image/png"));
        QCOMPARE(a.headers.value("content-length"), QByteArray::number(f.bytes.size()));
        QCOMPARE(a.headers.value("x-content-type-options"), QByteArray("nosniff"));
        const QByteArray hash = QCryptographicHash::hash(f.bytes, QCryptographicHash::Sha256).toHex();
        QCOMPARE(a.headers.value("etag"), '"' + hash + '"');
        // attachment, never inline; the exact name percent-encoded; the fallback has no quote,
        // backslash or line break that could end the header or the parameter
        const QByteArray disposition = a.headers.value("content-disposition");
        QVERIFY2(disposition.startsWith("attachment; filename=\"r_sum_ _q_;_n_.png\"; "),
                 disposition.constData());
        QVERIFY2(disposition.endsWith("filename*=UTF-8''r%C3%A9sum%C3%A9%20%22q%22%3B%5Cn%25.png"),
                 disposition.constData());
    }
    // HEAD-less clients and repeated reads: the same bytes again after a JSON route on the connection
    QCOMPARE(call("GET", QStringLiteral("/api/v1/requests/1")).status, 200);
    QVERIFY(call("GET", path).body == f.bytes);
    // A stored HTML type is never answered as HTML.
    QVERIFY(m_store->exec(lit("UPDATE attachments SET mime_type = 'text/html' WHERE id = ?"), {f.stored}));
    QCOMPARE(call("GET", path).headers.value("content-type"), QByteArray("application/octet-stream"));
    QVERIFY(m_store->exec(lit("UPDATE attachments SET mime_type = 'image/png\r\nX-Evil: 1' WHERE id = ?"),
                          {f.stored}));
    const Answer evil = call("GET", path);
    QCOMPARE(evil.headers.value("content-type"), QByteArray("application/octet-stream"));
    QVERIFY(!evil.headers.contains("x-evil"));
    // Without a files store the route says so.
    m_server->setFilesDirectory(QString());
    QCOMPARE(call("GET", path).status, 503);
}

void TestApi::attachmentContentRefusesHostileInput_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("status");
    QTest::newRow("no token") << lit("no token") << 401;
    QTest::newRow("bad token") << lit("bad token") << 401;
    QTest::newRow("revoked token") << lit("revoked token") << 401;
    QTest::newRow("unknown id") << lit("/api/v1/attachments/987654/content") << 404;
    QTest::newRow("zero id") << lit("/api/v1/attachments/0/content") << 404;
    QTest::newRow("negative id") << lit("/api/v1/attachments/-1/content") << 404;
    QTest::newRow("non-numeric id") << lit("/api/v1/attachments/abc/content") << 404;
    QTest::newRow("huge id") << lit("/api/v1/attachments/99999999999999999999999/content") << 404;
    QTest::newRow("sql in id") << lit("/api/v1/attachments/1%20OR%201=1/content") << 404;
    QTest::newRow("dot dot") << lit("/api/v1/attachments/..%2F..%2Fetc%2Fpasswd/content") << 404;
    QTest::newRow("encoded slash") << lit("/api/v1/attachments/1%2F..%2F2/content") << 404;
    QTest::newRow("hash as id") << lit("/api/v1/attachments/sha256%2Fab%2Fcd/content") << 404;
    QTest::newRow("extra segment") << lit("/api/v1/attachments/1/content/x") << 404;
    QTest::newRow("no content segment") << lit("/api/v1/attachments/1") << 404;
    QTest::newRow("refused") << lit("refused") << 404;
    QTest::newRow("deleted update") << lit("deleted") << 404;
    QTest::newRow("file missing") << lit("missing") << 404;
    QTest::newRow("post") << lit("post") << 405;
}

void TestApi::attachmentContentRefusesHostileInput()
{
    QFETCH(QString, kind);
    QFETCH(int, status);
    const AttachmentFixture f = attachmentFixture();
    QVERIFY(f.stored > 0);
    const auto content = [](qint64 id) { return QStringLiteral("/api/v1/attachments/%1/content").arg(id); };
    QString path = content(f.stored);
    QByteArray token = m_agentToken;
    QByteArray method = "GET";
    if (kind == QLatin1String("no token")) {
        token.clear();
    } else if (kind == QLatin1String("bad token")) {
        token = "tl_" + QByteArray(43, 'x');
    } else if (kind == QLatin1String("revoked token")) {
        QVERIFY(TokenStore(*m_store).revoke(m_agentTokenId));
    } else if (kind == QLatin1String("refused")) {
        path = content(f.refused);
    } else if (kind == QLatin1String("deleted")) {
        path = content(f.deleted);
    } else if (kind == QLatin1String("missing")) {
        path = content(f.missing);
    } else if (kind == QLatin1String("post")) {
        method = "POST";
    } else {
        path = kind;
    }
    const Answer a = call(method, path, token, method == "POST" ? QByteArray("{}") : QByteArray());
    QVERIFY2(
        a.status == status,
        qPrintable(
            QStringLiteral("%1 -> %2 %3").arg(path).arg(a.status).arg(QString::fromUtf8(a.body.left(200)))));
    QVERIFY(!a.body.contains(f.bytes.left(64))); // none of the file leaks into an error
    QVERIFY(!a.json.value(lit("error")).toString().isEmpty());
    QVERIFY(!a.json.value(lit("message")).toString().contains(m_dir.path()));
    if (status == 401)
        QVERIFY(a.headers.value("www-authenticate").startsWith("Bearer"));
    // The stored file is still served to a good token afterwards.
    QVERIFY(call("GET", content(f.stored)).body == f.bytes);
}

void TestApi::apiClientFetchesAttachmentContent()
{
    const AttachmentFixture f = attachmentFixture();
    QVERIFY(f.stored > 0);
    ApiClient client(m_nam, m_server->baseUrl(), QString::fromLatin1(m_agentToken));
    auto bytes = await(client.attachmentContent(f.stored));
    QVERIFY2(bytes.ok(), qPrintable(bytes.error().toString()));
    QVERIFY(bytes.value() == f.bytes);
    // over the cap: refused, not truncated
    auto capped = await(client.attachmentContent(f.stored, f.bytes.size() - 1));
    QVERIFY(!capped.ok());
    QCOMPARE(capped.error().code, ErrorCode::TooLarge);
    auto refused = await(client.attachmentContent(f.refused));
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, ErrorCode::NotFound);
    auto unknown = await(client.attachmentContent(987654));
    QCOMPARE(unknown.error().code, ErrorCode::NotFound);
    ApiClient stranger(m_nam, m_server->baseUrl(), lit("tl_nottherighttoken"));
    auto refusedToken = await(stranger.attachmentContent(f.stored));
    QCOMPARE(refusedToken.error().code, ErrorCode::Unauthorized);
}

void TestApi::attachmentContentSurvivesClientsLeavingMidFile()
{
    // A file of many chunks: streamed whole and unchanged; clients that leave after the headers or
    // part of the bytes do not disturb the server, which serves the next client the whole file.
    const AttachmentFixture f = attachmentFixture();
    QVERIFY(f.stored > 0);
    files::FileStore store(m_dir.filePath(QStringLiteral("files-big")));
    QVERIFY(store.ensureReady());
    QByteArray big;
    big.reserve(6 * 1024 * 1024 + 7);
    for (int i = 0; i < 6 * 1024 * 1024 + 7; ++i)
        big.append(char((i * 31 + i / 4096) & 0xff));
    QBuffer source(&big);
    QVERIFY(source.open(QIODevice::ReadOnly));
    auto stored = store.storeFrom(source);
    QVERIFY(stored);
    QVERIFY(m_store->exec(lit("UPDATE attachments SET sha256 = ?, storage_key = ?, size = ? WHERE id = ?"),
                          {stored->sha256, stored->storageKey, stored->size, f.stored}));
    m_server->setFilesDirectory(store.root());
    const QString path = QStringLiteral("/api/v1/attachments/%1/content").arg(f.stored);
    for (int leaveAfter : {0, 200 * 1024}) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_server->port());
        QVERIFY(socket.waitForConnected(5000));
        socket.write("GET " + path.toLatin1() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     m_agentToken + "\r\n\r\n");
        QByteArray got;
        QVERIFY(QTest::qWaitFor(
            [&] {
                got += socket.readAll();
                return got.contains("\r\n\r\n") && got.size() > leaveAfter;
            },
            10000));
        QVERIFY(got.startsWith("HTTP/1.1 200"));
        socket.abort();
        QTest::qWait(50); // the server notices the closed connection
    }
    // A request pipelined behind the file: the file arrives whole, then the connection closes
    // without an answer inside or after the file's bytes (Connection: close).
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_server->port());
        QVERIFY(socket.waitForConnected(5000));
        const QByteArray get = "GET " + path.toLatin1() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                               m_agentToken + "\r\n\r\n";
        socket.write(get + "GET /api/v1/requests/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     m_agentToken + "\r\n\r\n");
        QByteArray got;
        QVERIFY(QTest::qWaitFor(
            [&] {
                got += socket.readAll();
                return socket.state() == QAbstractSocket::UnconnectedState;
            },
            20000));
        got += socket.readAll();
        const qsizetype headerEnd = got.indexOf("\r\n\r\n");
        QVERIFY(headerEnd > 0);
        QVERIFY(got.left(headerEnd).toLower().contains("connection: close"));
        QCOMPARE(got.size() - headerEnd - 4, big.size());
        QVERIFY(got.mid(headerEnd + 4) == big);
    }
    const Answer a = call("GET", path, m_agentToken);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.body.size(), big.size());
    QVERIFY(a.body == big);
    QCOMPARE(a.headers.value("etag"), '"' + stored->sha256.toLatin1() + '"');
    QCOMPARE(call("GET", lit("/api/v1/requests/1")).status, 200);
}
