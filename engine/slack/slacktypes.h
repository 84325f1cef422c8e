#pragma once

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

namespace threadline::slack {

//! Who we are in the workspace, from auth.test. Used to recognise our own echoes.
struct SlackIdentity
{
    QString userId; //!< the bot user (U…/W…)
    QString botId;  //!< B…
    QString appId;  //!< A…
    QString teamId; //!< T…
    QString team;
    QString url;
    QString enterpriseId;

    bool isValid() const { return !userId.isEmpty() && !teamId.isEmpty(); }
};

//! A person (or bot) from users.info / users.list / users.lookupByEmail.
struct SlackUser
{
    QString id;
    QString teamId;
    QString name;
    QString realName;
    QString displayName;
    QString email; //!< needs users:read.email; empty otherwise
    QString timeZone;
    bool isBot = false;
    bool deleted = false;

    //! What to show for the person: display name, then real name, then handle, then id.
    QString bestName() const;
    static SlackUser fromJson(const QJsonObject &object);
};

//! A file object (the fields Threadline uses). Stubs (file_access = check_file_info) need files.info.
struct SlackFile
{
    QString id;
    QString name;
    QString title;
    QString mimeType;
    QString fileType;
    QString user;
    QString mode;
    QString fileAccess;
    QString urlPrivate;
    QString urlPrivateDownload;
    qint64 size = -1;
    //! Channel → ts of each message that shares the file (`shares.public` and `shares.private`).
    QHash<QString, QStringList> shares;

    bool isStub() const { return fileAccess == QLatin1String("check_file_info") || urlPrivate.isEmpty(); }
    static SlackFile fromJson(const QJsonObject &object);
    static QList<SlackFile> listFromJson(const QJsonArray &array);
};

//! A message as returned by the Web API (postMessage, replies, history). `ts` is kept verbatim.
struct SlackMessage
{
    QString ts;
    QString threadTs;
    QString user;
    QString botId;
    QString appId;
    QString subtype;
    QString text;
    QString parentUserId;
    int replyCount = 0;
    QJsonObject metadata; //!< {"event_type":…, "event_payload":{…}} when present
    QJsonArray blocks;
    QList<SlackFile> files;

    static SlackMessage fromJson(const QJsonObject &object);
    static QList<SlackMessage> listFromJson(const QJsonArray &array);
};

//! Reads a Slack string field; numbers (as some fixtures send) are converted without loss of digits.
QString jsonString(const QJsonObject &object, const QString &key);

} // namespace threadline::slack

Q_DECLARE_METATYPE(threadline::slack::SlackIdentity)
