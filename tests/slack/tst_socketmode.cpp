// The Socket Mode client against FakeSlackServer over real loopback HTTP + WebSockets.
#include "fakeslackserver.h"

#include "slack/socketmodeclient.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

using namespace threadline;
using namespace threadline::slack;
using threadline::test::FakeSlackServer;
using State = SlackConnectionState::State;

namespace {

const QString AppToken = QStringLiteral("xapp-1-test-app-token");

QJsonObject eventsEnvelope(const QString &envelopeId, const QString &eventId, int retry = 0)
{
    return QJsonObject{{QStringLiteral("envelope_id"), envelopeId},
                       {QStringLiteral("type"), QStringLiteral("events_api")},
                       {QStringLiteral("accepts_response_payload"), false},
                       {QStringLiteral("retry_attempt"), retry},
                       {QStringLiteral("retry_reason"), retry ? QStringLiteral("timeout") : QString()},
                       {QStringLiteral("payload"),
                        QJsonObject{{QStringLiteral("type"), QStringLiteral("event_callback")},
                                    {QStringLiteral("event_id"), eventId},
                                    {QStringLiteral("event"),
                                     QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                                                 {QStringLiteral("channel"), QStringLiteral("D1")},
                                                 {QStringLiteral("user"), QStringLiteral("U1")},
                                                 {QStringLiteral("text"), QStringLiteral("hi")},
                                                 {QStringLiteral("ts"), QStringLiteral("1.000001")}}}}}};
}

} // namespace

class TestSocketMode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void connectsOnlyAfterHello();
    void deliversEnvelopesAndNeverAutoAcks();
    void ackCarriesPayloadWhenGiven();
    void refreshOpensNewSocketBeforeClosingOld_data();
    void refreshOpensNewSocketBeforeClosingOld();
    void linkDisabledStops();
    void badAppTokenNeedsReauthorization();
    void dropReconnectsWithBackoff();
    void openFailureRetries();
    void helloTimeoutReconnects();
    void tooManyWebsocketsClosesStaleFirst();
    void redundantSocketsAckOnTheDeliveringSocket();
    void stopClosesEverything();
    void missingPongDropsAndReconnects();

private:
    SocketModeClient *makeClient();

    QNetworkAccessManager *m_nam = nullptr;
    FakeSlackServer *m_server = nullptr;
    SocketModeClient *m_client = nullptr;
};

void TestSocketMode::init()
{
    m_nam = new QNetworkAccessManager(this);
    m_server = new FakeSlackServer(this);
    QVERIFY(m_server->listen());
}

void TestSocketMode::cleanup()
{
    delete m_client;
    m_client = nullptr;
    delete m_server;
    m_server = nullptr;
    delete m_nam;
    m_nam = nullptr;
}

SocketModeClient *TestSocketMode::makeClient()
{
    m_client = new SocketModeClient(m_nam, {m_server->apiUrl(), AppToken});
    m_client->setPingInterval(50);
    m_client->setPongTimeout(1000);
    m_client->setHelloTimeout(300);
    m_client->setCloseTimeout(200);
    m_client->setReconnectBackoff(20, 100);
    m_client->setRequestTimeout(2000);
    return m_client;
}

void TestSocketMode::connectsOnlyAfterHello()
{
    m_server->sendHello = false;
    SocketModeClient *client = makeClient();
    client->setHelloTimeout(5000);
    QSignalSpy ready(client, &SocketModeClient::ready);
    client->start();
    QCOMPARE(client->state(), State::Connecting);
    QSignalSpy connected(m_server, &FakeSlackServer::socketConnected);
    QVERIFY(connected.wait(5000));
    QTest::qWait(100);
    QCOMPARE(client->state(), State::Connecting); // socket open, but no hello yet
    QCOMPARE(ready.size(), 0);
    m_server->sendToSocket(0, {{QStringLiteral("type"), QStringLiteral("hello")}});
    QVERIFY(ready.wait(5000));
    QCOMPARE(client->state(), State::Connected);
    QCOMPARE(m_server->last(QStringLiteral("apps.connections.open")).authorization,
             QByteArray("Bearer ") + AppToken.toUtf8());
    // keepalive pings are answered (QWebSocketServer answers automatically): still connected
    QTest::qWait(300);
    QCOMPARE(client->state(), State::Connected);
    QCOMPARE(m_server->count(QStringLiteral("apps.connections.open")), 1);
}

