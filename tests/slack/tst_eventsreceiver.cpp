// The HTTP Events receiver over real loopback HTTP: signature, window, size limit, url_verification,
// store-then-2xx, 5xx when storing fails, retries passed through.
#include "slack/slackeventsreceiver.h"
#include "slack/slacksignature.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace threadline;
using namespace threadline::slack;

namespace {

const QString Secret = QStringLiteral("receiver-test-signing-secret");
constexpr qint64 Now = 1'700'000'000;

struct Answer
{
    int status = 0;
    QByteArray body;
};

} // namespace

class TestEventsReceiver : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void urlVerification();
    void storesThenAnswers2xx();
    void storeFailureAnswers5xxSoSlackRetries();
    void retriesArePassedNotDropped();
    void rejectsBadRequests_data();
    void rejectsBadRequests();
    void enforcesBodyLimit();
    void interactivityFormPayload();
    void refusesDeclaredOversizeBeforeReadingBody_data();
    void refusesDeclaredOversizeBeforeReadingBody();
    void pipelinedRequestsOnOneConnection();

private:
    Answer post(const QByteArray &body, QList<QPair<QByteArray, QByteArray>> headers, bool sign = true,
                qint64 timestamp = Now, const QByteArray &contentType = "application/json");

    QNetworkAccessManager *m_nam = nullptr;
    SlackEventsReceiver *m_receiver = nullptr;
    QList<SlackInboundDelivery> m_stored;
    bool m_failStore = false;
};

void TestEventsReceiver::init()
{
    m_stored.clear();
    m_failStore = false;
    m_nam = new QNetworkAccessManager(this);
    m_receiver = new SlackEventsReceiver(
        Secret,
        [this](const SlackInboundDelivery &delivery) -> Result<void> {
            if (m_failStore)
                return makeError(ErrorCode::Unavailable, QStringLiteral("database is down"));
            m_stored.append(delivery);
            return {};
        },
        this);
    m_receiver->setClock([] { return Now; });
    m_receiver->setMaxBodyBytes(64 * 1024);
    QVERIFY(m_receiver->listen(QHostAddress::LocalHost, 0) != 0);
}

void TestEventsReceiver::cleanup()
{
    delete m_receiver;
    delete m_nam;
}

Answer TestEventsReceiver::post(const QByteArray &body, QList<QPair<QByteArray, QByteArray>> headers,
                                bool sign, qint64 timestamp, const QByteArray &contentType)
{
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/slack/events").arg(m_receiver->port())));
    request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    if (sign) {
        const QByteArray ts = QByteArray::number(timestamp);
        request.setRawHeader("X-Slack-Request-Timestamp", ts);
        request.setRawHeader("X-Slack-Signature", SlackSignature::compute(Secret, ts, body));
    }
    for (const auto &[key, value] : headers)
        request.setRawHeader(key, value);
    QNetworkReply *reply = m_nam->post(request, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(5000))
        return {};
    Answer answer{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
    reply->deleteLater();
    return answer;
}

void TestEventsReceiver::urlVerification()
{
    const Answer a = post(
        R"({"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})",
        {});
    QCOMPARE(a.status, 200);
    QCOMPARE(a.body, QByteArray("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));
    QVERIFY(m_stored.isEmpty());
}

void TestEventsReceiver::storesThenAnswers2xx()
{
    const QByteArray body =
        R"({"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"D1","user":"U1","text":"hi","ts":"1.0"}})";
    const Answer a = post(body, {});
    QCOMPARE(a.status, 200);
    QCOMPARE(m_stored.size(), 1);
    QCOMPARE(m_stored.at(0).eventId, QStringLiteral("Ev1"));
    QCOMPARE(m_stored.at(0).type, QStringLiteral("event_callback"));
    QCOMPARE(m_stored.at(0).body, body); // the raw body, as signed
    QCOMPARE(m_stored.at(0).retryNum, 0);
}

void TestEventsReceiver::storeFailureAnswers5xxSoSlackRetries()
{
    m_failStore = true;
    const Answer a = post(R"({"type":"event_callback","event_id":"Ev2","event":{"type":"message"}})", {});
    QCOMPARE(a.status, 500);
    QVERIFY(!a.body.contains("database")); // no internals leak to the caller
}

void TestEventsReceiver::retriesArePassedNotDropped()
{
    const QByteArray body = R"({"type":"event_callback","event_id":"Ev3","event":{"type":"message"}})";
    QCOMPARE(post(body, {}).status, 200);
    QCOMPARE(post(body, {{"X-Slack-Retry-Num", "1"}, {"X-Slack-Retry-Reason", "http_timeout"}}).status, 200);
    QCOMPARE(m_stored.size(), 2);
    QCOMPARE(m_stored.at(1).retryNum, 1);
    QCOMPARE(m_stored.at(1).retryReason, QStringLiteral("http_timeout"));
    QCOMPARE(m_stored.at(1).eventId, m_stored.at(0).eventId);
}

