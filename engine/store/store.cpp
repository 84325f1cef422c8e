#include "store/store.h"

#include "core/logging.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>

namespace threadline {

namespace {

QAtomicInteger<quint64> s_connectionCounter;

} // namespace

Store::Store(QObject *parent)
    : QObject(parent)
    , m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    qRegisterMetaType<threadline::StoreChange>();
}

Store::~Store()
{
    close();
}

QSqlDatabase Store::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

bool Store::isOpen() const
{
    return !m_connectionName.isEmpty() && database().isOpen();
}

void Store::setClock(std::function<qint64()> clock)
{
    m_clock = std::move(clock);
}

qint64 Store::now() const
{
    return m_clock();
}

void Store::setWriteHooks(std::function<void()> before, std::function<void()> after)
{
    m_beforeWrite = std::move(before);
    m_afterWrite = std::move(after);
}

Result<void> Store::open(const QString &url)
{
    close();
    auto parsed = DatabaseUrl::parse(url);
    if (!parsed)
        return parsed.error();
    m_url = parsed.value();
    if (auto r = connectDatabase(); !r) {
        close();
        return r;
    }
    if (auto r = migrate(); !r) {
        qCWarning(lcStore) << "cannot prepare the database" << m_url.redacted() << r.error().toString();
        close();
        return r;
    }
    qCInfo(lcStore) << "opened" << m_url.redacted();
    return {};
}

