#pragma once

#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace threadline::test {

/*!
 * A private PostgreSQL cluster in a temporary folder on a free loopback port, which a test may stop
 * and restart at will (the shared test server must never be touched). Uses the binaries of
 * THREADLINE_PG_BIN (default /usr/lib/postgresql/15/bin); as root, runs them as `postgres`.
 * The commands run with QProcess and the test waits for them with QSignalSpy.
 */
class ThrowawayPostgres
{
public:
    ThrowawayPostgres();
    ~ThrowawayPostgres();

    //! Whether the server binaries exist here.
    static bool available();

    bool start(QString *error);
    //! `pg_ctl restart -m fast`: every connection is cut, the server is back when this returns.
    bool restart(QString *error);
    bool stop(QString *error = nullptr);
    //! `pg_ctl stop -m fast` without waiting for the restart: for outages of a chosen length.
    bool stopOnly(QString *error);
    bool startOnly(QString *error);

    QString url() const;

private:
    bool run(const QString &tool, const QStringList &args, QString *error, int timeoutMs = 60000);
    QStringList ctl(const QString &action) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_bin;
    quint16 m_port = 0;
    bool m_running = false;
};

} // namespace threadline::test