void TestSocketMode::deliversEnvelopesAndNeverAutoAcks()
{
    SocketModeClient *client = makeClient();
    QSignalSpy ready(client, &SocketModeClient::ready);
    QSignalSpy envelopes(client, &SocketModeClient::envelopeReceived);
    client->start();
    QVERIFY(ready.wait(5000));
    m_server->sendToSocket(0, eventsEnvelope(QStringLiteral("env-1"), QStringLiteral("Ev1")));
    m_server->sendToSocket(0, eventsEnvelope(QStringLiteral("env-2"), QStringLiteral("Ev1"), 1));
    QTRY_COMPARE(envelopes.size(), 2);
    const auto first = envelopes.at(0).at(0).value<SocketModeEnvelope>();
    QCOMPARE(first.envelopeId, QStringLiteral("env-1"));
    QCOMPARE(first.type, QStringLiteral("events_api"));
    QCOMPARE(first.payload.value(QStringLiteral("event_id")).toString(), QStringLiteral("Ev1"));
    const auto retry = envelopes.at(1).at(0).value<SocketModeEnvelope>();
    QCOMPARE(retry.retryAttempt, 1); // retries are delivered, not dropped
    QCOMPARE(retry.retryReason, QStringLiteral("timeout"));

    QTest::qWait(200);
    QVERIFY(m_server->received.isEmpty()); // nothing acked until the consumer says so

    QVERIFY(client->ack(QStringLiteral("env-1")));
    QTRY_COMPARE(m_server->received.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(m_server->received.at(0).toUtf8()).object(),
             QJsonObject({{QStringLiteral("envelope_id"), QStringLiteral("env-1")}}));
}

void TestSocketMode::ackCarriesPayloadWhenGiven()
{
    SocketModeClient *client = makeClient();
    QSignalSpy ready(client, &SocketModeClient::ready);
    client->start();
    QVERIFY(ready.wait(5000));
    QVERIFY(client->ack(QStringLiteral("env-9"), {{QStringLiteral("text"), QStringLiteral("ok")}}));
    QTRY_COMPARE(m_server->received.size(), 1);
    const QJsonObject frame = QJsonDocument::fromJson(m_server->received.at(0).toUtf8()).object();
    QCOMPARE(frame.value(QStringLiteral("payload")).toObject().value(QStringLiteral("text")).toString(),
             QStringLiteral("ok"));
}

void TestSocketMode::refreshOpensNewSocketBeforeClosingOld_data()
{
    QTest::addColumn<QString>("reason");
    QTest::newRow("refresh_requested") << QStringLiteral("refresh_requested");
    QTest::newRow("warning") << QStringLiteral("warning");
    QTest::newRow("unknown reason") << QStringLiteral("something_new");
}

void TestSocketMode::refreshOpensNewSocketBeforeClosingOld()
{
    QFETCH(QString, reason);
    SocketModeClient *client = makeClient();
    QSignalSpy ready(client, &SocketModeClient::ready);
    QSignalSpy envelopes(client, &SocketModeClient::envelopeReceived);
    client->start();
    QVERIFY(ready.wait(5000));
    QSignalSpy states(client->connectionState(), &SlackConnectionState::stateChanged);
    QSignalSpy lost(client, &SocketModeClient::connectionLost);

    bool newSocketExistedWhenOldClosed = false;
    QWebSocket *old = m_server->socket(0);
    connect(old, &QWebSocket::disconnected, this,
            [&] { newSocketExistedWhenOldClosed = m_server->socket(1) != nullptr; });

    m_server->sendDisconnect(0, reason);
    // An envelope still sent on the old socket after the notice is delivered too.
    m_server->sendToSocket(0, eventsEnvelope(QStringLiteral("env-old"), QStringLiteral("Ev9")));
    QTRY_VERIFY_WITH_TIMEOUT(m_server->socket(1) != nullptr, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_server->socket(0) == nullptr, 5000);
    QVERIFY(newSocketExistedWhenOldClosed);
    QCOMPARE(m_server->count(QStringLiteral("apps.connections.open")), 2);
    QTRY_COMPARE(envelopes.size(), 1);
    QCOMPARE(states.size(), 0); // never left Connected
    QCOMPARE(lost.size(), 0);
    QCOMPARE(client->state(), State::Connected);
    QCOMPARE(client->connectedSocketCount(), 1);
    // the ack of the envelope from the old socket still reaches Slack (on the new socket)
    QVERIFY(client->ack(QStringLiteral("env-old")));
    QTRY_COMPARE(m_server->received.size(), 1);
    m_server->sendToSocket(1, eventsEnvelope(QStringLiteral("env-new"), QStringLiteral("Ev10")));
    QTRY_COMPARE(envelopes.size(), 2);
}

