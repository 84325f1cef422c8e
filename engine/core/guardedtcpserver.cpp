#include "core/guardedtcpserver.h"

#include <QLoggingCategory>

#include <QTcpSocket>
#include <QTimer>

#include <memory>

namespace threadline {

namespace {

struct Framing
{
    QByteArray head;     //!< header bytes of the request being received
    qint64 bodyLeft = 0; //!< body bytes still expected for the current request
    bool refused = false;
    bool upgraded = false;  //!< a WebSocket upgrade: what follows are frames, not HTTP
    qint64 discardLeft = 0; //!< body bytes of a refused request read and dropped before closing
};

//! A refused body up to this size is read and dropped, so the client gets to read the answer
//! (clients that are still sending when the connection closes see a reset instead of the 413).
constexpr qint64 MaxDiscardBytes = 16 * 1024 * 1024;

void refuse(QTcpSocket *socket, Framing &framing, int status, const char *reason, const char *code,
            const char *message, qint64 discard = 0)
{
    framing.refused = true;
    framing.discardLeft = discard <= MaxDiscardBytes ? discard : 0;
    framing.head.clear();
    socket->readAll();
    const QByteArray body = QByteArray("{\"error\":\"") + code + "\",\"message\":\"" + message + "\"}";
    socket->write(QByteArray("HTTP/1.1 ") + QByteArray::number(status) + ' ' + reason +
                  "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
                  "\r\nConnection: close\r\n\r\n" + body);
    socket->flush();
    if (framing.discardLeft <= 0) {
        socket->disconnectFromHost();
    } else {
        QTimer::singleShot(10000, socket, [socket] { socket->disconnectFromHost(); });
    }
}

} // namespace

GuardedTcpServer::GuardedTcpServer(qint64 maxBodyBytes, int maxConnections, const QLoggingCategory &category,
                                   QObject *parent)
    : QTcpServer(parent)
    , m_maxBodyBytes(maxBodyBytes)
    , m_maxConnections(maxConnections)
    , m_category(category)
{}

QTcpSocket *GuardedTcpServer::nextPendingConnection()
{
    QTcpSocket *socket = QTcpServer::nextPendingConnection();
    if (!socket)
        return nullptr;
    prune();
    m_sockets.insert(socket, QPointer<QTcpSocket>(socket));
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { forget(socket); });
    guard(socket);
    if (m_sockets.size() > qsizetype(m_maxConnections)) {
        qCWarning(m_category) << "connection limit reached; refusing a connection";
        auto framing = std::make_shared<Framing>();
        refuse(socket, *framing, 503, "Service Unavailable", "unavailable", "Too many connections");
        Q_EMIT refused(503);
    }
    return socket;
}

void GuardedTcpServer::forget(QTcpSocket *socket)
{
    m_sockets.remove(socket);
    m_framing.remove(socket);
}

void GuardedTcpServer::prune()
{
    // A QWebSocket takes over (and drops the signal connections of) an upgraded socket, so deleted
    // or closed sockets are also found here rather than only through disconnected().
    for (auto it = m_sockets.begin(); it != m_sockets.end();) {
        if (it.value().isNull() || it.value()->state() == QAbstractSocket::UnconnectedState) {
            m_framing.remove(it.key());
            it = m_sockets.erase(it);
        } else {
            ++it;
        }
    }
}

int GuardedTcpServer::openConnections()
{
    prune();
    return int(m_sockets.size());
}

void GuardedTcpServer::closeIdle()
{
    prune();
    const QList<QPointer<QTcpSocket>> sockets = m_sockets.values();
    for (const QPointer<QTcpSocket> &socket : sockets) {
        const auto framing = std::static_pointer_cast<Framing>(m_framing.value(socket.data()));
        const bool busy = framing && (framing->upgraded || framing->bodyLeft > 0 || !framing->head.isEmpty());
        if (!busy && socket->bytesAvailable() == 0)
            socket->disconnectFromHost(); // pending response bytes are written first
    }
}

void GuardedTcpServer::guard(QTcpSocket *socket)
{
    auto framing = std::make_shared<Framing>();
    m_framing.insert(socket, framing);
    QPointer<GuardedTcpServer> self(this);
    connect(socket, &QTcpSocket::readyRead, socket, [socket, framing, self] {
        if (framing->upgraded)
            return;
        if (framing->refused) {
            // keep QHttpServer from seeing anything more
            framing->discardLeft -= socket->readAll().size();
            if (framing->discardLeft <= 0 && socket->state() == QAbstractSocket::ConnectedState)
                socket->disconnectFromHost();
            return;
        }
        const auto refuseWith = [&](int status, const char *reason, const char *code, const char *message,
                                    qint64 discard = 0) {
            if (self)
                qCInfo(self->m_category) << "request refused before reading its body:" << status << reason;
            refuse(socket, *framing, status, reason, code, message, discard);
            if (self)
                Q_EMIT self->refused(status);
        };
        // QHttpServer reads everything available after this slot: look only at the new bytes.
        const QByteArray data = socket->peek(socket->bytesAvailable());
        qsizetype pos = 0;
        while (pos < data.size()) {
            if (framing->bodyLeft > 0) {
                const qint64 take = std::min<qint64>(framing->bodyLeft, data.size() - pos);
                framing->bodyLeft -= take;
                pos += take;
                continue;
            }
            const qsizetype before = framing->head.size();
            framing->head += data.mid(pos);
            const qsizetype end = framing->head.indexOf("\r\n\r\n");
            if (end < 0) {
                if (framing->head.size() > MaxHeaderBytes)
                    return refuseWith(431, "Request Header Fields Too Large", "headers_too_large",
                                      "The request headers are too large");
                return;
            }
            const QByteArray head = framing->head.left(end).toLower();
            pos += end + 4 - before;
            framing->head.clear();
            if (head.contains("\r\ntransfer-encoding:"))
                return refuseWith(411, "Length Required", "length_required",
                                  "Chunked request bodies are not accepted; send Content-Length");
            if (head.contains("\r\nexpect:"))
                return refuseWith(417, "Expectation Failed", "expectation_failed",
                                  "Expect is not supported; send the body directly");
            qint64 length = 0;
            const qsizetype cl = head.indexOf("\r\ncontent-length:");
            if (cl >= 0) {
                const qsizetype lineEnd = head.indexOf("\r\n", cl + 2);
                bool ok = false;
                length = head.mid(cl + 17, lineEnd < 0 ? -1 : lineEnd - cl - 17).trimmed().toLongLong(&ok);
                if (!ok || length < 0)
                    return refuseWith(400, "Bad Request", "bad_request", "The Content-Length is not valid");
            }
            const qint64 limit = self ? self->m_maxBodyBytes : 0;
            if (length > limit) // drop the rest of the body (what follows the header in data is read now)
                return refuseWith(413, "Payload Too Large", "too_large", "The request body is too large",
                                  length - (data.size() - pos));
            framing->bodyLeft = length;
            if (head.contains("\r\nupgrade: websocket") || head.contains("\r\nupgrade:websocket")) {
                framing->upgraded = true;
                if (self)
                    self->forget(socket); // a stream connection now: ApiServer closes it
                return;
            }
        }
    });
}

} // namespace threadline
