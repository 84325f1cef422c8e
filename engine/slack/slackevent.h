#pragma once

#include "core/result.h"
#include "slack/slacktypes.h"

#include <QByteArray>
#include <QJsonObject>
#include <QMetaType>

namespace threadline::slack {

/*!
 * One inbound Slack event, reduced to what the sync engine acts on. Produced by the pure
 * function SlackEvent::parse() from an event_callback payload (Socket Mode envelope payload or
 * HTTP Events body). Text is kept as Slack sent it (escaped mrkdwn): decode with mrkdwn::decode().
 */
struct SlackEvent
{
    enum class Kind
    {
        UserMessage,      //!< a person wrote a message (top level or a thread reply)
        MessageEdited,    //!< message_changed with a real text change by a person
        MessageDeleted,   //!< message_deleted (ts = deleted_ts)
        ParentTombstoned, //!< a parent with replies was deleted (tombstone message_changed): treat as delete
        FileShare,        //!< a person shared files (subtype file_share or a message with files)
        OwnEcho,          //!< our own post/edit/delete/file share coming back: never import
        UserChanged,      //!< user_change: a member's profile or data changed (see profile)
        UnfurlOnly,       //!< message_changed where only attachments/unfurls changed: not an edit
        Ignored,          //!< any other event or subtype (see ignoredReason)
    };

    Kind kind = Kind::Ignored;
    QString eventId; //!< payload.event_id: stable across retries
    QString teamId;
    qint64 eventTime = 0;
    QString eventType; //!< event.type ("message", …)
    QString subtype;   //!< event.subtype
    QString channel;
    QString channelType; //!< "im" for DMs
    QString ts;          //!< the message concerned: its ts, message.ts (edits) or deleted_ts (deletes)
    QString threadTs;    //!< its thread parent; empty for top-level messages
    QString eventTs;     //!< the event's own ts (differs from ts for edits and deletes)
    QString editTs;      //!< for MessageEdited: message.edited.ts (or the event ts)
    QString user;        //!< author of the message concerned
    QString text;        //!< Slack text (new text for edits)
    QString previousText;
    QString clientMsgId;
    QList<SlackFile> files;
    QString ignoredReason;
    //! For UserChanged: the member as Slack sent it (id in \c user as well). profile.deleted is
    //! true for a deactivated member.
    SlackUser profile;
    qint64 profileUpdated = 0; //!< user.updated (seconds), 0 when absent

    bool isThreadReply() const { return !threadTs.isEmpty() && threadTs != ts; }

    /*!
     * Dedupe key beside event_id (Slack sometimes redelivers with a new event_id): channel, ts and
     * kind; edits add their edit ts, so two different edits of one message stay distinct.
     */
    QString dedupeKey() const;

    static QString kindName(Kind kind);

    //! Parses an event_callback payload. Invalid JSON or missing required fields give an Error
    //! (ErrorCode::Invalid, field set), never a crash. Other payload types give Kind::Ignored.
    static Result<SlackEvent> parse(const QJsonObject &payload, const SlackIdentity &self);
    static Result<SlackEvent> parse(const QByteArray &json, const SlackIdentity &self);
};

} // namespace threadline::slack

Q_DECLARE_METATYPE(threadline::slack::SlackEvent)
