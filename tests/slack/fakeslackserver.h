#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QStringList>
#include <QUrl>
#include <QUrlQuery>

#include <memory>
#include <vector>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponder;
class QWebSocket;
class QWebSocketServer;

namespace threadline::test {

//! A tiny Slack stand-in on 127.0.0.1 (port 0): canned Web API answers per method (429 with
//! Retry-After, 5xx, hanging replies), an upload sink, file downloads that need the bot token,
//! and a Socket Mode WebSocket server that says hello and can send envelopes and disconnects.
class FakeSlackServer : public QObject
{
    Q_OBJECT

public:
    struct Response
    {
        int status = 200;
        QByteArray body;
        QByteArray retryAfter;
        bool hang = false;
    };
    struct Request
    {
        QString method;
        QString path;
        QByteArray authorization;
        QByteArray contentType;
        QByteArray body;
        QUrlQuery form;
    };

    explicit FakeSlackServer(QObject *parent = nullptr);
    ~FakeSlackServer() override;

    bool listen();
    QUrl apiUrl() const;
    QUrl baseUrl() const;
    quint16 webSocketPort() const;

    static Response ok(const QJsonObject &fields);
    static Response slackError(const QString &code);

    //! The answer for every call of \a method (until changed).
    void setResponse(const QString &method, const Response &response);
    //! A one-shot answer, used before the persistent one.
    void queueResponse(const QString &method, const Response &response);

    const QList<Request> &requests() const { return m_requests; }
    int count(const QString &method) const;
    Request last(const QString &method) const;

    // files
    QByteArray uploaded() const { return m_uploaded; }
    void setDownload(const QString &name, const QByteArray &bytes, const QByteArray &contentType,
                     const QByteArray &requiredToken);

    // Socket Mode
    bool sendHello = true;
    int socketCount() const;
    QWebSocket *socket(int index) const;
    QStringList received; //!< text frames the client sent (acks)
    void sendToSocket(int index, const QJsonObject &frame);
    void sendDisconnect(int index, const QString &reason);
    QStringList socketTickets;

Q_SIGNALS:
    void socketConnected(int index);
    void socketTextReceived(const QString &text);
    void requestReceived(const QString &method);

private:
    void handle(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    void onNewSocket();

    QHttpServer *m_http;
    QWebSocketServer *m_ws;
    quint16 m_port = 0;
    QHash<QString, Response> m_responses;
    QHash<QString, QList<Response>> m_queued;
    QList<Request> m_requests;
    QByteArray m_uploaded;
    struct Download
    {
        QByteArray bytes;
        QByteArray contentType;
        QByteArray token;
    };
    QHash<QString, Download> m_downloads;
    std::vector<std::unique_ptr<QHttpServerResponder>> m_hanging;
    QList<QWebSocket *> m_sockets;
    int m_tickets = 0;
};

} // namespace threadline::test
