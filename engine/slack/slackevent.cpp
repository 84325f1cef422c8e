#include "slack/slackevent.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace threadline::slack {

namespace {

using Kind = SlackEvent::Kind;

Error invalid(const QString &message, const QString &field)
{
    return makeError(ErrorCode::Invalid, message, field, QStringLiteral("invalid_event"));
}

//! A string field that must be a string when present; \a required makes absence an error.
Result<QString> stringField(const QJsonObject &object, const QString &key, const QString &path, bool required)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull()) {
        if (required)
            return invalid(QStringLiteral("The Slack event has no %1").arg(path), path);
        return QString();
    }
    if (!value.isString())
        return invalid(QStringLiteral("The Slack event field %1 is not a string").arg(path), path);
    const QString s = value.toString();
    if (required && s.isEmpty())
        return invalid(QStringLiteral("The Slack event field %1 is empty").arg(path), path);
    return s;
}

bool isOwn(const QJsonObject &m, const SlackIdentity &self)
{
    if (m.isEmpty())
        return false;
    const QString botId = m.value(QStringLiteral("bot_id")).toString();
    const QString user = m.value(QStringLiteral("user")).toString();
    QString appId = m.value(QStringLiteral("app_id")).toString();
    if (appId.isEmpty())
        appId = m.value(QStringLiteral("bot_profile")).toObject().value(QStringLiteral("app_id")).toString();
    return (!self.botId.isEmpty() && botId == self.botId) ||
           (!self.userId.isEmpty() && user == self.userId) || (!self.appId.isEmpty() && appId == self.appId);
}

bool isOtherBot(const QJsonObject &m)
{
    return !m.value(QStringLiteral("bot_id")).toString().isEmpty() ||
           m.value(QStringLiteral("subtype")).toString() == QLatin1String("bot_message");
}

#define TL_TRY_ASSIGN(target, expr)                                                                          \
    do {                                                                                                     \
        auto _r = (expr);                                                                                    \
        if (!_r.ok())                                                                                        \
            return _r.error();                                                                               \
        target = _r.value();                                                                                 \
    } while (false)

