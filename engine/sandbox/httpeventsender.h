#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QString>

class QNetworkAccessManager;

namespace threadline::sandbox {

class Workspace;

//! The Events API over HTTP: signed POSTs (v0, HMAC-SHA256) to the app's Request URL,
//! url_verification, and retries with X-Slack-Retry-Num / X-Slack-Retry-Reason when the app is
//! slow (fired at the timeout, without waiting for the slow answer) or fails.
class HttpEventSender : public QObject
{
    Q_OBJECT

public:
    explicit HttpEventSender(Workspace &workspace, QObject *parent = nullptr);

    //! `v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)>`, as Slack signs requests.
    static QByteArray signature(const QByteArray &secret, qint64 timestamp, const QByteArray &body);

    void deliver(const QJsonObject &payload);
    //! Sends a url_verification challenge; urlVerified reports whether the app echoed it.
    void verifyUrl();

Q_SIGNALS:
    void eventDelivered(const QString &eventId, int attempt);
    void eventDropped(const QString &eventId, const QString &reason);
    void urlVerified(bool ok);

private:
    void attempt(const QByteArray &body, const QString &eventId, int attemptNo, const QString &reason);
    void retry(const QByteArray &body, const QString &eventId, int attemptNo, const QString &reason);

    Workspace &m_ws;
    QNetworkAccessManager *m_nam;
};

} // namespace threadline::sandbox
