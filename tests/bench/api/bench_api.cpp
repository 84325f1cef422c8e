// REST and stream benchmark of the API server. The server runs on the main thread (as in
// threadlined, over a SQLite file); a load generator on its own thread drives it over loopback:
//  - rest: N concurrent keep-alive clients, each creating a request then posting updates to it,
//    one call at a time; latency per call (send to complete answer), p50/p99 per kind;
//  - stream: N WebSocket clients; the server publishes events stamped with a monotonic clock and
//    each client records the delay until it has the message (fan-out latency);
//  - write to delivery: updates written to the store (as a REST call or the sync engine would)
//    while the N clients listen; latency from the start of the write to the `update.posted` event
//    at every client.
// Prints one JSON document. Usage: bench_api [--clients N] [--calls N] [--events N] [--writes N]

#include "api/apiserver.h"
#include "api/tokenstore.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

using namespace threadline;

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

QJsonObject summary(QList<double> ms)
{
    std::sort(ms.begin(), ms.end());
    const auto pct = [&](double p) {
        return ms.isEmpty() ? 0.0 : ms.at(qsizetype(p * double(ms.size() - 1)));
    };
    double sum = 0;
    for (double v : ms)
        sum += v;
    return {{QStringLiteral("count"), ms.size()},
            {QStringLiteral("p50_ms"), pct(0.50)},
            {QStringLiteral("p99_ms"), pct(0.99)},
            {QStringLiteral("max_ms"), ms.isEmpty() ? 0.0 : ms.last()},
            {QStringLiteral("mean_ms"), ms.isEmpty() ? 0.0 : sum / double(ms.size())}};
}

//! One keep-alive HTTP client: create a request, then post updates to it, one call at a time.
class RestClient : public QObject
{
public:
    RestClient(quint16 port, QByteArray token, int calls, QObject *parent)
        : QObject(parent)
        , m_token(std::move(token))
        , m_callsLeft(calls)
    {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::readyRead, this, [this] { onReadable(); });
        connect(m_socket, &QTcpSocket::connected, this, [this] { next(); });
        m_socket->connectToHost(QHostAddress::LocalHost, port);
    }
    QList<double> createMs, postMs;
    int errors = 0;
    std::function<void()> done;