Result<SlackEvent> parseMessage(SlackEvent ev, const QJsonObject &e, const SlackIdentity &self)
{
    TL_TRY_ASSIGN(ev.channel,
                  stringField(e, QStringLiteral("channel"), QStringLiteral("event.channel"), true));
    TL_TRY_ASSIGN(ev.channelType, stringField(e, QStringLiteral("channel_type"),
                                              QStringLiteral("event.channel_type"), false));
    TL_TRY_ASSIGN(ev.eventTs,
                  stringField(e, QStringLiteral("event_ts"), QStringLiteral("event.event_ts"), false));
    const QString &subtype = ev.subtype;

    if (subtype.isEmpty() || subtype == QLatin1String("thread_broadcast") ||
        subtype == QLatin1String("file_share") || subtype == QLatin1String("bot_message")) {
        if (subtype.isEmpty() && e.value(QStringLiteral("message")).isObject() &&
            !e.contains(QStringLiteral("user"))) {
            ev.kind = Kind::Ignored; // message_replied delivered without its subtype
            ev.ignoredReason = QStringLiteral("message_replied");
            return ev;
        }
        TL_TRY_ASSIGN(ev.ts, stringField(e, QStringLiteral("ts"), QStringLiteral("event.ts"), true));
        TL_TRY_ASSIGN(ev.threadTs,
                      stringField(e, QStringLiteral("thread_ts"), QStringLiteral("event.thread_ts"), false));
        TL_TRY_ASSIGN(ev.user, stringField(e, QStringLiteral("user"), QStringLiteral("event.user"), false));
        TL_TRY_ASSIGN(ev.text, stringField(e, QStringLiteral("text"), QStringLiteral("event.text"), false));
        TL_TRY_ASSIGN(ev.clientMsgId, stringField(e, QStringLiteral("client_msg_id"),
                                                  QStringLiteral("event.client_msg_id"), false));
        if (e.contains(QStringLiteral("files")) && !e.value(QStringLiteral("files")).isArray())
            return invalid(QStringLiteral("The Slack event field event.files is not an array"),
                           QStringLiteral("event.files"));
        ev.files = SlackFile::listFromJson(e.value(QStringLiteral("files")).toArray());
        if (ev.eventTs.isEmpty())
            ev.eventTs = ev.ts;
        if (isOwn(e, self)) {
            ev.kind = Kind::OwnEcho;
            return ev;
        }
        if (isOtherBot(e)) {
            ev.kind = Kind::Ignored;
            ev.ignoredReason = QStringLiteral("bot_message");
            return ev;
        }
        if (ev.user.isEmpty())
            return invalid(QStringLiteral("The Slack message has no author"), QStringLiteral("event.user"));
        ev.kind = (subtype == QLatin1String("file_share") || !ev.files.isEmpty()) ? Kind::FileShare
                                                                                  : Kind::UserMessage;
        return ev;
    }

    if (subtype == QLatin1String("message_changed")) {
        if (!e.value(QStringLiteral("message")).isObject())
            return invalid(QStringLiteral("The edit event has no message"), QStringLiteral("event.message"));
        const QJsonObject m = e.value(QStringLiteral("message")).toObject();
        const QJsonObject prev = e.value(QStringLiteral("previous_message")).toObject();
        TL_TRY_ASSIGN(ev.ts, stringField(m, QStringLiteral("ts"), QStringLiteral("event.message.ts"), true));
        TL_TRY_ASSIGN(ev.threadTs, stringField(m, QStringLiteral("thread_ts"),
                                               QStringLiteral("event.message.thread_ts"), false));
        TL_TRY_ASSIGN(ev.user,
                      stringField(m, QStringLiteral("user"), QStringLiteral("event.message.user"), false));
        TL_TRY_ASSIGN(ev.text,
                      stringField(m, QStringLiteral("text"), QStringLiteral("event.message.text"), false));
        TL_TRY_ASSIGN(ev.previousText, stringField(prev, QStringLiteral("text"),
                                                   QStringLiteral("event.previous_message.text"), false));
        TL_TRY_ASSIGN(ev.clientMsgId, stringField(m, QStringLiteral("client_msg_id"),
                                                  QStringLiteral("event.message.client_msg_id"), false));
        ev.files = SlackFile::listFromJson(m.value(QStringLiteral("files")).toArray());
        if (isOwn(m, self) || isOwn(prev, self)) {
            ev.kind = Kind::OwnEcho;
            return ev;
        }
        if (m.value(QStringLiteral("subtype")).toString() == QLatin1String("tombstone")) {
            ev.kind = Kind::ParentTombstoned;
            ev.user = prev.value(QStringLiteral("user")).toString();
            return ev;
        }
        if (isOtherBot(m)) {
            ev.kind = Kind::Ignored;
            ev.ignoredReason = QStringLiteral("bot_message");
            return ev;
        }
        const QJsonObject edited = m.value(QStringLiteral("edited")).toObject();
        const bool textChanged =
            prev.contains(QStringLiteral("text")) ? ev.previousText != ev.text : !edited.isEmpty();
        if (!textChanged) {
            ev.kind = Kind::UnfurlOnly;
            return ev;
        }
        if (ev.user.isEmpty())
            return invalid(QStringLiteral("The edited message has no author"),
                           QStringLiteral("event.message.user"));
        ev.editTs = edited.value(QStringLiteral("ts")).toString();
        if (ev.editTs.isEmpty())
            ev.editTs = ev.eventTs;
        ev.kind = Kind::MessageEdited;
        return ev;
    }

    if (subtype == QLatin1String("message_deleted")) {
        const QJsonObject prev = e.value(QStringLiteral("previous_message")).toObject();
        TL_TRY_ASSIGN(ev.ts,
                      stringField(e, QStringLiteral("deleted_ts"), QStringLiteral("event.deleted_ts"), true));
        ev.threadTs = prev.value(QStringLiteral("thread_ts")).toString();
        ev.user = prev.value(QStringLiteral("user")).toString();
        ev.previousText = prev.value(QStringLiteral("text")).toString();
        ev.kind = isOwn(prev, self) ? Kind::OwnEcho : Kind::MessageDeleted;
        return ev;
    }

    ev.kind = Kind::Ignored;
    ev.ignoredReason = QStringLiteral("subtype:") + subtype;
    TL_TRY_ASSIGN(ev.ts, stringField(e, QStringLiteral("ts"), QStringLiteral("event.ts"), false));
    return ev;
}

