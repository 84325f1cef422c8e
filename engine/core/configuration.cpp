#include "core/configuration.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>

namespace threadline {

namespace {

const QString kPrefix = QStringLiteral("THREADLINE_");

QString iniKeyFor(const QString &variable)
{
    return QStringLiteral("threadline/") + variable.mid(kPrefix.size()).toLower();
}

QString secretState(const QString &secret)
{
    return secret.isEmpty() ? QStringLiteral("not set") : QStringLiteral("set");
}

} // namespace

QString ListenAddress::toString() const
{
    if (host.isNull())
        return QStringLiteral("off");
    const QString h = host.protocol() == QAbstractSocket::IPv6Protocol
                          ? QLatin1Char('[') + host.toString() + QLatin1Char(']')
                          : host.toString();
    return h + QLatin1Char(':') + QString::number(port);
}

QUrl ListenAddress::localUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    const bool any = host == QHostAddress::Any || host == QHostAddress::AnyIPv4 ||
                     host == QHostAddress::AnyIPv6 || host.isNull();
    url.setHost(any ? QStringLiteral("127.0.0.1") : host.toString());
    url.setPort(port);
    url.setPath(QStringLiteral("/"));
    return url;
}

Result<ListenAddress> ListenAddress::parse(const QString &text, const QString &field)
{
    const QString t = text.trimmed();
    const int colon = t.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0 || colon == t.size() - 1)
        return makeError(ErrorCode::Invalid, QStringLiteral("expected host:port, e.g. 127.0.0.1:8470"),
                         field);
    QString host = t.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const uint port = t.mid(colon + 1).toUInt(&ok);
    if (!ok || port > 65535)
        return makeError(ErrorCode::Invalid, QStringLiteral("the port must be a number from 0 to 65535"),
                         field);
    ListenAddress a;
    if (host == QLatin1String("localhost"))
        a.host = QHostAddress(QHostAddress::LocalHost);
    else if (!a.host.setAddress(host))
        return makeError(ErrorCode::Invalid, QStringLiteral("the host must be an IP address or localhost"),
                         field);
    a.port = quint16(port);
    return a;
}

QStringList Configuration::variableNames()
{
    return {QStringLiteral("THREADLINE_DATABASE"),
            QStringLiteral("THREADLINE_DATA_DIR"),
            QStringLiteral("THREADLINE_SLACK_API_URL"),
            QStringLiteral("THREADLINE_SLACK_BOT_TOKEN"),
            QStringLiteral("THREADLINE_SLACK_APP_TOKEN"),
            QStringLiteral("THREADLINE_SLACK_SIGNING_SECRET"),
            QStringLiteral("THREADLINE_EVENTS_LISTEN"),
            QStringLiteral("THREADLINE_API_LISTEN"),
            QStringLiteral("THREADLINE_ADMIN_TOKEN"),
            QStringLiteral("THREADLINE_LOG_RULES"),
            QStringLiteral("THREADLINE_FILES_MAX_BYTES"),
            QStringLiteral("THREADLINE_FILES_ALLOWED_TYPES"),
            QStringLiteral("THREADLINE_FILES_DOWNLOAD_HOSTS"),
            QStringLiteral("THREADLINE_SYNC_RETENTION_DAYS"),
            QStringLiteral("THREADLINE_SYNC_MAX_ATTEMPTS"),
            QStringLiteral("THREADLINE_INSTANCE_ID")};
}

