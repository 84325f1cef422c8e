#include "store/databaseurl.h"

#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

namespace threadline {

Result<DatabaseUrl> DatabaseUrl::parse(const QString &url)
{
    DatabaseUrl out;
    const QString sqlitePrefix = QStringLiteral("sqlite:");
    if (url.startsWith(sqlitePrefix)) {
        out.backend = Backend::Sqlite;
        out.path = url.mid(sqlitePrefix.size());
        if (out.path.startsWith(QLatin1String("//")))
            out.path = out.path.mid(2); // sqlite:///abs/path → /abs/path
        if (out.path.isEmpty())
            return makeError(ErrorCode::Invalid, QStringLiteral("The SQLite URL names no file"),
                             QStringLiteral("url"));
        return out;
    }
    const QUrl parsed(url, QUrl::StrictMode);
    const QString scheme = parsed.scheme();
    if (!parsed.isValid() || (scheme != QLatin1String("postgresql") && scheme != QLatin1String("postgres")))
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("Unsupported database URL; use sqlite:/path/file.db or "
                                        "postgresql://user:pass@host:port/db"),
                         QStringLiteral("url"));
    out.backend = Backend::Postgres;
    out.host = parsed.host();
    out.port = parsed.port(5432);
    out.user = parsed.userName();
    out.password = parsed.password();
    out.database = parsed.path().mid(1);
    if (out.host.isEmpty() || out.database.isEmpty())
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("The PostgreSQL URL needs a host and a database name"),
                         QStringLiteral("url"));
    const QUrlQuery query(parsed);
    out.schema = query.queryItemValue(QStringLiteral("schema"), QUrl::FullyDecoded);
    if (!out.schema.isEmpty()) {
        static const QRegularExpression identifier(QStringLiteral("^[a-z_][a-z0-9_]{0,62}$"));
        if (!identifier.match(out.schema).hasMatch())
            return makeError(ErrorCode::Invalid,
                             QStringLiteral("The schema name must be a lower-case SQL identifier"),
                             QStringLiteral("schema"));
    }
    return out;
}

QString DatabaseUrl::redacted() const
{
    if (backend == Backend::Sqlite)
        return QStringLiteral("sqlite:") + path;
    QString s = QStringLiteral("postgresql://");
    if (!user.isEmpty())
        s += user + QStringLiteral("@");
    s += host + QLatin1Char(':') + QString::number(port) + QLatin1Char('/') + database;
    if (!schema.isEmpty())
        s += QStringLiteral("?schema=") + schema;
    return s;
}

} // namespace threadline
