#include "slack/slacktypes.h"

namespace threadline::slack {

namespace {

// The objects of a JSON array read with T::fromJson; elements that are not objects are skipped.
template<typename T>
QList<T> listFromJsonArray(const QJsonArray &array)
{
    QList<T> items;
    items.reserve(array.size());
    for (const QJsonValue &value : array) {
        if (value.isObject())
            items.append(T::fromJson(value.toObject()));
    }
    return items;
}

} // namespace

QString jsonString(const QJsonObject &object, const QString &key)
{
    const QJsonValue value = object.value(key);
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toInteger());
    return {};
}

QString SlackUser::bestName() const
{
    if (!displayName.isEmpty())
        return displayName;
    if (!realName.isEmpty())
        return realName;
    if (!name.isEmpty())
        return name;
    return id;
}

SlackUser SlackUser::fromJson(const QJsonObject &object)
{
    const QJsonObject profile = object.value(QStringLiteral("profile")).toObject();
    SlackUser user;
    user.id = jsonString(object, QStringLiteral("id"));
    user.teamId = jsonString(object, QStringLiteral("team_id"));
    user.name = jsonString(object, QStringLiteral("name"));
    user.realName = jsonString(object, QStringLiteral("real_name"));
    if (user.realName.isEmpty())
        user.realName = jsonString(profile, QStringLiteral("real_name"));
    user.displayName = jsonString(profile, QStringLiteral("display_name"));
    user.email = jsonString(profile, QStringLiteral("email"));
    user.timeZone = jsonString(object, QStringLiteral("tz"));
    user.isBot = object.value(QStringLiteral("is_bot")).toBool();
    user.deleted = object.value(QStringLiteral("deleted")).toBool();
    return user;
}

SlackFile SlackFile::fromJson(const QJsonObject &object)
{
    SlackFile file;
    file.id = jsonString(object, QStringLiteral("id"));
    file.name = jsonString(object, QStringLiteral("name"));
    file.title = jsonString(object, QStringLiteral("title"));
    file.mimeType = jsonString(object, QStringLiteral("mimetype"));
    file.fileType = jsonString(object, QStringLiteral("filetype"));
    file.user = jsonString(object, QStringLiteral("user"));
    file.mode = jsonString(object, QStringLiteral("mode"));
    file.fileAccess = jsonString(object, QStringLiteral("file_access"));
    file.urlPrivate = jsonString(object, QStringLiteral("url_private"));
    file.urlPrivateDownload = jsonString(object, QStringLiteral("url_private_download"));
    const QJsonValue size = object.value(QStringLiteral("size"));
    file.size = size.isDouble() ? size.toInteger(-1) : -1;
    const QJsonObject shares = object.value(QStringLiteral("shares")).toObject();
    for (const QString &scope : {QStringLiteral("public"), QStringLiteral("private")}) {
        const QJsonObject byChannel = shares.value(scope).toObject();
        for (auto it = byChannel.constBegin(); it != byChannel.constEnd(); ++it)
            for (const QJsonValue &share : it.value().toArray())
                if (const QString ts = jsonString(share.toObject(), QStringLiteral("ts")); !ts.isEmpty())
                    file.shares[it.key()] << ts;
    }
    return file;
}

QList<SlackFile> SlackFile::listFromJson(const QJsonArray &array)
{
    return listFromJsonArray<SlackFile>(array);
}

SlackMessage SlackMessage::fromJson(const QJsonObject &object)
{
    SlackMessage message;
    message.ts = jsonString(object, QStringLiteral("ts"));
    message.threadTs = jsonString(object, QStringLiteral("thread_ts"));
    message.user = jsonString(object, QStringLiteral("user"));
    message.botId = jsonString(object, QStringLiteral("bot_id"));
    message.appId = jsonString(object, QStringLiteral("app_id"));
    if (message.appId.isEmpty())
        message.appId =
            jsonString(object.value(QStringLiteral("bot_profile")).toObject(), QStringLiteral("app_id"));
    message.subtype = jsonString(object, QStringLiteral("subtype"));
    message.text = jsonString(object, QStringLiteral("text"));
    message.parentUserId = jsonString(object, QStringLiteral("parent_user_id"));
    message.replyCount = object.value(QStringLiteral("reply_count")).toInt();
    message.metadata = object.value(QStringLiteral("metadata")).toObject();
    message.blocks = object.value(QStringLiteral("blocks")).toArray();
    message.files = SlackFile::listFromJson(object.value(QStringLiteral("files")).toArray());
    return message;
}

QList<SlackMessage> SlackMessage::listFromJson(const QJsonArray &array)
{
    return listFromJsonArray<SlackMessage>(array);
}

} // namespace threadline::slack
