#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>

namespace threadline::test {

//! A loopback HTTP/1.1 listener that records every request (with its Authorization header) and
//! answers from a route table (longest matching path prefix). For the token-leak and redirect tests of the
//! files pipeline.
class RecordingServer : public QObject
{
public:
    struct Request
    {
        QByteArray method;
        QByteArray path;
        QByteArray authorization; //!< empty when none was sent
    };
    struct Response
    {
        int status = 200;
        QByteArray contentType = "application/octet-stream";
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers;
    };

    RecordingServer()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
        m_server.listen(QHostAddress::LocalHost, 0);
    }
    quint16 port() const { return m_server.serverPort(); }
    QByteArray origin() const { return "http://127.0.0.1:" + QByteArray::number(port()); }
    void route(const QByteArray &path, const Response &response) { m_routes.insert(path, response); }
    const QList<Request> &requests() const { return m_requests; }
    bool sawAuthorization() const
    {
        for (const Request &r : m_requests)
            if (!r.authorization.isEmpty())
                return true;
        return false;
    }

private:
    void onData(QTcpSocket *s)
    {
        QByteArray &buffer = m_buffers[s];
        buffer += s->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        buffer.clear();
        Request r;
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        r.method = first.value(0);
        r.path = first.value(1);
        for (const QByteArray &line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == "authorization")
                r.authorization = line.mid(colon + 1).trimmed();
        }
        m_requests << r;
        // The longest route that is a prefix of the path answers.
        Response resp{404, "text/plain", "not found", {}};
        qsizetype best = -1;
        for (auto it = m_routes.constBegin(); it != m_routes.constEnd(); ++it)
            if (r.path.startsWith(it.key()) && it.key().size() > best) {
                best = it.key().size();
                resp = it.value();
            }
        QByteArray out =
            "HTTP/1.1 " + QByteArray::number(resp.status) + " X\r\nContent-Type: " + resp.contentType +
            "\r\nContent-Length: " + QByteArray::number(resp.body.size()) + "\r\nConnection: close\r\n";
        for (const auto &h : resp.headers)
            out += h.first + ": " + h.second + "\r\n";
        out += "\r\n" + resp.body;
        s->write(out);
        s->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QByteArray, Response> m_routes;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Request> m_requests;
};

} // namespace threadline::test