//! Longest profile text accepted from a user_change: Slack's own limits are far lower (display
//! names 80, real names a few hundred characters); anything longer did not come from Slack.
constexpr qsizetype MaxProfileText = 1000;

Result<QString> profileText(const QJsonObject &object, const QString &key, const QString &path)
{
    auto r = stringField(object, key, path, false);
    if (r.ok() && r.value().size() > MaxProfileText)
        return invalid(QStringLiteral("The Slack event field %1 is too long (%2 characters, at most %3)")
                           .arg(path)
                           .arg(r.value().size())
                           .arg(MaxProfileText),
                       path);
    return r;
}

Result<bool> boolField(const QJsonObject &object, const QString &key, const QString &path)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return false;
    if (!value.isBool())
        return invalid(QStringLiteral("The Slack event field %1 is not a boolean").arg(path), path);
    return value.toBool();
}

//! user_change: {"type":"user_change","user":{id, name, real_name, deleted, profile{display_name,
//! real_name, email, …}, updated, …},"cache_ts":…,"event_ts":"…"}. Unknown fields are ignored;
//! fields Threadline reads must have their documented types.
Result<SlackEvent> parseUserChange(SlackEvent ev, const QJsonObject &e)
{
    TL_TRY_ASSIGN(ev.eventTs,
                  stringField(e, QStringLiteral("event_ts"), QStringLiteral("event.event_ts"), false));
    static const QRegularExpression tsPattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[0-9]{1,12}(\\.[0-9]{1,9})?")));
    if (!ev.eventTs.isEmpty() && !tsPattern.match(ev.eventTs).hasMatch())
        return invalid(QStringLiteral("The Slack event field event.event_ts is not a Slack timestamp"),
                       QStringLiteral("event.event_ts"));
    const QJsonValue userValue = e.value(QStringLiteral("user"));
    if (userValue.isUndefined() || userValue.isNull())
        return invalid(QStringLiteral("The user_change event has no user"), QStringLiteral("event.user"));
    if (!userValue.isObject())
        return invalid(QStringLiteral("The Slack event field event.user is not an object"),
                       QStringLiteral("event.user"));
    const QJsonObject u = userValue.toObject();
    SlackUser &p = ev.profile;
    TL_TRY_ASSIGN(p.id, stringField(u, QStringLiteral("id"), QStringLiteral("event.user.id"), true));
    static const QRegularExpression idPattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[UW][A-Z0-9]{2,20}")));
    if (!idPattern.match(p.id).hasMatch())
        return invalid(QStringLiteral("The Slack event field event.user.id is not a Slack user id"),
                       QStringLiteral("event.user.id"));
    TL_TRY_ASSIGN(p.teamId, profileText(u, QStringLiteral("team_id"), QStringLiteral("event.user.team_id")));
    TL_TRY_ASSIGN(p.name, profileText(u, QStringLiteral("name"), QStringLiteral("event.user.name")));
    TL_TRY_ASSIGN(p.realName,
                  profileText(u, QStringLiteral("real_name"), QStringLiteral("event.user.real_name")));
    TL_TRY_ASSIGN(p.deleted, boolField(u, QStringLiteral("deleted"), QStringLiteral("event.user.deleted")));
    TL_TRY_ASSIGN(p.isBot, boolField(u, QStringLiteral("is_bot"), QStringLiteral("event.user.is_bot")));
    const QJsonValue profileValue = u.value(QStringLiteral("profile"));
    if (!profileValue.isUndefined() && !profileValue.isNull() && !profileValue.isObject())
        return invalid(QStringLiteral("The Slack event field event.user.profile is not an object"),
                       QStringLiteral("event.user.profile"));
    const QJsonObject profile = profileValue.toObject();
    TL_TRY_ASSIGN(p.displayName, profileText(profile, QStringLiteral("display_name"),
                                             QStringLiteral("event.user.profile.display_name")));
    QString profileRealName;
    TL_TRY_ASSIGN(profileRealName, profileText(profile, QStringLiteral("real_name"),
                                               QStringLiteral("event.user.profile.real_name")));
    if (p.realName.isEmpty())
        p.realName = profileRealName;
    TL_TRY_ASSIGN(p.email,
                  profileText(profile, QStringLiteral("email"), QStringLiteral("event.user.profile.email")));
    const QJsonValue updated = u.value(QStringLiteral("updated"));
    if (!updated.isUndefined() && !updated.isNull() && !updated.isDouble())
        return invalid(QStringLiteral("The Slack event field event.user.updated is not a number"),
                       QStringLiteral("event.user.updated"));
    ev.profileUpdated = updated.toInteger();
    ev.user = p.id;
    ev.kind = Kind::UserChanged;
    return ev;
}

} // namespace

