#include "postgresschemas.h"

#include "store/databaseurl.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>

namespace threadline::test {

namespace {
std::atomic<int> g_counter{0};
}

PostgresSchemas::PostgresSchemas(const QString &area)
    : m_area(area)
{}

PostgresSchemas::~PostgresSchemas()
{
    const QString failed = dropAll();
    if (!failed.isEmpty())
        qWarning("test schemas left behind: %s", qPrintable(failed));
}

QString withSchema(const QString &base, const QString &schema)
{
    return base +
           (base.contains(QLatin1Char('?')) ? QStringLiteral("&schema=") : QStringLiteral("?schema=")) +
           schema;
}

QString PostgresSchemas::newUrl()
{
    const QString base = postgresUrl();
    if (base.isEmpty())
        return {};
    const QString schema = QStringLiteral("tl_%1_%2_%3_%4")
                               .arg(m_area)
                               .arg(QCoreApplication::applicationPid())
                               .arg(QDateTime::currentMSecsSinceEpoch() % 100000000)
                               .arg(++g_counter);
    m_schemas << schema;
    return withSchema(base, schema);
}

QString PostgresSchemas::newUrl(const QString &backend, const QString &sqlitePath)
{
    if (backend == QLatin1String("sqlite"))
        return QStringLiteral("sqlite:") + sqlitePath;
    return newUrl();
}

void addBackendRows()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

QString PostgresSchemas::dropAll()
{
    if (m_schemas.isEmpty())
        return {};
    const auto url = DatabaseUrl::parse(postgresUrl());
    if (!url)
        return url.error().message;
    const QString connection = QStringLiteral("tl-test-schemas-%1").arg(++g_counter);
    QString failed;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
        db.setHostName(url->host);
        db.setPort(url->port);
        db.setUserName(url->user);
        db.setPassword(url->password);
        db.setDatabaseName(url->database);
        if (!db.open()) {
            failed = db.lastError().text();
        } else {
            QSqlQuery(db).exec(QStringLiteral("SET client_min_messages TO warning"));
            for (const QString &schema : std::as_const(m_schemas)) {
                QSqlQuery q(db);
                if (!q.exec(QStringLiteral("DROP SCHEMA IF EXISTS \"%1\" CASCADE").arg(schema)))
                    failed += schema + QStringLiteral(": ") + q.lastError().text() + QLatin1Char('\n');
            }
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(connection);
    if (failed.isEmpty())
        m_schemas.clear();
    return failed;
}

} // namespace threadline::test