Result<Configuration> Configuration::load(const QString &iniPath, const QProcessEnvironment &env,
                                          const QString &defaultDataDir)
{
    QHash<QString, QString> values;
    if (!iniPath.isEmpty()) {
        const QFileInfo info(iniPath);
        if (!info.exists() || !info.isFile())
            return makeError(ErrorCode::NotFound,
                             QStringLiteral("configuration file %1 does not exist").arg(iniPath),
                             QStringLiteral("config"));
        if (!info.isReadable())
            return makeError(ErrorCode::Forbidden,
                             QStringLiteral("configuration file %1 is not readable").arg(iniPath),
                             QStringLiteral("config"));
        QSettings ini(iniPath, QSettings::IniFormat);
        if (ini.status() != QSettings::NoError)
            return makeError(ErrorCode::Invalid,
                             QStringLiteral("configuration file %1 is not a valid INI file").arg(iniPath),
                             QStringLiteral("config"));
        const QStringList known = variableNames();
        for (const QString &key : ini.allKeys()) {
            bool recognised = false;
            for (const QString &variable : known) {
                if (iniKeyFor(variable).compare(key, Qt::CaseInsensitive) == 0) {
                    values.insert(variable, ini.value(key).toString());
                    recognised = true;
                }
            }
            if (!recognised)
                return makeError(
                    ErrorCode::Invalid,
                    QStringLiteral("unknown key \"%1\" in %2; known keys are %3")
                        .arg(key, iniPath,
                             QStringLiteral("database, data_dir, slack_api_url, slack_bot_token, "
                                            "slack_app_token, slack_signing_secret, events_listen, "
                                            "api_listen, admin_token, log_rules, files_max_bytes, "
                                            "files_allowed_types, files_download_hosts, sync_retention_days, "
                                            "sync_max_attempts, instance_id (group "
                                            "[threadline])")),
                    key);
        }
    }
    for (const QString &variable : variableNames()) {
        if (env.contains(variable))
            values.insert(variable, env.value(variable));
    }

    Configuration c;
    c.dataDir = values.value(QStringLiteral("THREADLINE_DATA_DIR"), defaultDataDir);
    if (c.dataDir.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("no data directory is configured"),
                         QStringLiteral("THREADLINE_DATA_DIR"));
    c.database = values.value(QStringLiteral("THREADLINE_DATABASE"));
    if (c.database.isEmpty())
        c.database = QStringLiteral("sqlite:") + QDir(c.dataDir).filePath(QStringLiteral("threadline.db"));
    if (!c.database.startsWith(QLatin1String("sqlite:")) &&
        !c.database.startsWith(QLatin1String("postgresql://")) &&
        !c.database.startsWith(QLatin1String("postgres://")))
        return makeError(
            ErrorCode::Invalid,
            QStringLiteral("the database must be sqlite:/path/file.db or postgresql://user@host:port/db"),
            QStringLiteral("THREADLINE_DATABASE"));

    const QString api = values.value(QStringLiteral("THREADLINE_SLACK_API_URL"));
    if (!api.isEmpty()) {
        QUrl url(api, QUrl::StrictMode);
        if (!url.isValid() ||
            (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")) ||
            url.host().isEmpty())
            return makeError(ErrorCode::Invalid, QStringLiteral("the Slack API URL must be an http(s) URL"),
                             QStringLiteral("THREADLINE_SLACK_API_URL"));
        if (!url.path().endsWith(QLatin1Char('/')))
            url.setPath(url.path() + QLatin1Char('/'));
        c.slackApiUrl = url;
    }

    c.slackBotToken = values.value(QStringLiteral("THREADLINE_SLACK_BOT_TOKEN")).trimmed();
    c.slackAppToken = values.value(QStringLiteral("THREADLINE_SLACK_APP_TOKEN")).trimmed();
    c.slackSigningSecret = values.value(QStringLiteral("THREADLINE_SLACK_SIGNING_SECRET")).trimmed();
    c.adminToken = values.value(QStringLiteral("THREADLINE_ADMIN_TOKEN")).trimmed();
    c.logRules = values.value(QStringLiteral("THREADLINE_LOG_RULES"));
    if (!c.slackBotToken.isEmpty() && !c.slackBotToken.startsWith(QLatin1String("xoxb-")))
        return makeError(ErrorCode::Invalid, QStringLiteral("the bot token must start with xoxb-"),
                         QStringLiteral("THREADLINE_SLACK_BOT_TOKEN"));
    if (!c.slackAppToken.isEmpty() && !c.slackAppToken.startsWith(QLatin1String("xapp-")))
        return makeError(ErrorCode::Invalid, QStringLiteral("the app-level token must start with xapp-"),
                         QStringLiteral("THREADLINE_SLACK_APP_TOKEN"));
    if (!c.adminToken.isEmpty() && c.adminToken.size() < 16)
        return makeError(ErrorCode::Invalid, QStringLiteral("the admin token must be at least 16 characters"),
                         QStringLiteral("THREADLINE_ADMIN_TOKEN"));

    const QString events = values.value(QStringLiteral("THREADLINE_EVENTS_LISTEN"));
    if (!events.isEmpty()) {
        auto parsed = ListenAddress::parse(events, QStringLiteral("THREADLINE_EVENTS_LISTEN"));
        if (!parsed)
            return parsed.error();
        c.eventsListen = *parsed;
    }
    const QString maxBytes = values.value(QStringLiteral("THREADLINE_FILES_MAX_BYTES")).trimmed();
    if (!maxBytes.isEmpty()) {
        static const QRegularExpression size(QStringLiteral("^(\\d{1,12})\\s*([kmg]?)i?b?$"),
                                             QRegularExpression::CaseInsensitiveOption);
        const auto m = size.match(maxBytes);
        if (!m.hasMatch() || m.captured(1).toLongLong() == 0)
            return makeError(ErrorCode::Invalid,
                             QStringLiteral("the file size limit must be a positive number of bytes, "
                                            "optionally with K, M or G"),
                             QStringLiteral("THREADLINE_FILES_MAX_BYTES"));
        const QString unit = m.captured(2).toLower();
        const int shift = unit == QLatin1String("k")   ? 10
                          : unit == QLatin1String("m") ? 20
                          : unit == QLatin1String("g") ? 30
                                                       : 0;
        c.filesMaxBytes = m.captured(1).toLongLong() << shift;
    }
    auto listOf = [&](const char *variable) {
        QStringList out;
        const QStringList parts =
            values.value(QLatin1String(variable))
                .split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
        for (const QString &part : parts)
            out << part.trimmed();
        return out;
    };
    c.filesAllowedTypes = listOf("THREADLINE_FILES_ALLOWED_TYPES");
    c.filesDownloadHosts = listOf("THREADLINE_FILES_DOWNLOAD_HOSTS");
    auto apiListen = ListenAddress::parse(
        values.value(QStringLiteral("THREADLINE_API_LISTEN"), QStringLiteral("127.0.0.1:8470")),
        QStringLiteral("THREADLINE_API_LISTEN"));
    if (!apiListen)
        return apiListen.error();
    c.apiListen = *apiListen;
    const QString retention = values.value(QStringLiteral("THREADLINE_SYNC_RETENTION_DAYS")).trimmed();
    if (!retention.isEmpty()) {
        bool ok = false;
        const int days = retention.toInt(&ok);
        if (!ok || days < 0 || days > 36500)
            return makeError(ErrorCode::Invalid,
                             QStringLiteral("the sync retention must be a whole number of days from 0 "
                                            "(keep finished jobs) to 36500"),
                             QStringLiteral("THREADLINE_SYNC_RETENTION_DAYS"));
        c.syncRetentionDays = days;
    }
    const QString attempts = values.value(QStringLiteral("THREADLINE_SYNC_MAX_ATTEMPTS")).trimmed();
    if (!attempts.isEmpty()) {
        bool ok = false;
        const int n = attempts.toInt(&ok);
        if (!ok || n < 1 || n > 100)
            return makeError(
                ErrorCode::Invalid,
                QStringLiteral("the sync attempts must be a whole number from 1 (no retry) to 100"),
                QStringLiteral("THREADLINE_SYNC_MAX_ATTEMPTS"));
        c.syncMaxAttempts = n;
    }
    const QString instance = values.value(QStringLiteral("THREADLINE_INSTANCE_ID")).trimmed();
    if (!instance.isEmpty()) {
        static const QRegularExpression allowed(QStringLiteral("^[A-Za-z0-9._:/@-]{1,128}$"));
        if (!allowed.match(instance).hasMatch())
            return makeError(
                ErrorCode::Invalid,
                QStringLiteral("the instance id must be 1 to 128 letters, digits or . _ : / @ -"),
                QStringLiteral("THREADLINE_INSTANCE_ID"));
        c.instanceId = instance;
    }
    return c;
}

QStringList Configuration::problems() const
{
    QStringList p;
    if (slackBotToken.isEmpty())
        p << QStringLiteral("THREADLINE_SLACK_BOT_TOKEN is not set: Threadline cannot post to Slack.");
    if (slackAppToken.isEmpty() && eventsListen.isNull())
        p << QStringLiteral(
            "Neither THREADLINE_SLACK_APP_TOKEN (Socket Mode) nor THREADLINE_EVENTS_LISTEN (HTTP "
            "Events) is set: Threadline would never hear replies from Slack.");
    if (!eventsListen.isNull() && slackSigningSecret.isEmpty())
        p << QStringLiteral("THREADLINE_EVENTS_LISTEN is set but THREADLINE_SLACK_SIGNING_SECRET is not: "
                            "incoming HTTP events cannot be verified.");
    if (adminToken.isEmpty())
        p << QStringLiteral("THREADLINE_ADMIN_TOKEN is not set: nobody can administer the REST API.");
    return p;
}

QString Configuration::describe() const
{
    QStringList lines;
    lines << QStringLiteral("database: %1").arg(redactedDatabaseUrl(database))
          << QStringLiteral("data directory: %1").arg(dataDir)
          << QStringLiteral("Slack API URL: %1").arg(slackApiUrl.toString())
          << QStringLiteral("Slack bot token: %1").arg(secretState(slackBotToken))
          << QStringLiteral("Slack app-level token: %1").arg(secretState(slackAppToken))
          << QStringLiteral("Slack signing secret: %1").arg(secretState(slackSigningSecret))
          << QStringLiteral("HTTP Events receiver: %1").arg(eventsListen.toString())
          << QStringLiteral("REST API: %1").arg(apiListen.toString())
          << QStringLiteral("admin token: %1").arg(secretState(adminToken))
          << QStringLiteral("finished sync jobs kept: %1")
                 .arg(syncRetentionDays > 0 ? QStringLiteral("%1 days").arg(syncRetentionDays)
                                            : QStringLiteral("for ever"))
          << QStringLiteral("attempts per Slack job: %1").arg(syncMaxAttempts)
          << QStringLiteral("instance id: %1")
                 .arg(instanceId.isEmpty() ? QStringLiteral("(host name and database)") : instanceId);
    return lines.join(QLatin1Char('\n'));
}

QString Configuration::redactedDatabaseUrl(const QString &url)
{
    if (!url.startsWith(QLatin1String("postgres")))
        return url;
    QUrl u(url);
    if (!u.isValid())
        return QStringLiteral("postgresql://(unparsable URL)");
    if (!u.password().isEmpty())
        u.setPassword(QStringLiteral("***"));
    return u.toString();
}

} // namespace threadline
