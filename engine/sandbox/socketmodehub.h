#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <memory>

class QTimer;
class QWebSocket;

namespace threadline::sandbox {

class Workspace;

//! Socket Mode: wss tickets from apps.connections.open, hello, events_api envelopes with
//! retry_attempt/retry_reason, acks by envelope_id, redelivery when not acked in time, disconnect
//! messages, at most `maxSockets` sockets (any envelope may go to any one), server pings.
class SocketModeHub : public QObject
{
    Q_OBJECT

public:
    explicit SocketModeHub(Workspace &workspace, QObject *parent = nullptr);
    ~SocketModeHub() override;

    //! A fresh `ws://…/link/?ticket=…` URL under `base` (the server's http base URL).
    QString issueUrl(const QUrl &base);
    //! Takes over a socket upgraded by the HTTP server.
    void accept(QWebSocket *socket);
    //! Delivers an event_callback payload in an events_api envelope.
    void deliver(const QJsonObject &payload);

    //! Sends `{"type":"disconnect","reason":…}` to every socket; the sockets are then closed
    //! (after warningGraceMs for `warning`, at once for the others).
    void disconnectAll(const QString &reason);
    //! Drops every socket without a close handshake (a network failure).
    void dropAll();

    int connectionCount() const { return int(m_sockets.size()); }
    int pendingCount() const { return int(m_inFlight.size() + m_held.size()); }
    int undeliveredCount() const { return m_undelivered; }
    QJsonObject statusJson() const;

Q_SIGNALS:
    void connectionsChanged(int count);
    //! An envelope was written to a socket.
    void envelopeSent(const QString &envelopeId, const QString &eventId, int retryAttempt);
    //! An event was given up after its last retry.
    void eventDropped(const QString &eventId);

private:
    struct Envelope
    {
        QJsonObject payload;
        QString eventId;
        QString envelopeId;
        int attempt = 0;
        QString reason;
        QPointer<QTimer> ackTimer;
    };
    void send(Envelope envelope, bool allowDelay = true);
    void sendNow(Envelope envelope);
    void onText(QWebSocket *socket, const QString &text);
    void onAckTimeout(const QString &envelopeId);
    void scheduleRetry(Envelope envelope, const QString &reason);
    void removeSocket(QWebSocket *socket);
    void closeLater(QWebSocket *socket, int ms);
    void flushHeld();
    QJsonObject disconnectMessage(const QString &reason) const;

    Workspace &m_ws;
    QList<QWebSocket *> m_sockets;
    QHash<QString, qint64> m_tickets; //!< ticket -> expiry (ms since epoch)
    QHash<QString, Envelope> m_inFlight;
    QList<Envelope> m_held;
    int m_next = 0;
    int m_undelivered = 0;
};

} // namespace threadline::sandbox