Result<void> Store::connectDatabase()
{
    m_connectionName = QStringLiteral("threadline-store-%1").arg(++s_connectionCounter);
    const bool sqlite = m_url.backend == DatabaseUrl::Backend::Sqlite;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(
            sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"), m_connectionName);
        if (!db.isValid()) {
            return makeError(ErrorCode::Unavailable, QStringLiteral("The database driver is not installed"),
                             QStringLiteral("url"),
                             sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"));
        }
        if (sqlite) {
            db.setDatabaseName(m_url.path);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        } else {
            db.setHostName(m_url.host);
            db.setPort(m_url.port);
            db.setUserName(m_url.user);
            db.setPassword(m_url.password);
            db.setDatabaseName(m_url.database);
            db.setConnectOptions(QStringLiteral("connect_timeout=10;application_name=threadline"));
        }
        if (!db.open()) {
            return makeError(ErrorCode::Unavailable,
                             QStringLiteral("Cannot open the database %1").arg(m_url.redacted()),
                             QStringLiteral("url"), db.lastError().text());
        }
    }

    QStringList setup;
    if (sqlite) {
        if (m_url.path != QLatin1String(":memory:"))
            setup << QStringLiteral("PRAGMA journal_mode=WAL");
        setup << QStringLiteral("PRAGMA synchronous=NORMAL") << QStringLiteral("PRAGMA foreign_keys=ON");
    } else {
        setup << QStringLiteral("SET client_min_messages TO warning");
        if (!m_url.schema.isEmpty()) {
            // The schema name is a checked identifier (DatabaseUrl::parse), never free text.
            setup << QStringLiteral("CREATE SCHEMA IF NOT EXISTS \"%1\"").arg(m_url.schema)
                  << QStringLiteral("SET search_path TO \"%1\"").arg(m_url.schema);
        }
    }
    for (const QString &sql : std::as_const(setup)) {
        if (auto r = execDdl(sql); !r)
            return r;
    }
    return {};
}

void Store::dropConnection()
{
    m_queries.clear();
    if (m_connectionName.isEmpty())
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
    m_connectionName.clear();
}

Result<void> Store::reconnect()
{
    Q_ASSERT(m_txDepth == 0);
    // A caller may still hold a query of the lost connection (a result being read): keep those
    // objects alive, dead, until close().
    for (auto &[sql, query] : m_queries)
        m_retiredQueries.push_back(std::move(query));
    m_queries.clear();
    dropConnection();
    m_pending.clear();
    m_savepointMarks.clear();
    if (auto r = connectDatabase(); !r) {
        dropConnection();
        m_connectionLost = true;
        qCWarning(lcStore) << "the database is still unreachable:" << r.error().toString();
        return r;
    }
    m_connectionLost = false;
    ++m_reconnects;
    qCInfo(lcStore) << "reconnected to" << m_url.redacted();
    return {};
}

Result<void> Store::ensureConnected()
{
    if (m_connectionLost && m_txDepth == 0)
        return reconnect();
    return {};
}

bool Store::isConnectionLoss(const QSqlError &error)
{
    if (error.type() == QSqlError::ConnectionError)
        return true;
    const QString native = error.nativeErrorCode();
    // 08xxx connection exceptions; 57P01/57P02/57P03: the server shut down or is starting up.
    if (native.startsWith(QLatin1String("08")) || native == QLatin1String("57P01") ||
        native == QLatin1String("57P02") || native == QLatin1String("57P03"))
        return true;
    // libpq reports a dead socket without an SQLSTATE.
    const QString text = error.text();
    return text.contains(QLatin1String("server closed the connection"), Qt::CaseInsensitive) ||
           text.contains(QLatin1String("no connection to the server"), Qt::CaseInsensitive) ||
           text.contains(QLatin1String("terminating connection"), Qt::CaseInsensitive) ||
           text.contains(QLatin1String("could not send data to server"), Qt::CaseInsensitive) ||
           text.contains(QLatin1String("could not receive data from server"), Qt::CaseInsensitive) ||
           text.contains(QLatin1String("connection to server"), Qt::CaseInsensitive);
}

void Store::close()
{
    m_queries.clear();
    m_pending.clear();
    m_savepointMarks.clear();
    m_txDepth = 0;
    if (std::exchange(m_writeHooked, false))
        m_afterWrite();
    m_connectionLost = false;
    dropConnection();
    m_retiredQueries.clear();
}

Error Store::sqlError(const QSqlError &error, const QString &what) const
{
    const QString native = error.nativeErrorCode();
    const QString text = error.text();
    ErrorCode code = ErrorCode::Internal;
    QString message = QStringLiteral("The database could not %1").arg(what);
    if (m_url.backend == DatabaseUrl::Backend::Postgres && isConnectionLoss(error)) {
        m_connectionLost = true;
        code = ErrorCode::Unavailable;
        message = QStringLiteral("The database is not reachable");
    } else if (native == QLatin1String("23505") || text.contains(QLatin1String("UNIQUE constraint failed"))) {
        code = ErrorCode::Conflict;
        message = QStringLiteral("A row with the same key exists already");
    } else if (native == QLatin1String("40001") || native == QLatin1String("40P01")) {
        code = ErrorCode::Conflict;
        message = QStringLiteral("A concurrent change got in the way; try again");
    } else if (native == QLatin1String("5") || native == QLatin1String("6")) { // SQLITE_BUSY, SQLITE_LOCKED
        code = ErrorCode::Unavailable;
        message = QStringLiteral("The database is busy; try again");
    } else if (native == QLatin1String("23503") ||
               text.contains(QLatin1String("FOREIGN KEY constraint failed"))) {
        code = ErrorCode::NotFound;
        message = QStringLiteral("A referenced row does not exist");
    }
    return makeError(code, message, {}, text);
}

Result<void> Store::execDdl(const QString &sql)
{
    QSqlQuery query(database());
    if (!query.exec(sql)) {
        qCWarning(lcStore) << "statement failed:" << sql.left(80) << query.lastError().text();
        return sqlError(query.lastError(), QStringLiteral("run a statement"));
    }
    return {};
}

Result<QSqlQuery *> Store::exec(const QString &sql, const QVariantList &binds)
{
    if (auto r = ensureConnected(); !r)
        return r.error();
    auto result = execOnce(sql, binds);
    // A lone SELECT outside a transaction is safe to repeat on a new connection.
    if (!result && m_connectionLost && m_txDepth == 0 && sql.startsWith(QLatin1String("SELECT"))) {
        if (auto r = reconnect(); !r)
            return r.error();
        result = execOnce(sql, binds);
    }
    return result;
}

Result<QSqlQuery *> Store::execOnce(const QString &sql, const QVariantList &binds)
{
    if (!isOpen())
        return makeError(ErrorCode::Unavailable, QStringLiteral("The store is not open"));
    auto it = m_queries.find(sql);
    if (it == m_queries.end()) {
        auto query = std::make_unique<QSqlQuery>(database());
        query->setForwardOnly(true);
        if (!query->prepare(sql)) {
            qCWarning(lcStore) << "prepare failed:" << sql << query->lastError().text();
            return sqlError(query->lastError(), QStringLiteral("prepare a statement"));
        }
        it = m_queries.emplace(sql, std::move(query)).first;
    }
    QSqlQuery *query = it->second.get();
    for (qsizetype i = 0; i < binds.size(); ++i)
        query->bindValue(int(i), binds.at(i));
    if (!query->exec()) {
        const QSqlError error = query->lastError();
        qCDebug(lcStore) << "statement failed:" << sql << error.text();
        query->finish();
        return sqlError(error, QStringLiteral("run a statement"));
    }
    return query;
}

Result<qint64> Store::insert(const QString &sql, const QVariantList &binds)
{
    auto q = exec(sql, binds);
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return makeError(ErrorCode::Internal, QStringLiteral("The database returned no id"));
    return q.value()->value(0).toLongLong();
}

Result<int> Store::execAffected(const QString &sql, const QVariantList &binds)
{
    auto q = exec(sql, binds);
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    return q.value()->numRowsAffected();
}

Result<std::optional<QVariant>> Store::scalar(const QString &sql, const QVariantList &binds)
{
    auto q = exec(sql, binds);
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return std::optional<QVariant>();
    return std::optional<QVariant>(q.value()->value(0));
}

Result<QList<qint64>> Store::ids(const QString &sql, const QVariantList &binds)
{
    auto q = exec(sql, binds);
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    QList<qint64> out;
    while (q.value()->next())
        out << q.value()->value(0).toLongLong();
    return out;
}

Result<void> Store::beginTransaction(bool readOnly)
{
    if (auto r = ensureConnected(); !r)
        return r;
    if (!isOpen())
        return makeError(ErrorCode::Unavailable, QStringLiteral("The store is not open"));
    if (m_txDepth == 0) {
        // IMMEDIATE takes SQLite's write lock up front, so two writers wait (busy timeout)
        // instead of failing when a read transaction tries to become a write transaction.
        const bool sqlite = m_url.backend == DatabaseUrl::Backend::Sqlite;
        const QString begin =
            readOnly ? (sqlite ? QStringLiteral("BEGIN DEFERRED")
                               : QStringLiteral("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
                     : (sqlite ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN"));
        if (!readOnly && m_beforeWrite) {
            m_beforeWrite();
            m_writeHooked = true;
        }
        auto begun = execDdl(begin);
        if (!begun && m_connectionLost) {
            // The connection died while idle (a server restart): BEGIN is safe to repeat.
            if (auto r = reconnect(); !r) {
                if (std::exchange(m_writeHooked, false))
                    m_afterWrite();
                return r;
            }
            begun = execDdl(begin);
        }
        if (!begun) {
            if (std::exchange(m_writeHooked, false))
                m_afterWrite();
            return begun;
        }
        m_pending.clear();
        m_feedLocked = false;
        m_feedError.reset();
    } else {
        if (auto r = execDdl(QStringLiteral("SAVEPOINT tl_sp%1").arg(m_txDepth)); !r)
            return r;
        m_savepointMarks.append(m_pending.size());
    }
    ++m_txDepth;
    return {};
}

Result<void> Store::commitTransaction()
{
    Q_ASSERT(m_txDepth > 0);
    --m_txDepth;
    if (m_txDepth > 0) {
        m_savepointMarks.removeLast();
        return execDdl(QStringLiteral("RELEASE SAVEPOINT tl_sp%1").arg(m_txDepth));
    }
    // Statements still holding results would keep SQLite's read lock; release them all.
    for (auto &[sql, query] : m_queries)
        query->finish();
    if (m_feedError) {
        // The change feed must hold every committed change: without its row, nothing commits.
        const Error error = *std::exchange(m_feedError, std::nullopt);
        execDdl(QStringLiteral("ROLLBACK"));
        if (std::exchange(m_writeHooked, false))
            m_afterWrite();
        m_pending.clear();
        return error;
    }
    auto committed = execDdl(QStringLiteral("COMMIT"));
    if (!committed)
        execDdl(QStringLiteral("ROLLBACK"));
    if (std::exchange(m_writeHooked, false))
        m_afterWrite();
    if (!committed) {
        m_pending.clear();
        return committed;
    }
    const QList<StoreChange> changes = std::exchange(m_pending, {});
    for (const StoreChange &change : changes)
        Q_EMIT changed(change);
    return {};
}

void Store::rollbackTransaction()
{
    Q_ASSERT(m_txDepth > 0);
    --m_txDepth;
    if (m_txDepth > 0) {
        const QString sp = QStringLiteral("tl_sp%1").arg(m_txDepth);
        execDdl(QStringLiteral("ROLLBACK TO SAVEPOINT ") + sp);
        execDdl(QStringLiteral("RELEASE SAVEPOINT ") + sp);
        m_pending.resize(m_savepointMarks.takeLast());
        return;
    }
    for (auto &[sql, query] : m_queries)
        query->finish();
    execDdl(QStringLiteral("ROLLBACK"));
    if (std::exchange(m_writeHooked, false))
        m_afterWrite();
    m_pending.clear();
}

void Store::announce(const StoreChange &change)
{
    appendChangeLog(change);
    if (m_txDepth > 0)
        m_pending.append(change);
    else
        Q_EMIT changed(change);
}

Result<void> Store::audit(qint64 actorId, const QString &action, const QString &entity, qint64 entityId,
                          const QVariantMap &before, const QVariantMap &after)
{
    auto json = [](const QVariantMap &map) -> QVariant {
        if (map.isEmpty())
            return QVariant(QMetaType::fromType<QString>());
        return QString::fromUtf8(
            QJsonDocument(QJsonObject::fromVariantMap(map)).toJson(QJsonDocument::Compact));
    };
    auto r = execAffected(
        QStringLiteral("INSERT INTO audit_log (actor_id, action, entity, entity_id, before_json, "
                       "after_json, at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        {actorId > 0 ? QVariant(actorId) : QVariant(QMetaType::fromType<qint64>()), action, entity, entityId,
         json(before), json(after), now()});
    if (!r)
        return r.error();
    return {};
}

// ---- Change feed ---------------------------------------------------------------------------------

void Store::appendChangeLog(const StoreChange &change)
{
    using Kind = StoreChange::Kind;
    switch (change.kind) {
    case Kind::PersonUpserted:
    case Kind::TeamUpserted:
    case Kind::TeamMembershipChanged:
        return; // no Slack effect: follower changes they cause are announced on their own
    default:
        break;
    }
    if (m_feedError)
        return;
    if (m_url.backend == DatabaseUrl::Backend::Postgres && m_txDepth > 0 && !m_feedLocked) {
        // Identity values are taken at INSERT but become visible at COMMIT: serialising the
        // writers of change_log makes ids commit in order, so a reader's cursor never skips a row.
        if (auto r = execDdl(QStringLiteral("SELECT pg_advisory_xact_lock(746172656102)")); !r) {
            m_feedError = r.error();
            return;
        }
        m_feedLocked = true;
    }
    auto nullable = [](qint64 v) { return v > 0 ? QVariant(v) : QVariant(QMetaType::fromType<qint64>()); };
    auto r = execAffected(
        QStringLiteral("INSERT INTO change_log (kind, request_id, update_id, person_id, actor_id, version, "
                       "source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        {storeChangeKindName(change.kind), nullable(change.requestId), nullable(change.updateId),
         nullable(change.personId), nullable(change.actorId), change.version, updateSourceName(change.source),
         now()});
    if (!r) {
        qCWarning(lcStore) << "change feed insert failed:" << r.error().toString();
        if (m_txDepth > 0)
            m_feedError = r.error();
    }
}

} // namespace threadline
