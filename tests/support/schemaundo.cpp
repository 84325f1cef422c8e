#include "schemaundo.h"

#include "store/databaseurl.h"
#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

namespace threadline::test {

bool undoSchemaVersionSix(Store &store)
{
    QStringList ddl;
    if (store.backend() == DatabaseUrl::Backend::Sqlite)
        ddl << QStringLiteral("DROP TRIGGER requests_assignee_sort_insert")
            << QStringLiteral("DROP TRIGGER requests_assignee_sort_update")
            << QStringLiteral("DROP TRIGGER people_name_assignee_sort");
    else
        ddl << QStringLiteral("DROP TRIGGER requests_assignee_sort ON requests")
            << QStringLiteral("DROP TRIGGER people_name_assignee_sort ON people")
            << QStringLiteral("DROP FUNCTION requests_assignee_sort()")
            << QStringLiteral("DROP FUNCTION people_name_assignee_sort()");
    ddl << QStringLiteral("DROP INDEX requests_title_sort")
        << QStringLiteral("DROP INDEX requests_assignee_sort")
        << QStringLiteral("ALTER TABLE requests DROP COLUMN assignee_sort");
    QSqlQuery q(store.database()); // DDL is not prepared (PostgreSQL cannot PREPARE it)
    for (const QString &sql : std::as_const(ddl)) {
        if (!q.exec(sql)) {
            qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
            return false;
        }
    }
    return true;
}

} // namespace threadline::test
