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
