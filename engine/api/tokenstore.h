#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

namespace threadline {

class Store;

//! A REST API bearer token of an agent. The token itself is shown once, at creation; the database
//! keeps only its SHA-256.
struct ApiToken
{
    qint64 id = 0;
    qint64 personId = 0;
    QString name;
    QDateTime createdAt;
    QDateTime lastUsedAt; //!< null when never used
    QDateTime revokedAt;  //!< null while valid

    bool isRevoked() const { return revokedAt.isValid(); }
};

//! The api_tokens table (schema: engine/store/migrations.cpp) on a Store's connection.
class TokenStore
{
public:
    explicit TokenStore(Store &store)
        : m_store(store)
    {}

    //! A new random token: "tl_" + 43 base64url characters (32 random bytes).
    static QString generateToken();
    //! SHA-256 of the token, lower-case hex.
    static QString hashToken(const QString &token);
    //! Compares two byte strings in time independent of where they differ.
    static bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

    //! Stores a new token for personId (who must be an agent) and returns it with the plain token.
    Result<std::pair<ApiToken, QString>> create(qint64 personId, const QString &name);
    Result<QList<ApiToken>> list();
    Result<ApiToken> token(qint64 id);
    //! Marks the token revoked; revoking a revoked token succeeds and changes nothing.
    Result<ApiToken> revoke(qint64 id);
    //! The valid (not revoked) token with this plain text, or Unauthorized.
    Result<ApiToken> authenticate(const QString &plainToken);

private:
    Store &m_store;
};

} // namespace threadline
