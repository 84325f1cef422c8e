#pragma once

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTcpServer>

#include <memory>

class QTcpSocket;

namespace threadline {

/*!
 * A QTcpServer for QHttpServer 6.4, which buffers any body, however large, before a handler runs
 * and has no header or connection limits. This server watches each connection's bytes before
 * QHttpServer reads them (its readyRead slot is connected first) and refuses, without buffering
 * the body, a request whose Content-Length exceeds the limit (413), whose headers are too large
 * (431), that is chunked (411) or that asks for `Expect: 100-continue` (417), with a JSON error and
 * a closed connection. It also tracks open connections so a shutdown can wait for them.
 */
class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    static constexpr qsizetype MaxHeaderBytes = 16 * 1024;

    GuardedTcpServer(qint64 maxBodyBytes, int maxConnections, QObject *parent = nullptr);

    QTcpSocket *nextPendingConnection() override;
    //! Open HTTP connections (upgraded WebSocket connections are not counted: their owner closes them).
    int openConnections();
    //! Closes every connection that is not in the middle of receiving a request (for a shutdown;
    //! answers already written are flushed first). WebSocket connections are left alone.
    void closeIdle();

Q_SIGNALS:
    //! A request was refused before its body was read; status is e.g. 413.
    void refused(int status);

private:
    void guard(QTcpSocket *socket);

    qint64 m_maxBodyBytes;
    int m_maxConnections;
    void forget(QTcpSocket *socket);
    void prune();

    QHash<QTcpSocket *, QPointer<QTcpSocket>> m_sockets; //!< guarded against deletion by others
    QHash<QTcpSocket *, std::shared_ptr<void>> m_framing;
};

} // namespace threadline
