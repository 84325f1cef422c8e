#include "api/tokenstore.h"

#include "store/store.h"
#include <QDateTime>

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QSqlQuery>

namespace threadline {

namespace {

const QString kColumns =
    QStringLiteral("id, person_id, name, created_at, last_used_at, revoked_at, token_hash");

QDateTime toTime(const QVariant &v)
{
    if (v.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

ApiToken readToken(const QSqlQuery &q)
{
    ApiToken t;
    t.id = q.value(0).toLongLong();
    t.personId = q.value(1).toLongLong();
    t.name = q.value(2).toString();
    t.createdAt = toTime(q.value(3));
    t.lastUsedAt = toTime(q.value(4));
    t.revokedAt = toTime(q.value(5));
    return t;
}

Error tokenNotFound(qint64 id)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("Token %1 does not exist").arg(id),
                     QStringLiteral("id"));
}

} // namespace

QString TokenStore::generateToken()
{
    QByteArray raw(32, Qt::Uninitialized);
    QRandomGenerator *rng = QRandomGenerator::system();
    for (qsizetype i = 0; i < raw.size(); i += 4) {
        const quint32 word = rng->generate();
        for (int b = 0; b < 4 && i + b < raw.size(); ++b)
            raw[i + b] = char((word >> (8 * b)) & 0xff);
    }
    return QStringLiteral("tl_") +
           QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString TokenStore::hashToken(const QString &token)
{
    return QString::fromLatin1(QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256).toHex());
}

bool TokenStore::constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Hash both sides first so the length of the secret does not leak through an early exit.
    const QByteArray ha = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray hb = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    unsigned char diff = 0;
    for (qsizetype i = 0; i < ha.size(); ++i)
        diff |= static_cast<unsigned char>(ha.at(i) ^ hb.at(i));
    return diff == 0 && !a.isEmpty();
}

Result<std::pair<ApiToken, QString>> TokenStore::create(qint64 personId, const QString &name)
{
    const QString plain = generateToken();
    const QString hash = hashToken(plain);
    return m_store.transaction([&]() -> Result<std::pair<ApiToken, QString>> {
        auto person = m_store.person(personId);
        if (!person)
            return person.error();
        if (!person->isAgent)
            return makeError(ErrorCode::Invalid, QStringLiteral("Tokens are issued to agents only"),
                             QStringLiteral("user"));
        const qint64 t = m_store.now();
        auto id =
            m_store.insert(QStringLiteral("INSERT INTO api_tokens (person_id, name, token_hash, created_at) "
                                          "VALUES (?, ?, ?, ?) RETURNING id"),
                           {personId, name, hash, t});
        if (!id)
            return id.error();
        if (auto r =
                m_store.audit(0, QStringLiteral("token.create"), QStringLiteral("api_token"), id.value(), {},
                              {{QStringLiteral("person_id"), personId}, {QStringLiteral("name"), name}});
            !r)
            return r.error();
        ApiToken token;
        token.id = id.value();
        token.personId = personId;
        token.name = name;
        token.createdAt = QDateTime::fromMSecsSinceEpoch(t, Qt::UTC);
        return std::make_pair(token, plain);
    });
}

Result<QList<ApiToken>> TokenStore::list()
{
    auto q =
        m_store.exec(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM api_tokens ORDER BY id"));
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    QList<ApiToken> out;
    while (q.value()->next())
        out << readToken(*q.value());
    return out;
}

Result<ApiToken> TokenStore::token(qint64 id)
{
    auto q = m_store.exec(
        QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM api_tokens WHERE id = ?"), {id});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return tokenNotFound(id);
    return readToken(*q.value());
}

Result<ApiToken> TokenStore::revoke(qint64 id)
{
    return m_store.transaction([&]() -> Result<ApiToken> {
        auto existing = token(id);
        if (!existing || existing->isRevoked())
            return existing;
        const qint64 t = m_store.now();
        auto n = m_store.execAffected(
            QStringLiteral("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
            {t, id});
        if (!n)
            return n.error();
        if (auto r =
                m_store.audit(0, QStringLiteral("token.revoke"), QStringLiteral("api_token"), id, {}, {});
            !r)
            return r.error();
        return token(id);
    });
}

Result<ApiToken> TokenStore::authenticate(const QString &plainToken)
{
    const Error refused =
        makeError(ErrorCode::Unauthorized, QStringLiteral("The token is not valid or was revoked"));
    if (plainToken.isEmpty() || plainToken.size() > 200)
        return refused;
    const QString hash = hashToken(plainToken);
    auto q = m_store.exec(QStringLiteral("SELECT ") + kColumns +
                              QStringLiteral(" FROM api_tokens WHERE token_hash = ?"),
                          {hash});
    if (!q)
        return q.error();
    ApiToken found;
    bool match = false;
    {
        QueryGuard guard(q.value());
        if (q.value()->next()) {
            found = readToken(*q.value());
            match = constantTimeEquals(q.value()->value(6).toString().toLatin1(), hash.toLatin1());
        }
    }
    if (!match || found.isRevoked())
        return refused;
    // Record use at most once a minute per token, so reads stay reads.
    const qint64 t = m_store.now();
    if (!found.lastUsedAt.isValid() || t - found.lastUsedAt.toMSecsSinceEpoch() >= 60000) {
        auto n = m_store.execAffected(QStringLiteral("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"),
                                      {t, found.id});
        if (!n)
            return n.error();
        found.lastUsedAt = QDateTime::fromMSecsSinceEpoch(t, Qt::UTC);
    }
    return found;
}

} // namespace threadline