QString SlackEvent::kindName(Kind kind)
{
    switch (kind) {
    case Kind::UserMessage:
        return QStringLiteral("user_message");
    case Kind::MessageEdited:
        return QStringLiteral("message_edited");
    case Kind::MessageDeleted:
        return QStringLiteral("message_deleted");
    case Kind::ParentTombstoned:
        return QStringLiteral("parent_tombstoned");
    case Kind::FileShare:
        return QStringLiteral("file_share");
    case Kind::OwnEcho:
        return QStringLiteral("own_echo");
    case Kind::UnfurlOnly:
        return QStringLiteral("unfurl_only");
    case Kind::UserChanged:
        return QStringLiteral("user_changed");
    case Kind::Ignored:
        return QStringLiteral("ignored");
    }
    return QStringLiteral("ignored");
}

QString SlackEvent::dedupeKey() const
{
    if (kind == Kind::UserChanged)
        return QStringLiteral("user:") + user + QLatin1Char('/') + eventTs + QStringLiteral("/user_changed");
    QString key = channel + QLatin1Char('/') + ts + QLatin1Char('/') + kindName(kind);
    if (kind == Kind::MessageEdited)
        key += QLatin1Char('/') + editTs;
    else if (kind == Kind::Ignored || kind == Kind::OwnEcho || kind == Kind::UnfurlOnly)
        key += QLatin1Char('/') + eventTs;
    return key;
}

Result<SlackEvent> SlackEvent::parse(const QByteArray &json, const SlackIdentity &self)
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return makeError(ErrorCode::Invalid, QStringLiteral("The Slack event is not valid JSON"), {},
                         error.errorString());
    if (!document.isObject())
        return invalid(QStringLiteral("The Slack event is not a JSON object"), {});
    return parse(document.object(), self);
}

Result<SlackEvent> SlackEvent::parse(const QJsonObject &payload, const SlackIdentity &self)
{
    SlackEvent ev;
    QString type;
    TL_TRY_ASSIGN(type, stringField(payload, QStringLiteral("type"), QStringLiteral("type"), true));
    TL_TRY_ASSIGN(ev.teamId,
                  stringField(payload, QStringLiteral("team_id"), QStringLiteral("team_id"), false));
    if (type != QLatin1String("event_callback")) {
        ev.kind = Kind::Ignored;
        ev.eventType = type;
        ev.ignoredReason = QStringLiteral("payload:") + type;
        return ev;
    }
    TL_TRY_ASSIGN(ev.eventId,
                  stringField(payload, QStringLiteral("event_id"), QStringLiteral("event_id"), true));
    ev.eventTime = payload.value(QStringLiteral("event_time")).toInteger();
    if (!payload.value(QStringLiteral("event")).isObject())
        return invalid(QStringLiteral("The Slack payload has no event"), QStringLiteral("event"));
    const QJsonObject e = payload.value(QStringLiteral("event")).toObject();
    TL_TRY_ASSIGN(ev.eventType, stringField(e, QStringLiteral("type"), QStringLiteral("event.type"), true));
    TL_TRY_ASSIGN(ev.subtype,
                  stringField(e, QStringLiteral("subtype"), QStringLiteral("event.subtype"), false));
    if (ev.eventType == QLatin1String("user_change"))
        return parseUserChange(std::move(ev), e);
    if (ev.eventType != QLatin1String("message")) {
        ev.kind = Kind::Ignored;
        ev.ignoredReason = QStringLiteral("event:") + ev.eventType;
        ev.eventTs = e.value(QStringLiteral("event_ts")).toString();
        ev.channel = e.value(QStringLiteral("channel")).toString();
        return ev;
    }
    return parseMessage(std::move(ev), e, self);
}

} // namespace threadline::slack
