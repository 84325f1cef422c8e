#pragma once

#include "core/result.h"

#include <QHostAddress>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace threadline {

//! A `host:port` listening address ("127.0.0.1:8470", "[::1]:8470", "localhost:0").
struct ListenAddress
{
    QHostAddress host;
    quint16 port = 0;

    bool isNull() const { return host.isNull(); }
    QString toString() const;
    //! The http:// URL (path "/") by which a client on this machine reaches a server listening
    //! here: 127.0.0.1 when the host is an any-address or null.
    QUrl localUrl() const;
    static Result<ListenAddress> parse(const QString &text, const QString &field);
};

//! The configuration contract shared by the server and the console (architecture brief, section 5).
//!
//! Read from an INI file whose keys are the variable names without the `THREADLINE_` prefix, in
//! lower case, in the `[threadline]` group (`database=…`, `slack_bot_token=…`), then overridden by
//! the `THREADLINE_*` environment variables. Secrets are kept out of describe() and every error.
struct Configuration
{
    QString database; //!< sqlite:/path/file.db or postgresql://user:pass@host:port/db
    QString dataDir;  //!< attachments and the default SQLite database
    QUrl slackApiUrl = QUrl(QStringLiteral("https://slack.com/api/"));
    QString slackBotToken;      //!< xoxb-… (secret)
    QString slackAppToken;      //!< xapp-… (secret; Socket Mode)
    QString slackSigningSecret; //!< HTTP Events signing secret (secret)
    ListenAddress eventsListen; //!< HTTP Events receiver; off when null
    ListenAddress apiListen;    //!< REST API; 127.0.0.1:8470 by default
    QString adminToken;         //!< bootstrap admin bearer token (secret)
    QString logRules;           //!< QLoggingCategory filter rules, `;`-separated
    // Files pipeline (docs/files.md, "Configuration").
    qint64 filesMaxBytes = 100LL * 1024 * 1024; //!< THREADLINE_FILES_MAX_BYTES (`100M`, `2G`, bytes)
    QStringList filesAllowedTypes; //!< THREADLINE_FILES_ALLOWED_TYPES: `image/*,application/pdf`; empty = all
    QStringList filesDownloadHosts; //!< THREADLINE_FILES_DOWNLOAD_HOSTS; empty = files.slack.com
    int syncRetentionDays = 7;      //!< finished sync jobs kept this many days (0: kept for ever)
    int syncMaxAttempts = 8;        //!< THREADLINE_SYNC_MAX_ATTEMPTS: tries before a Slack job fails
    //! THREADLINE_INSTANCE_ID: this engine's name in leases and the shared rate budget. Empty: the
    //! host name and a hash of the database (stable across restarts). Processes sharing one
    //! database on one machine must each set a different one.
    QString instanceId;

    //! Every key of the contract with the environment variable that overrides it.
    static QStringList variableNames();

    //! Loads `iniPath` (may be empty: environment and defaults only) and applies `env` on top.
    //! `defaultDataDir` is used when neither gives THREADLINE_DATA_DIR.
    static Result<Configuration> load(const QString &iniPath, const QProcessEnvironment &env,
                                      const QString &defaultDataDir);

    //! Problems that make this configuration unusable for a server, one sentence each.
    QStringList problems() const;

    //! A human-readable description with every secret masked ("set" / "not set").
    QString describe() const;

    //! The database URL with any password masked, for logs and messages.
    static QString redactedDatabaseUrl(const QString &url);
};

} // namespace threadline
