#include "slack/slackevent.h"

#include <QJsonArray>
#include <QJsonDocument>

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
    case Kind::Ignored:
        return QStringLiteral("ignored");
    }
    return QStringLiteral("ignored");
}

QString SlackEvent::dedupeKey() const
{
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