private:
    void next()
    {
        if (m_callsLeft-- <= 0) {
            m_socket->disconnectFromHost();
            if (done)
                done();
            return;
        }
        QByteArray path, body;
        if (m_requestId == 0) {
            path = "/api/v1/requests";
            body =
                R"({"title":"Benchmark request","body":"load","requester":"U0ALICE","followers":["U0CAROL"]})";
        } else {
            path = "/api/v1/requests/" + QByteArray::number(m_requestId) + "/updates";
            body = R"({"text":"An update from the load generator"})";
        }
        m_buffer.clear();
        m_started = nowNs();
        m_socket->write("POST " + path + " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + m_token +
                        "\r\nContent-Type: application/json\r\nContent-Length: " +
                        QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }
    void onReadable()
    {
        m_buffer += m_socket->readAll();
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const qsizetype cl = m_buffer.toLower().indexOf("content-length:");
        const qsizetype lineEnd = m_buffer.indexOf("\r\n", cl);
        const qint64 length = m_buffer.mid(cl + 15, lineEnd - cl - 15).trimmed().toLongLong();
        if (m_buffer.size() < end + 4 + length)
            return;
        const double ms = double(nowNs() - m_started) / 1e6;
        const bool created = m_buffer.startsWith("HTTP/1.1 201");
        if (!created)
            ++errors;
        if (m_requestId == 0) {
            createMs << ms;
            m_requestId = QJsonDocument::fromJson(m_buffer.mid(end + 4, length))
                              .object()
                              .value(QStringLiteral("id"))
                              .toInteger();
        } else {
            postMs << ms;
        }
        next();
    }

    QTcpSocket *m_socket;
    QByteArray m_token;
    QByteArray m_buffer;
    int m_callsLeft;
    qint64 m_requestId = 0;
    qint64 m_started = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const auto option = [&](const char *name, int fallback) {
        const qsizetype i = args.indexOf(QString::fromLatin1(name));
        return i >= 0 && i + 1 < args.size() ? args.at(i + 1).toInt() : fallback;
    };
    const int clients = option("--clients", 50);
    const int calls = option("--calls", 40);
    const int events = option("--events", 200);
    const int writes = option("--writes", 100);

    QTemporaryDir dir;
    Store store;
    if (auto r = store.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db"))); !r) {
        std::fprintf(stderr, "%s\n", qPrintable(r.error().toString()));
        return 1;
    }
    store.upsertPerson({QStringLiteral("U0ALICE"), QStringLiteral("Alice"), {}, false});
    store.upsertPerson({QStringLiteral("U0CAROL"), QStringLiteral("Carol"), {}, true});
    auto agent = store.upsertPerson({QStringLiteral("U0BOB"), QStringLiteral("Bob"), {}, true});
    TokenStore tokens(store);
    auto token = tokens.create(agent->id, QStringLiteral("bench"));
    ApiOptions options;
    ApiServer server(&store, options);
    auto port = server.listen(QHostAddress::LocalHost, 0);
    if (!port || !token)
        return 1;

    QThread generator;
    generator.start();
    QJsonObject result{{QStringLiteral("clients"), clients},
                       {QStringLiteral("calls_per_client"), calls},
                       {QStringLiteral("backend"), QStringLiteral("sqlite")}};

    // ---- REST ----------------------------------------------------------------------------------
    QList<double> createMs, postMs;
    int errors = 0;
    int running = clients;
    QElapsedTimer wall;
    wall.start();
    auto *restRoot = new QObject;
    restRoot->moveToThread(&generator);
    QMetaObject::invokeMethod(restRoot, [&, restRoot] {
        for (int i = 0; i < clients; ++i) {
            auto *c = new RestClient(port.value(), token->second.toLatin1(), calls, restRoot);
            c->done = [&, c] {
                QMetaObject::invokeMethod(&app,
                                          [&, created = c->createMs, posted = c->postMs, e = c->errors] {
                                              createMs << created;
                                              postMs << posted;
                                              errors += e;
                                              if (--running == 0)
                                                  app.exit(0);
                                          });
            };
        }
    });
    app.exec();
    const double restSeconds = double(wall.nsecsElapsed()) / 1e9;
    QMetaObject::invokeMethod(restRoot, &QObject::deleteLater);
    result.insert(QStringLiteral("rest"),
                  QJsonObject{{QStringLiteral("create"), summary(createMs)},
                              {QStringLiteral("post_update"), summary(postMs)},
                              {QStringLiteral("errors"), errors},
                              {QStringLiteral("seconds"), restSeconds},
                              {QStringLiteral("calls_per_second"),
                               double(createMs.size() + postMs.size()) / restSeconds}});

    // ---- stream fan-out ------------------------------------------------------------------------
    QList<double> fanout;
    QList<double> writeFanout;
    QHash<qint64, qint64> writtenAt; // update id → start of its write (ns)
    int connectedCount = 0;
    int received = 0;
    int receivedWrites = 0;
    auto *streamRoot = new QObject;
    streamRoot->moveToThread(&generator);
    QUrl wsUrl = server.baseUrl().resolved(QUrl(QStringLiteral("api/v1/stream")));
    wsUrl.setScheme(QStringLiteral("ws"));
    const QByteArray auth = "Bearer " + token->second.toLatin1();
    QMetaObject::invokeMethod(streamRoot, [&, streamRoot] {
        for (int i = 0; i < clients; ++i) {
            auto *ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, streamRoot);
            QObject::connect(ws, &QWebSocket::textMessageReceived, ws, [&](const QString &text) {
                const qint64 t = nowNs();
                const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
                const QString type = o.value(QStringLiteral("type")).toString();
                QMetaObject::invokeMethod(&app, [&, type, sent = o.value(QStringLiteral("t")).toInteger(), t,
                                                 update = o.value(QStringLiteral("update_id")).toInteger()] {
                    if (type == QLatin1String("update.posted")) {
                        writeFanout << double(t - writtenAt.value(update)) / 1e6;
                        if (++receivedWrites == clients * writes)
                            app.exit(0);
                    } else if (type == QLatin1String("hello")) {
                        if (++connectedCount == clients)
                            app.exit(0);
                    } else if (type == QLatin1String("bench")) {
                        fanout << double(t - sent) / 1e6;
                        if (++received == clients * events)
                            app.exit(0);
                    }
                });
            });
            QNetworkRequest request(wsUrl);
            request.setRawHeader("Authorization", auth);
            ws->open(request);
        }
    });
    app.exec(); // all connected
    int published = 0;
    QTimer pacer;
    pacer.setInterval(2);
    QObject::connect(&pacer, &QTimer::timeout, &app, [&] {
        server.publish({{QStringLiteral("type"), QStringLiteral("bench")}, {QStringLiteral("t"), nowNs()}});
        if (++published == events)
            pacer.stop();
    });
    QTimer::singleShot(60000, &app, [&] { app.exit(1); });
    pacer.start();
    const int streamRc = app.exec();

    // Writes on the server's thread, one every 5 ms: the stream event follows the commit.
    auto target =
        store.createRequest({QStringLiteral("fan-out"), QStringLiteral("b"), agent->id, 0, 0, {}, 0});
    int written = 0;
    QTimer writer;
    writer.setInterval(5);
    QObject::connect(&writer, &QTimer::timeout, &app, [&] {
        const qint64 start = nowNs();
        auto u = store.postUpdate(
            {target->id, agent->id, QStringLiteral("w%1").arg(written), UpdateSource::Desk, {}});
        if (u)
            writtenAt.insert(u->id, start);
        if (++written == writes)
            writer.stop();
    });
    QTimer::singleShot(120000, &app, [&] { app.exit(1); });
    int writeRc = 1;
    if (target) {
        writer.start();
        writeRc = app.exec();
    }
    QMetaObject::invokeMethod(streamRoot, &QObject::deleteLater);
    result.insert(QStringLiteral("stream"), QJsonObject{{QStringLiteral("clients"), clients},
                                                        {QStringLiteral("events"), events},
                                                        {QStringLiteral("delivered"), received},
                                                        {QStringLiteral("fanout"), summary(fanout)},
                                                        {QStringLiteral("complete"), streamRc == 0}});
    result.insert(QStringLiteral("write_to_delivery"),
                  QJsonObject{{QStringLiteral("clients"), clients},
                              {QStringLiteral("writes"), writes},
                              {QStringLiteral("delivered"), receivedWrites},
                              {QStringLiteral("latency"), summary(writeFanout)},
                              {QStringLiteral("complete"), writeRc == 0}});
    generator.quit();
    generator.wait();
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Indented).constData());
    return errors == 0 && streamRc == 0 && writeRc == 0 ? 0 : 1;
}
