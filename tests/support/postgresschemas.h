#pragma once

#include "testsupport.h"

#include <QString>
#include <QStringList>
#include <QTest>

namespace threadline::test {

/*!
 * Fresh PostgreSQL schemas for the tests that run on both backends: every newUrl() names a new
 * schema (tl_<area>_<pid>_<time>_<n>) in THREADLINE_TEST_POSTGRES's database, which the Store
 * creates when it opens the URL. dropAll(), also run by the destructor, drops every schema handed
 * out, over a plain connection (nothing is migrated in the public schema).
 */
class PostgresSchemas
{
public:
    explicit PostgresSchemas(const QString &area);
    ~PostgresSchemas();
    PostgresSchemas(const PostgresSchemas &) = delete;
    PostgresSchemas &operator=(const PostgresSchemas &) = delete;

    //! A URL naming a new schema; empty when THREADLINE_TEST_POSTGRES is not set.
    QString newUrl();
    //! For the backend of a row of addBackendRows(): `sqlite:<sqlitePath>` for "sqlite", else newUrl().
    QString newUrl(const QString &backend, const QString &sqlitePath);
    //! The schemas handed out and not dropped yet.
    QStringList schemas() const { return m_schemas; }
    //! Drops every schema handed out; returns what went wrong, empty when all were dropped.
    QString dropAll();

private:
    QString m_area;
    QStringList m_schemas;
};

//! base (a postgresql:// URL) with its schema parameter set to schema.
QString withSchema(const QString &base, const QString &schema);

//! In initTestCase_data() of a suite that runs on both backends: the global column "backend" with
//! the rows "sqlite" and "postgresql".
void addBackendRows();

} // namespace threadline::test

//! In init() or a test function of a PostgreSQL case: skips it when no server is configured, or
//! fails it when THREADLINE_REQUIRE_POSTGRES=1 (so PostgreSQL cases cannot silently skip in CI).
#define THREADLINE_POSTGRES_OR_SKIP()                                                                        \
    do {                                                                                                     \
        if (::threadline::test::postgresUrl().isEmpty()) {                                                   \
            if (::threadline::test::postgresRequired())                                                      \
                QFAIL("THREADLINE_REQUIRE_POSTGRES=1 but THREADLINE_TEST_POSTGRES names no server");         \
            QSKIP("PostgreSQL cases skipped: set THREADLINE_TEST_POSTGRES=postgresql://user@host:port/db "   \
                  "to run them");                                                                            \
        }                                                                                                    \
    } while (false)

//! In init() of a suite with addBackendRows(): THREADLINE_POSTGRES_OR_SKIP() on the postgresql row.
#define THREADLINE_BACKEND_OR_SKIP()                                                                         \
    do {                                                                                                     \
        QFETCH_GLOBAL(QString, backend);                                                                     \
        if (backend == QLatin1String("postgresql"))                                                          \
            THREADLINE_POSTGRES_OR_SKIP();                                                                   \
    } while (false)