void TestSocketMode::linkDisabledStops()
{
    SocketModeClient *client = makeClient();
    QSignalSpy ready(client, &SocketModeClient::ready);
    QSignalSpy disabled(client, &SocketModeClient::disabled);
    client->start();
    QVERIFY(ready.wait(5000));
    m_server->sendDisconnect(0, QStringLiteral("link_disabled"));
    QVERIFY(disabled.wait(5000));
    QCOMPARE(client->state(), State::Disabled);
    QCOMPARE(client->connectionState()->reason().detail, QStringLiteral("link_disabled"));
    QTest::qWait(300);
    QCOMPARE(m_server->count(QStringLiteral("apps.connections.open")), 1); // no blind reconnect
    QCOMPARE(client->state(), State::Disabled);
    QVERIFY(!client->isRunning());
}

void TestSocketMode::badAppTokenNeedsReauthorization()
{
    m_server->setResponse(QStringLiteral("apps.connections.open"),
                          FakeSlackServer::slackError(QStringLiteral("invalid_auth")));
    SocketModeClient *client = makeClient();
    QSignalSpy failed(client, &SocketModeClient::authenticationFailed);
    client->start();
    QVERIFY(failed.wait(5000));
    QCOMPARE(client->state(), State::NeedsReauthorization);
    QTest::qWait(300);
    QCOMPARE(m_server->count(QStringLiteral("apps.connections.open")), 1); // no crash loop
    QCOMPARE(failed.size(), 1);
    QVERIFY(!failed.at(0).at(0).value<Error>().toString().contains(AppToken));

    SocketModeClient noToken(m_nam, {m_server->apiUrl(), {}});
    noToken.start();
    QCOMPARE(noToken.state(), State::NeedsReauthorization);
}

void TestSocketMode::dropReconnectsWithBackoff()
{
    SocketModeClient *client = makeClient();
    QSignalSpy ready(client, &SocketModeClient::ready);
    QSignalSpy lost(client, &SocketModeClient::connectionLost);
    QSignalSpy retrying(client, &SocketModeClient::networkError);
    client->start();
    QVERIFY(ready.wait(5000));
    m_server->socket(0)->abort();
    QVERIFY(lost.wait(5000));
    QVERIFY(!retrying.isEmpty());
    QVERIFY(retrying.at(0).at(2).toLongLong() >= 10); // a backoff delay, not a hot loop
    QVERIFY(ready.wait(5000));
    QCOMPARE(client->state(), State::Connected);
    QCOMPARE(m_server->count(QStringLiteral("apps.connections.open")), 2); // a fresh URL per connect
    QVERIFY(m_server->socketTickets.at(0) != m_server->socketTickets.at(1));
}

void TestSocketMode::openFailureRetries()
{
    m_server->queueResponse(QStringLiteral("apps.connections.open"), {503, {}, {}, false});
    m_server->queueResponse(QStringLiteral("apps.connections.open"),
                            {429, R"({"ok":false,"error":"ratelimited"})", "0", false});
    SocketModeClient *client = makeClient();
    QSignalSpy ready(client, &SocketModeClient::ready);
    QSignalSpy retrying(client, &SocketModeClient::networkError);
    client->start();
    QVERIFY(ready.wait(5000));
    QCOMPARE(retrying.size(), 2);
    QCOMPARE(m_server->count(QStringLiteral("apps.connections.open")), 3);
}

void TestSocketMode::helloTimeoutReconnects()
{
    m_server->sendHello = false;
    SocketModeClient *client = makeClient();
    client->setHelloTimeout(100);
    client->start();
    QTRY_VERIFY_WITH_TIMEOUT(m_server->count(QStringLiteral("apps.connections.open")) >= 2, 5000);
    QVERIFY(client->state() != State::Connected);
    m_server->sendHello = true;
    QTRY_COMPARE_WITH_TIMEOUT(client->state(), State::Connected, 5000);
}

