#include "throwawaypostgres.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>

#include <unistd.h>

namespace threadline::test {

namespace {

QString binDir()
{
    const QString env = qEnvironmentVariable("THREADLINE_PG_BIN");
    return env.isEmpty() ? QStringLiteral("/usr/lib/postgresql/15/bin") : env;
}

bool isRoot()
{
    return ::geteuid() == 0;
}

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

ThrowawayPostgres::ThrowawayPostgres()
    : m_bin(binDir())
{}

ThrowawayPostgres::~ThrowawayPostgres()
{
    stop();
}

bool ThrowawayPostgres::available()
{
    return QFileInfo(binDir() + QStringLiteral("/pg_ctl")).isExecutable() &&
           QFileInfo(binDir() + QStringLiteral("/initdb")).isExecutable();
}

bool ThrowawayPostgres::run(const QString &tool, const QStringList &args, QString *error, int timeoutMs)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    QString program = tool.startsWith(QLatin1Char('/')) ? tool : m_bin + QLatin1Char('/') + tool;
    QStringList arguments = args;
    if (isRoot() && tool != QLatin1String("chown")) {
        arguments.prepend(program);
        arguments =
            QStringList{QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--")} + arguments;
        program = QStringLiteral("runuser");
    } else if (tool == QLatin1String("chown")) {
        program = QStringLiteral("chown");
    }
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(program, arguments);
    if (!finished.wait(timeoutMs) && finished.isEmpty()) {
        process.kill();
        if (error)
            *error = program + QStringLiteral(" timed out");
        return false;
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        if (error)
            *error = program + QLatin1Char(' ') + arguments.join(QLatin1Char(' ')) + QStringLiteral(": ") +
                     QString::fromLocal8Bit(process.readAll());
        return false;
    }
    return true;
}

QStringList ThrowawayPostgres::ctl(const QString &action) const
{
    const QString data = m_dir->filePath(QStringLiteral("data"));
    QStringList args{QStringLiteral("-D"), data, QStringLiteral("-w"), QStringLiteral("-t"),
                     QStringLiteral("60")};
    if (action == QLatin1String("stop"))
        return args << QStringLiteral("-m") << QStringLiteral("fast") << action;
    args << QStringLiteral("-l") << m_dir->filePath(QStringLiteral("server.log"));
    if (action == QLatin1String("restart"))
        args << QStringLiteral("-m") << QStringLiteral("fast");
    args << QStringLiteral("-o")
         << QStringLiteral("-c listen_addresses=127.0.0.1 -p %1 -k %2 -c fsync=off -c synchronous_commit=off "
                           "-c full_page_writes=off -c max_connections=50")
                .arg(m_port)
                .arg(m_dir->path())
         << action;
    return args;
}

bool ThrowawayPostgres::start(QString *error)
{
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/threadline-chaos-pg-XXXXXX"));
    if (!m_dir->isValid()) {
        *error = QStringLiteral("no temporary folder");
        return false;
    }
    QFile::setPermissions(m_dir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                             QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                             QFile::ExeOther);
    if (isRoot() &&
        !run(QStringLiteral("chown"), {QStringLiteral("postgres:postgres"), m_dir->path()}, error))
        return false;
    const QString user =
        isRoot() ? QStringLiteral("postgres") : qEnvironmentVariable("USER", QStringLiteral("postgres"));
    if (!run(QStringLiteral("initdb"),
             {QStringLiteral("-D"), m_dir->filePath(QStringLiteral("data")), QStringLiteral("-A"),
              QStringLiteral("trust"), QStringLiteral("-U"), user, QStringLiteral("-E"),
              QStringLiteral("UTF8"), QStringLiteral("--locale=C.UTF-8"), QStringLiteral("--no-sync")},
             error, 120000))
        return false;
    m_port = freePort();
    if (m_port == 0) {
        *error = QStringLiteral("no free port");
        return false;
    }
    m_running = run(QStringLiteral("pg_ctl"), ctl(QStringLiteral("start")), error);
    return m_running;
}

bool ThrowawayPostgres::restart(QString *error)
{
    return run(QStringLiteral("pg_ctl"), ctl(QStringLiteral("restart")), error);
}

bool ThrowawayPostgres::stopOnly(QString *error)
{
    const bool ok = run(QStringLiteral("pg_ctl"), ctl(QStringLiteral("stop")), error);
    if (ok)
        m_running = false;
    return ok;
}

bool ThrowawayPostgres::startOnly(QString *error)
{
    m_running = run(QStringLiteral("pg_ctl"), ctl(QStringLiteral("start")), error);
    return m_running;
}

bool ThrowawayPostgres::stop(QString *error)
{
    if (!m_dir || !m_running)
        return true;
    return stopOnly(error);
}

QString ThrowawayPostgres::url() const
{
    const QString user =
        isRoot() ? QStringLiteral("postgres") : qEnvironmentVariable("USER", QStringLiteral("postgres"));
    return QStringLiteral("postgresql://%1@127.0.0.1:%2/postgres").arg(user).arg(m_port);
}

} // namespace threadline::test