void TestEventsReceiver::rejectsBadRequests_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("sign");
    QTest::addColumn<qint64>("timestamp");
    QTest::addColumn<QByteArray>("forgedSignature");
    QTest::addColumn<int>("status");
    const QByteArray event = R"({"type":"event_callback","event_id":"Ev4","event":{"type":"message"}})";
    QTest::newRow("unsigned") << event << false << Now << QByteArray() << 401;
    QTest::newRow("forged") << event << false << Now
                            << QByteArray(
                                   "v0=1111111111111111111111111111111111111111111111111111111111111111")
                            << 401;
    QTest::newRow("expired (replayed 6 min later)") << event << true << Now - 360 << QByteArray() << 401;
    QTest::newRow("future") << event << true << Now + 360 << QByteArray() << 401;
    QTest::newRow("signed but not json") << QByteArray("not json") << true << Now << QByteArray() << 400;
    QTest::newRow("signed json array") << QByteArray("[1]") << true << Now << QByteArray() << 400;
}

void TestEventsReceiver::rejectsBadRequests()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, sign);
    QFETCH(qint64, timestamp);
    QFETCH(QByteArray, forgedSignature);
    QFETCH(int, status);
    QSignalSpy rejected(m_receiver, &SlackEventsReceiver::rejected);
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!forgedSignature.isEmpty())
        headers = {{"X-Slack-Request-Timestamp", QByteArray::number(Now)},
                   {"X-Slack-Signature", forgedSignature}};
    const Answer a = post(body, headers, sign, timestamp);
    QCOMPARE(a.status, status);
    QVERIFY(m_stored.isEmpty()); // nothing handed to the consumer
    QCOMPARE(rejected.size(), 1);
}

void TestEventsReceiver::enforcesBodyLimit()
{
    QByteArray big = R"({"type":"event_callback","event_id":"Ev5","pad":")";
    big += QByteArray(100 * 1024, 'x');
    big += R"("})";
    const Answer a = post(big, {});
    // refused as soon as the headers are read: the client sees 413 or a closed connection
    QVERIFY2(a.status == 413 || a.status == 0, qPrintable(QString::number(a.status)));
    QVERIFY(m_stored.isEmpty());
}

void TestEventsReceiver::interactivityFormPayload()
{
    const QByteArray json = R"({"type":"block_actions","actions":[{"action_id":"resolve"}]})";
    const QByteArray body = "payload=" + QUrl::toPercentEncoding(QString::fromUtf8(json));
    const Answer a = post(body, {}, true, Now, "application/x-www-form-urlencoded");
    QCOMPARE(a.status, 200);
    QCOMPARE(m_stored.size(), 1);
    QCOMPARE(m_stored.at(0).type, QStringLiteral("block_actions"));
}

void TestEventsReceiver::refusesDeclaredOversizeBeforeReadingBody_data()
{
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<QByteArray>("status");
    QTest::newRow("content-length over the limit")
        << QByteArray("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      "application/json\r\nContent-Length: 999999999\r\n\r\n")
        << QByteArray("413");
    QTest::newRow("chunked")
        << QByteArray("POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        << QByteArray("411");
    QTest::newRow("huge headers") << QByteArray("POST /slack/events HTTP/1.1\r\nX-Pad: " +
                                                QByteArray(40000, 'p'))
                                  << QByteArray("431");
    QTest::newRow("expect 100-continue")
        << QByteArray("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: "
                      "100-continue\r\nContent-Length: 2000\r\n\r\n")
        << QByteArray("417");
}

void TestEventsReceiver::refusesDeclaredOversizeBeforeReadingBody()
{
    QFETCH(QByteArray, headers);
    QFETCH(QByteArray, status);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_receiver->port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write(headers);
    socket.write(QByteArray(1000, 'x')); // the start of a body that will never be read
    QByteArray answer;
    QVERIFY(QTest::qWaitFor(
        [&] {
            answer += socket.readAll();
            return answer.contains("\r\n\r\n") || socket.state() == QAbstractSocket::UnconnectedState;
        },
        5000));
    QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + status)), answer.constData());
    QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QVERIFY(m_stored.isEmpty());
}

void TestEventsReceiver::pipelinedRequestsOnOneConnection()
{
    const auto request = [](const QByteArray &eventId) -> QByteArray {
        const QByteArray body =
            R"({"type":"event_callback","event_id":")" + eventId + R"(","event":{"type":"message"}})";
        const QByteArray ts = QByteArray::number(Now);
        return QByteArray("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          "application/json\r\nX-Slack-Request-Timestamp: ") +
               ts + "\r\nX-Slack-Signature: " + SlackSignature::compute(Secret, ts, body) +
               "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    };
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_receiver->port());
    QVERIFY(socket.waitForConnected(5000));
    const QByteArray both = request("EvA") + request("EvB");
    socket.write(both.left(100));
    QTest::qWait(20);
    socket.write(both.mid(100));
    QTRY_COMPARE(m_stored.size(), 2);
    QCOMPARE(m_stored.at(1).eventId, QStringLiteral("EvB"));
}

QTEST_GUILESS_MAIN(TestEventsReceiver)
#include "tst_eventsreceiver.moc"
