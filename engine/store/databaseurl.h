#pragma once

#include "core/result.h"

#include <QString>

namespace threadline {

//! Where the store lives, parsed from a connection URL:
//!   sqlite:/path/to/file.db        an SQLite file (created when missing), WAL journal
//!   sqlite::memory:                a private in-memory SQLite database (tests)
//!   postgresql://user:pass@host:port/db[?schema=name]
//! The optional `schema` keeps all tables in that PostgreSQL schema (created when missing).
struct DatabaseUrl
{
    enum class Backend
    {
        Sqlite,
        Postgres,
    };

    Backend backend = Backend::Sqlite;
    QString path; //!< SQLite: file path or ":memory:"
    QString host;
    int port = 5432;
    QString user;
    QString password;
    QString database;
    QString schema; //!< PostgreSQL only; empty: the server's default search_path

    static Result<DatabaseUrl> parse(const QString &url);

    //! The URL without the password, for logs and messages.
    QString redacted() const;
};

} // namespace threadline
