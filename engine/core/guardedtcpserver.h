#pragma once

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTcpServer>

#include <memory>

class QLoggingCategory;
class QTcpSocket;

namespace threadline {

/*!
 * A QTcpServer for QHttpServer 6.4, which buffers any body, however large, before a handler runs
 * and has no header or connection limits. This server watches each connection's bytes before
 * QHttpServer reads them (its readyRead slot is connected first) and refuses, without buffering
 * the body, a request whose Content-Length exceeds the limit (413), whose headers are too large
 * (431), that is chunked (411) or that asks for `Expect: 100-continue` (417), with a JSON error and
 * a closed connection. Above maxConnections open connections a new one gets 503. It also tracks
 * open connections so a shutdown can wait for them.
 *
 * Used by the REST API (engine/api) and the Slack HTTP Events receiver (engine/slack); it lives in
 * engine/core so that neither depends on the other.
 */
class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    static constexpr qsizetype MaxHeaderBytes = 16 * 1024;

    //! category: where refusals are logged (the owner's, e.g. lcApi or lcSlack).
    GuardedTcpServer(qint64 maxBodyBytes, int maxConnections, const QLoggingCategory &category,
                     QObject *parent = nullptr);

    qint64 maxBodyBytes() const { return m_maxBodyBytes; }
    //! Applies to requests whose headers arrive from now on.
    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }

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
    const QLoggingCategory &m_category;
    void forget(QTcpSocket *socket);
    void prune();

    QHash<QTcpSocket *, QPointer<QTcpSocket>> m_sockets; //!< guarded against deletion by others
    QHash<QTcpSocket *, std::shared_ptr<void>> m_framing;
};

} // namespace threadline