void TestSocketMode::tooManyWebsocketsClosesStaleFirst()
{
    SocketModeClient *client = makeClient();
    QSignalSpy ready(client, &SocketModeClient::ready);
    client->start();
    QVERIFY(ready.wait(5000));
    m_server->sendDisconnect(0, QStringLiteral("too_many_websockets"));
    QTRY_VERIFY_WITH_TIMEOUT(m_server->socket(0) == nullptr, 5000);
    // it closed its socket first, then came back with a new one
    QTRY_VERIFY_WITH_TIMEOUT(m_server->socket(1) != nullptr, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(client->state(), State::Connected, 5000);
    QCOMPARE(m_server->socketCount(), 1);
}

void TestSocketMode::redundantSocketsAckOnTheDeliveringSocket()
{
    SocketModeClient *client = makeClient();
    client->setConnectionCount(2);
    QSignalSpy envelopes(client, &SocketModeClient::envelopeReceived);
    client->start();
    QTRY_COMPARE_WITH_TIMEOUT(client->connectedSocketCount(), 2, 5000);
    QString ackedOn;
    connect(m_server->socket(1), &QWebSocket::textMessageReceived, this,
            [&ackedOn](const QString &t) { ackedOn = t; });
    m_server->sendToSocket(1, eventsEnvelope(QStringLiteral("env-b"), QStringLiteral("Ev2")));
    QTRY_COMPARE(envelopes.size(), 1);
    QVERIFY(client->ack(QStringLiteral("env-b")));
    QTRY_VERIFY(ackedOn.contains(QLatin1String("env-b")));
    // losing one of two sockets is not a loss of connection
    QSignalSpy lost(client, &SocketModeClient::connectionLost);
    m_server->socket(0)->abort();
    QTRY_COMPARE_WITH_TIMEOUT(client->connectedSocketCount(), 2, 5000);
    QCOMPARE(lost.size(), 0);
    QCOMPARE(client->state(), State::Connected);
}

void TestSocketMode::stopClosesEverything()
{
    SocketModeClient *client = makeClient();
    QSignalSpy ready(client, &SocketModeClient::ready);
    client->start();
    QVERIFY(ready.wait(5000));
    client->stop();
    QCOMPARE(client->state(), State::Disconnected);
    QTRY_COMPARE(m_server->socketCount(), 0);
    QVERIFY(!client->ack(QStringLiteral("env-x")));
    QTest::qWait(200);
    QCOMPARE(m_server->count(QStringLiteral("apps.connections.open")), 1);
}

namespace {

//! A TCP relay between the client and the fake WebSocket server that can freeze (stop forwarding
//! in both directions), which is what a dead network path looks like: pings go unanswered.
class FakeFreezingRelay : public QObject
{
public:
    explicit FakeFreezingRelay(quint16 target)
        : m_target(target)
    {
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *in = m_server.nextPendingConnection()) {
                auto *out = new QTcpSocket(in);
                out->connectToHost(QHostAddress::LocalHost, m_target);
                connect(in, &QTcpSocket::readyRead, out, [this, in, out] {
                    if (!frozen)
                        out->write(in->readAll());
                });
                connect(out, &QTcpSocket::readyRead, in, [this, in, out] {
                    if (!frozen)
                        in->write(out->readAll());
                });
                connect(out, &QTcpSocket::connected, in, [in, out] { out->write(in->readAll()); });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    bool frozen = false;

private:
    QTcpServer m_server;
    quint16 m_target;
};

} // namespace

void TestSocketMode::missingPongDropsAndReconnects()
{
    FakeFreezingRelay relay(m_server->webSocketPort());
    m_server->queueResponse(
        QStringLiteral("apps.connections.open"),
        FakeSlackServer::ok({{QStringLiteral("url"),
                              QStringLiteral("ws://127.0.0.1:%1/link/?ticket=relay").arg(relay.port())}}));
    SocketModeClient *client = makeClient();
    client->setPingInterval(30);
    client->setPongTimeout(150);
    QSignalSpy ready(client, &SocketModeClient::ready);
    QSignalSpy lost(client, &SocketModeClient::connectionLost);
    client->start();
    QVERIFY(ready.wait(5000));
    QTest::qWait(200);
    QCOMPARE(lost.size(), 0); // pongs arrive while the path is alive
    relay.frozen = true;
    QVERIFY(lost.wait(5000));  // no pong within the timeout: the socket is dropped
    QVERIFY(ready.wait(5000)); // and replaced through a fresh apps.connections.open (direct this time)
    QCOMPARE(m_server->count(QStringLiteral("apps.connections.open")), 2);
}

QTEST_GUILESS_MAIN(TestSocketMode)
#include "tst_socketmode.moc"
