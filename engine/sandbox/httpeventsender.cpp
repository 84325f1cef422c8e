#include "sandbox/httpeventsender.h"

#include "core/logging.h"
#include "sandbox/workspace.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QUrlQuery>
#include <QUuid>

#include <memory>

namespace threadline::sandbox {

HttpEventSender::HttpEventSender(Workspace &workspace, QObject *parent)
    : QObject(parent)
    , m_ws(workspace)
    , m_nam(new QNetworkAccessManager(this))
{}

QByteArray HttpEventSender::signature(const QByteArray &secret, qint64 timestamp, const QByteArray &body)
{
    const QByteArray base = "v0:" + QByteArray::number(timestamp) + ':' + body;
    return "v0=" + QMessageAuthenticationCode::hash(base, secret, QCryptographicHash::Sha256).toHex();
}

void HttpEventSender::deliver(const QJsonObject &payload)
{
    attempt(QJsonDocument(payload).toJson(QJsonDocument::Compact),
            payload.value(QLatin1String("event_id")).toString(), 0, {});
}

void HttpEventSender::attempt(const QByteArray &body, const QString &eventId, int attemptNo,
                              const QString &reason)
{
    const QUrl url = m_ws.options().eventsUrl;
    if (!url.isValid())
        return;
    QNetworkRequest request(url);
    const qint64 ts = QDateTime::currentSecsSinceEpoch();
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("X-Slack-Request-Timestamp", QByteArray::number(ts));
    request.setRawHeader("X-Slack-Signature", signature(m_ws.options().signingSecret.toUtf8(), ts, body));
    request.setRawHeader("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)");
    if (attemptNo > 0) {
        request.setRawHeader("X-Slack-Retry-Num", QByteArray::number(attemptNo));
        request.setRawHeader("X-Slack-Retry-Reason", reason.toUtf8());
    }
    QNetworkReply *reply = m_nam->post(request, body);
    auto settled = std::make_shared<bool>(false);
    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this, settled, body, eventId, attemptNo] {
        if (*settled)
            return;
        *settled = true; // the slow answer is ignored; the retry fires now, as Slack does
        retry(body, eventId, attemptNo, QStringLiteral("http_timeout"));
    });
    timer->start(m_ws.options().httpTimeoutMs);
    connect(reply, &QNetworkReply::finished, this, [this, reply, settled, body, eventId, attemptNo] {
        reply->deleteLater();
        if (*settled)
            return;
        *settled = true;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError && status == 0) {
            retry(body, eventId, attemptNo, QStringLiteral("connection_failed"));
            return;
        }
        if (status >= 200 && status < 300) {
            Q_EMIT eventDelivered(eventId, attemptNo);
            return;
        }
        if (reply->rawHeader("X-Slack-No-Retry") == "1") {
            Q_EMIT eventDropped(eventId, QStringLiteral("no_retry"));
            return;
        }
        retry(body, eventId, attemptNo, QStringLiteral("http_error"));
    });
}

void HttpEventSender::retry(const QByteArray &body, const QString &eventId, int attemptNo,
                            const QString &reason)
{
    const QList<int> &delays = m_ws.options().retryDelaysMs;
    if (attemptNo >= delays.size()) {
        qCInfo(lcSandbox) << "HTTP events: giving up on" << eventId << "after" << attemptNo << "retries";
        Q_EMIT eventDropped(eventId, reason);
        return;
    }
    QTimer::singleShot(delays.at(attemptNo), this, [this, body, eventId, attemptNo, reason] {
        attempt(body, eventId, attemptNo + 1, reason);
    });
}

void HttpEventSender::verifyUrl()
{
    const QUrl url = m_ws.options().eventsUrl;
    const QString challenge = QUuid::createUuid().toString(QUuid::Id128);
    const QJsonObject payload{{QStringLiteral("token"), QStringLiteral("sandbox-verification-token")},
                              {QStringLiteral("challenge"), challenge},
                              {QStringLiteral("type"), QStringLiteral("url_verification")}};
    const QByteArray body = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    QNetworkRequest request(url);
    const qint64 ts = QDateTime::currentSecsSinceEpoch();
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("X-Slack-Request-Timestamp", QByteArray::number(ts));
    request.setRawHeader("X-Slack-Signature", signature(m_ws.options().signingSecret.toUtf8(), ts, body));
    request.setTransferTimeout(m_ws.options().httpTimeoutMs);
    QNetworkReply *reply = m_nam->post(request, body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, challenge] {
        reply->deleteLater();
        const QByteArray answer = reply->readAll().trimmed();
        const QByteArray type = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        bool ok = false;
        if (reply->error() == QNetworkReply::NoError) {
            if (type.startsWith("application/json"))
                ok = QJsonDocument::fromJson(answer).object().value(QLatin1String("challenge")).toString() ==
                     challenge;
            else if (type.startsWith("application/x-www-form-urlencoded"))
                ok = QUrlQuery(QString::fromUtf8(answer)).queryItemValue(QStringLiteral("challenge")) ==
                     challenge;
            else
                ok = answer == challenge.toUtf8();
        }
        qCInfo(lcSandbox) << "HTTP events: url_verification" << (ok ? "passed" : "failed");
        Q_EMIT urlVerified(ok);
    });
}

} // namespace threadline::sandbox
