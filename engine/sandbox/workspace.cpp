#include "sandbox/workspace.h"

#include "core/logging.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTimer>
#include <QUuid>

namespace threadline::sandbox {

namespace {

QString lit(const char *s)
{
    return QString::fromUtf8(s);
}

QJsonArray richTextBlocks(const QString &text, const QString &blockId)
{
    const QJsonObject textElement{{lit("type"), lit("text")}, {lit("text"), text}};
    const QJsonObject section{{lit("type"), lit("rich_text_section")},
                              {lit("elements"), QJsonArray{textElement}}};
    return QJsonArray{QJsonObject{
        {lit("type"), lit("rich_text")}, {lit("block_id"), blockId}, {lit("elements"), QJsonArray{section}}}};
}

QString fileTypeOf(const QString &name, QString *mimetype)
{
    const QString ext = name.section(QLatin1Char('.'), -1).toLower();
    static const QHash<QString, QString> mimes = {
        {lit("txt"), lit("text/plain")},      {lit("png"), lit("image/png")},
        {lit("jpg"), lit("image/jpeg")},      {lit("jpeg"), lit("image/jpeg")},
        {lit("gif"), lit("image/gif")},       {lit("pdf"), lit("application/pdf")},
        {lit("csv"), lit("text/csv")},        {lit("json"), lit("application/json")},
        {lit("zip"), lit("application/zip")}, {lit("log"), lit("text/plain")},
    };
    if (mimetype && mimetype->isEmpty())
        *mimetype = mimes.value(ext, lit("application/octet-stream"));
    if (ext == QLatin1String("txt") || ext == QLatin1String("log"))
        return lit("text");
    if (!name.contains(QLatin1Char('.')) || !mimes.contains(ext))
        return lit("binary");
    return ext == QLatin1String("jpeg") ? lit("jpg") : ext;
}

// A hidden event about a DM message that changed or went away; the caller adds the message
// (message_changed) or deleted_ts (message_deleted).
QJsonObject hiddenMessageEvent(const QString &subtype, const QString &channel, const QString &eventTs,
                               const QJsonObject &previous)
{
    return QJsonObject{
        {lit("type"), lit("message")}, {lit("subtype"), subtype},          {lit("hidden"), true},
        {lit("channel"), channel},     {lit("channel_type"), lit("im")},   {lit("ts"), eventTs},
        {lit("event_ts"), eventTs},    {lit("previous_message"), previous}};
}

QJsonObject messageChangedEvent(const QString &channel, const QString &eventTs, const QJsonObject &current,
                                const QJsonObject &previous)
{
    QJsonObject event = hiddenMessageEvent(lit("message_changed"), channel, eventTs, previous);
    event.insert(lit("message"), current);
    return event;
}

} // namespace

QJsonObject SandboxFaults::toJson() const
{
    return QJsonObject{{lit("latency_ms"), latencyMs},
                       {lit("server_error_rate"), serverErrorRate},
                       {lit("reset_rate"), resetRate},
                       {lit("drop_socket_rate"), dropSocketRate},
                       {lit("duplicate_rate"), duplicateRate},
                       {lit("delay_rate"), delayRate},
                       {lit("delay_ms"), delayMs},
                       {lit("http_event_status"), httpEventStatus}};
}

void SandboxFaults::apply(const QJsonObject &o)
{
    latencyMs = o.value(lit("latency_ms")).toInt(latencyMs);
    serverErrorRate = o.value(lit("server_error_rate")).toDouble(serverErrorRate);
    resetRate = o.value(lit("reset_rate")).toDouble(resetRate);
    dropSocketRate = o.value(lit("drop_socket_rate")).toDouble(dropSocketRate);
    duplicateRate = o.value(lit("duplicate_rate")).toDouble(duplicateRate);
    delayRate = o.value(lit("delay_rate")).toDouble(delayRate);
    delayMs = o.value(lit("delay_ms")).toInt(delayMs);
    httpEventStatus = o.value(lit("http_event_status")).toInt(httpEventStatus);
}

Workspace::Workspace(SandboxOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_dice(m_options.seed)
{
    m_clock.start();
    m_limiter.setEnabled(m_options.rateLimitsEnabled);
    m_limiter.setTimeScale(m_options.timeScale);
    m_limiter.setPostLimits(m_options.postPerChannelPerSecond, m_options.postChannelBurst,
                            m_options.postWorkspacePerMinute);
    reset();
}

Workspace::~Workspace() = default;

void Workspace::reset()
{
    m_userOrder.clear();
    m_users.clear();
    m_dmByUser.clear();
    m_channels.clear();
    m_files.clear();
    m_uploadTickets.clear();
    m_personaReplies.clear();
    m_calls.clear();
    m_recent.clear();
    m_rateLimited = 0;
    m_acks = 0;
    m_limiter.clear();
    SandboxUser bot;
    bot.id = m_options.botUserId;
    bot.name = m_options.botUserName;
    bot.realName = m_options.appName;
    bot.isBot = true;
    m_users.insert(bot.id, bot);
    SandboxUser slackbot;
    slackbot.id = lit("USLACKBOT");
    slackbot.name = lit("slackbot");
    slackbot.realName = lit("Slackbot");
    m_users.insert(slackbot.id, slackbot);
}

QString Workspace::newTs()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch() * 1000 + (m_clock.nsecsElapsed() / 1000) % 1000;
    m_lastTsMicros = std::max(now, m_lastTsMicros + 1);
    return QString::number(m_lastTsMicros / 1000000) + QLatin1Char('.') +
           QStringLiteral("%1").arg(m_lastTsMicros % 1000000, 6, 10, QLatin1Char('0'));
}

QString Workspace::newId(QChar prefix)
{
    QString id;
    do {
        ++m_idCounter;
        id = prefix +
             QStringLiteral("%1").arg(m_idCounter + 36 * 36 * 36 * 36, 8, 36, QLatin1Char('0')).toUpper();
    } while (m_users.contains(id) || m_channels.contains(id) || m_files.contains(id));
    return id;
}

// --- people ---------------------------------------------------------------------------------------

SandboxUser Workspace::addUser(const QString &name, const QString &email, const QString &realName,
                               const QString &id, const QString &persona)
{
    if (!id.isEmpty() && m_users.contains(id))
        return m_users.value(id);
    SandboxUser u;
    u.id = id.isEmpty() ? newId(QLatin1Char('U')) : id;
    u.name = name.isEmpty() ? u.id.toLower() : name;
    u.realName = realName.isEmpty() ? u.name : realName;
    u.email = email;
    u.persona = persona;
    m_users.insert(u.id, u);
    m_userOrder.append(u.id);
    Q_EMIT userAdded(u.id);
    Q_EMIT changed();
    return u;
}

const SandboxUser *Workspace::user(const QString &id) const
{
    const auto it = m_users.constFind(id);
    return it == m_users.constEnd() ? nullptr : &*it;
}

const SandboxUser *Workspace::userByEmail(const QString &email) const
{
    for (const auto &u : m_users)
        if (!u.email.isEmpty() && u.email.compare(email, Qt::CaseInsensitive) == 0)
            return &u;
    return nullptr;
}

QList<SandboxUser> Workspace::users() const
{
    QList<SandboxUser> out;
    for (const QString &id : m_userOrder)
        out.append(m_users.value(id));
    out.append(m_users.value(m_options.botUserId));
    out.append(m_users.value(lit("USLACKBOT")));
    return out;
}

// --- channels -------------------------------------------------------------------------------------

QString Workspace::openDm(const QString &userId, bool *alreadyOpen)
{
    const SandboxUser *u = user(userId);
    if (!u || u->isBot || userId == QLatin1String("USLACKBOT"))
        return {};
    const QString existing = m_dmByUser.value(userId);
    if (alreadyOpen)
        *alreadyOpen = !existing.isEmpty();
    if (!existing.isEmpty())
        return existing;
    SandboxChannel c;
    c.id = newId(QLatin1Char('D'));
    c.user = userId;
    c.created = QDateTime::currentSecsSinceEpoch();
    m_channels.insert(c.id, c);
    m_dmByUser.insert(userId, c.id);
    Q_EMIT changed();
    return c.id;
}

QString Workspace::dmOf(const QString &userId) const
{
    return m_dmByUser.value(userId);
}

const SandboxChannel *Workspace::channel(const QString &id) const
{
    const auto it = m_channels.constFind(id);
    return it == m_channels.constEnd() ? nullptr : &*it;
}

QStringList Workspace::channelIds() const
{
    return m_channels.keys();
}

// --- messages -------------------------------------------------------------------------------------

SandboxMessage *Workspace::message(const QString &channel, const QString &ts)
{
    auto c = m_channels.find(channel);
    if (c == m_channels.end())
        return nullptr;
    auto m = c->byTs.find(ts);
    return m == c->byTs.end() ? nullptr : &*m;
}

const SandboxMessage *Workspace::message(const QString &channel, const QString &ts) const
{
    return const_cast<Workspace *>(this)->message(channel, ts);
}

QList<const SandboxMessage *> Workspace::replies(const QString &channel, const QString &threadTs) const
{
    QList<const SandboxMessage *> out;
    const SandboxChannel *c = this->channel(channel);
    if (!c)
        return out;
    for (const QString &ts : c->threads.value(threadTs)) {
        const SandboxMessage &m = *c->byTs.constFind(ts);
        if (!m.deleted)
            out.append(&m);
    }
    return out;
}

QList<const SandboxMessage *> Workspace::topLevel(const QString &channel) const
{
    QList<const SandboxMessage *> out;
    const SandboxChannel *c = this->channel(channel);
    if (!c)
        return out;
    for (const QString &ts : c->order) {
        const SandboxMessage &m = *c->byTs.constFind(ts);
        const bool reply = !m.threadTs.isEmpty() && m.threadTs != m.ts;
        if (m.deleted && m.subtype != QLatin1String("tombstone"))
            continue;
        if (!reply || m.subtype == QLatin1String("thread_broadcast"))
            out.append(&m);
    }
    return out;
}

SandboxMessage &Workspace::appendMessage(SandboxMessage m, bool emitEvent)
{
    SandboxChannel &c = m_channels[m.channel];
    if (m.ts.isEmpty())
        m.ts = newTs();
    if (!m.threadTs.isEmpty() && m.threadTs != m.ts) {
        auto parent = c.byTs.find(m.threadTs);
        if (parent != c.byTs.end() && parent->threadTs.isEmpty())
            parent->threadTs = parent->ts;
        c.threads[m.threadTs].append(m.ts);
    }
    c.order.append(m.ts);
    SandboxMessage &stored = c.byTs[m.ts] = std::move(m);
    Q_EMIT messagePosted(stored.channel, stored.ts, stored.threadTs);
    if (emitEvent)
        raise(messageJson(stored, true));
    if (stored.byApp)
        onAppPosted(stored);
    Q_EMIT changed();
    return stored;
}

void Workspace::editMessage(const QString &channel, const QString &ts, const QString &editor,
                            const std::function<void(SandboxMessage &)> &change, bool markEdited)
{
    SandboxMessage *m = message(channel, ts);
    if (!m)
        return;
    const QJsonObject previous = messageJson(*m, false);
    const QString eventTs = newTs();
    m->history.append(MessageRevision{eventTs, m->text, editor});
    change(*m);
    if (markEdited) {
        m->editedTs = eventTs;
        m->editedBy = editor;
    }
    raise(messageChangedEvent(channel, eventTs, messageJson(*m, false), previous));
    Q_EMIT messageUpdated(channel, ts);
    Q_EMIT changed();
}

void Workspace::removeMessage(const QString &channel, const QString &ts)
{
    SandboxMessage *m = message(channel, ts);
    if (!m || m->deleted)
        return;
    const QJsonObject previous = messageJson(*m, false);
    const QString eventTs = newTs();
    const bool isParent = m->threadTs == m->ts;
    if (isParent && !replies(channel, ts).isEmpty()) {
        // A parent with replies becomes a tombstone: Slack reports it as message_changed.
        m->deleted = true;
        m->subtype = lit("tombstone");
        m->history.append(MessageRevision{eventTs, m->text, m->user});
        raise(messageChangedEvent(channel, eventTs, messageJson(*m, false), previous));
    } else {
        m->deleted = true;
        QJsonObject event = hiddenMessageEvent(lit("message_deleted"), channel, eventTs, previous);
        event.insert(lit("deleted_ts"), ts);
        raise(event);
    }
    Q_EMIT messageDeleted(channel, ts);
    Q_EMIT changed();
}

// --- acting as a person ---------------------------------------------------------------------------

Workspace::ActResult Workspace::postAsUser(const QString &userId, const QString &text,
                                           const QString &threadTs, bool broadcast)
{
    ActResult r;
    const SandboxUser *u = user(userId);
    if (!u || u->isBot || u->deleted) {
        r.error = lit("user_not_found");
        return r;
    }
    const QString dm = openDm(userId);
    SandboxMessage m;
    m.channel = dm;
    m.user = userId;
    m.text = text;
    m.clientMsgId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m.blocks = richTextBlocks(text, m.clientMsgId.left(5));
    if (!threadTs.isEmpty()) {
        m.threadTs = threadRootOf(dm, threadTs);
        if (m.threadTs.isEmpty()) {
            r.error = lit("thread_not_found");
            return r;
        }
        if (broadcast)
            m.subtype = lit("thread_broadcast");
    }
    const SandboxMessage &stored = appendMessage(std::move(m));
    r.ok = true;
    r.channel = stored.channel;
    r.ts = stored.ts;
    return r;
}

QString Workspace::threadRootOf(const QString &dm, const QString &threadTs) const
{
    const SandboxMessage *parent = message(dm, threadTs);
    if (!parent || (parent->deleted && parent->subtype != QLatin1String("tombstone")))
        return {};
    return parent->threadTs.isEmpty() ? parent->ts : parent->threadTs;
}

QString Workspace::ownMessageRefusal(const QString &userId, const QString &dm, const QString &ts,
                                     const QString &refusal) const
{
    const SandboxMessage *m = message(dm, ts);
    if (!user(userId))
        return lit("user_not_found");
    if (!m || m->deleted)
        return lit("message_not_found");
    if (m->user != userId || m->byApp)
        return refusal;
    return {};
}

Workspace::ActResult Workspace::editAsUser(const QString &userId, const QString &ts, const QString &text)
{
    ActResult r;
    const QString dm = dmOf(userId);
    r.error = ownMessageRefusal(userId, dm, ts, lit("cant_update_message"));
    if (!r.error.isEmpty())
        return r;
    editMessage(
        dm, ts, userId,
        [&](SandboxMessage &msg) {
            msg.text = text;
            msg.blocks = richTextBlocks(text, msg.clientMsgId.left(5));
        },
        true);
    r.ok = true;
    r.channel = dm;
    r.ts = ts;
    return r;
}

Workspace::ActResult Workspace::deleteAsUser(const QString &userId, const QString &ts)
{
    ActResult r;
    const QString dm = dmOf(userId);
    r.error = ownMessageRefusal(userId, dm, ts, lit("cant_delete_message"));
    if (!r.error.isEmpty())
        return r;
    removeMessage(dm, ts);
    r.ok = true;
    r.channel = dm;
    r.ts = ts;
    return r;
}

Workspace::ActResult Workspace::uploadAsUser(const QString &userId, const QString &name,
                                             const QByteArray &data, const QString &mimetype,
                                             const QString &threadTs, const QString &comment)
{
    ActResult r;
    const SandboxUser *u = user(userId);
    if (!u || u->isBot) {
        r.error = lit("user_not_found");
        return r;
    }
    const QString dm = openDm(userId);
    QString parentTs;
    if (!threadTs.isEmpty()) {
        parentTs = threadRootOf(dm, threadTs);
        if (parentTs.isEmpty()) {
            r.error = lit("thread_not_found");
            return r;
        }
    }
    SandboxFile &f = createFile(name, data.size(), userId);
    if (!mimetype.isEmpty())
        f.mimetype = mimetype;
    f.data = data;
    f.uploaded = true;
    f.completed = true;
    f.channel = dm;
    f.threadTs = parentTs;
    const QString fileId = f.id;
    SandboxMessage m;
    m.channel = dm;
    m.user = userId;
    m.subtype = lit("file_share");
    m.text = comment;
    m.threadTs = parentTs;
    m.fileIds = QStringList{fileId};
    if (!comment.isEmpty()) {
        m.clientMsgId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        m.blocks = richTextBlocks(comment, m.clientMsgId.left(5));
    }
    m.ts = newTs();
    f.shareTs = m.ts;
    const SandboxMessage &stored = appendMessage(std::move(m));
    Q_EMIT fileShared(fileId, dm, stored.ts);
    r.ok = true;
    r.channel = dm;
    r.ts = stored.ts;
    return r;
}

// --- files ----------------------------------------------------------------------------------------

SandboxFile &Workspace::createFile(const QString &name, qint64 length, const QString &userId)
{
    SandboxFile f;
    f.id = newId(QLatin1Char('F'));
    f.name = name;
    f.title = name;
    f.filetype = fileTypeOf(name, &f.mimetype);
    f.user = userId;
    f.created = QDateTime::currentSecsSinceEpoch();
    f.declaredLength = length;
    const QString ticket = QUuid::createUuid().toString(QUuid::Id128);
    m_uploadTickets.insert(ticket, f.id);
    Q_EMIT changed();
    return m_files[f.id] = f;
}

SandboxFile *Workspace::file(const QString &id)
{
    auto it = m_files.find(id);
    return it == m_files.end() ? nullptr : &*it;
}

const SandboxFile *Workspace::file(const QString &id) const
{
    return const_cast<Workspace *>(this)->file(id);
}

QString Workspace::deleteFile(const QString &fileId, const QString &userId)
{
    SandboxFile *f = file(fileId);
    if (!f)
        return lit("file_not_found");
    if (f->deleted)
        return lit("file_deleted");
    if (f->user != userId)
        return lit("cant_delete_file");
    f->deleted = true;
    f->data.clear();
    // Every live message carrying the file: gone when nothing else is left in it.
    QList<QPair<QString, QString>> emptied;
    for (SandboxChannel &c : m_channels)
        for (SandboxMessage &m : c.byTs)
            if (!m.deleted && m.fileIds.contains(fileId)) {
                bool anyLive = false;
                for (const QString &id : std::as_const(m.fileIds))
                    if (const SandboxFile *other = file(id); other && !other->deleted)
                        anyLive = true;
                if (!anyLive && m.text.isEmpty() && m.blocks.isEmpty())
                    emptied.append({c.id, m.ts});
            }
    for (const auto &[channelId, ts] : std::as_const(emptied))
        removeMessage(channelId, ts);
    Q_EMIT changed();
    return {};
}

QString Workspace::uploadTicketFor(const QString &fileId) const
{
    for (auto it = m_uploadTickets.constBegin(); it != m_uploadTickets.constEnd(); ++it)
        if (it.value() == fileId)
            return it.key();
    return {};
}

SandboxFile *Workspace::fileByUploadTicket(const QString &ticket)
{
    const QString id = m_uploadTickets.value(ticket);
    return id.isEmpty() ? nullptr : file(id);
}

// --- JSON shapes ----------------------------------------------------------------------------------

QJsonObject Workspace::botProfileJson() const
{
    const QString icon = lit("https://a.slack-edge.com/80588/img/plugins/app/bot_48.png");
    return QJsonObject{
        {lit("id"), m_options.botId},
        {lit("deleted"), false},
        {lit("name"), m_options.appName},
        {lit("updated"), 1700000000},
        {lit("app_id"), m_options.appId},
        {lit("icons"),
         QJsonObject{{lit("image_36"), icon}, {lit("image_48"), icon}, {lit("image_72"), icon}}},
        {lit("team_id"), m_options.teamId}};
}

QJsonObject Workspace::messageJson(const SandboxMessage &m, bool forEvent, bool withMetadata) const
{
    QJsonObject o;
    o.insert(lit("type"), lit("message"));
    const bool tombstone = m.subtype == QLatin1String("tombstone");
    if (tombstone) {
        o.insert(lit("subtype"), m.subtype);
        o.insert(lit("text"), lit("This message was deleted."));
        o.insert(lit("user"), lit("USLACKBOT"));
        o.insert(lit("hidden"), true);
    } else {
        if (!m.subtype.isEmpty())
            o.insert(lit("subtype"), m.subtype);
        o.insert(lit("text"), m.text);
        o.insert(lit("user"), m.user);
        if (!m.blocks.isEmpty())
            o.insert(lit("blocks"), m.blocks);
    }
    o.insert(lit("ts"), m.ts);
    o.insert(lit("team"), m_options.teamId);
    if (m.byApp && !tombstone) {
        o.insert(lit("bot_id"), m_options.botId);
        o.insert(lit("app_id"), m_options.appId);
        o.insert(lit("bot_profile"), botProfileJson());
        if (withMetadata && !m.metadata.isEmpty())
            o.insert(lit("metadata"), m.metadata);
    }
    if (!m.clientMsgId.isEmpty() && !m.byApp && !tombstone)
        o.insert(lit("client_msg_id"), m.clientMsgId);
    if (!m.fileIds.isEmpty() && !tombstone) {
        QJsonArray files;
        for (const QString &id : m.fileIds)
            if (const SandboxFile *f = file(id))
                files.append(f->deleted ? QJsonObject{{lit("id"), f->id}, {lit("mode"), lit("tombstone")}}
                                        : fileJson(*f));
        o.insert(lit("files"), files);
        o.insert(lit("upload"), true);
        o.insert(lit("display_as_bot"), false);
    }
    if (!m.editedTs.isEmpty() && !tombstone)
        o.insert(lit("edited"), QJsonObject{{lit("user"), m.editedBy}, {lit("ts"), m.editedTs}});
    if (!m.threadTs.isEmpty()) {
        o.insert(lit("thread_ts"), m.threadTs);
        if (m.threadTs != m.ts) {
            const SandboxMessage *parent = message(m.channel, m.threadTs);
            if (parent)
                o.insert(lit("parent_user_id"), parent->user);
        } else {
            const auto rs = replies(m.channel, m.ts);
            QJsonArray replyUsers;
            QStringList seen;
            for (const SandboxMessage *r : rs)
                if (!seen.contains(r->user)) {
                    seen.append(r->user);
                    if (replyUsers.size() < 5)
                        replyUsers.append(r->user);
                }
            o.insert(lit("reply_count"), int(rs.size()));
            o.insert(lit("reply_users_count"), int(seen.size()));
            o.insert(lit("latest_reply"), rs.isEmpty() ? m.ts : rs.last()->ts);
            o.insert(lit("reply_users"), replyUsers);
            o.insert(lit("is_locked"), false);
            o.insert(lit("subscribed"), false);
        }
    }
    if (forEvent) {
        o.insert(lit("channel"), m.channel);
        o.insert(lit("event_ts"), m.ts);
        o.insert(lit("channel_type"), lit("im"));
    }
    return o;
}

QJsonObject Workspace::fileJson(const SandboxFile &f) const
{
    const QString base = (m_fileBaseUrl.isValid() ? m_fileBaseUrl : m_baseUrl).toString() +
                         lit("files-pri/") + m_options.teamId + QLatin1Char('-') + f.id;
    const QString name = QString::fromLatin1(QUrl::toPercentEncoding(f.name));
    QJsonObject o{
        {lit("id"), f.id},
        {lit("created"), f.created},
        {lit("timestamp"), f.created},
        {lit("name"), f.name},
        {lit("title"), f.title},
        {lit("mimetype"), f.mimetype},
        {lit("filetype"), f.filetype},
        {lit("pretty_type"), f.filetype.toUpper()},
        {lit("user"), f.user},
        {lit("user_team"), m_options.teamId},
        {lit("editable"), false},
        {lit("size"), qint64(f.uploaded ? f.data.size() : f.declaredLength)},
        {lit("mode"), lit("hosted")},
        {lit("is_external"), false},
        {lit("external_type"), QString()},
        {lit("is_public"), false},
        {lit("public_url_shared"), false},
        {lit("display_as_bot"), false},
        {lit("username"), QString()},
        {lit("url_private"), QString(base + QLatin1Char('/') + name)},
        {lit("url_private_download"), QString(base + lit("/download/") + name)},
        {lit("media_display_type"), lit("unknown")},
        {lit("permalink"), QString(lit("https://") + m_options.teamDomain + lit(".slack.com/files/") +
                                   f.user + QLatin1Char('/') + f.id + QLatin1Char('/') + name)},
        {lit("permalink_public"), QString(lit("https://slack-files.com/") + m_options.teamId +
                                          QLatin1Char('-') + f.id + lit("-0000000000"))},
        {lit("has_rich_preview"), false},
        {lit("file_access"), lit("visible")}};
    if (!f.channel.isEmpty() && !f.shareTs.isEmpty()) {
        QJsonObject share{{lit("ts"), f.shareTs},
                          {lit("channel_name"), f.channel},
                          {lit("team_id"), m_options.teamId},
                          {lit("share_user_id"), f.user},
                          {lit("source"), lit("UNKNOWN")}};
        if (!f.threadTs.isEmpty())
            share.insert(lit("thread_ts"), f.threadTs);
        o.insert(lit("shares"), QJsonObject{{lit("private"), QJsonObject{{f.channel, QJsonArray{share}}}}});
        o.insert(lit("ims"), QJsonArray{f.channel});
        o.insert(lit("channels"), QJsonArray{});
        o.insert(lit("groups"), QJsonArray{});
    }
    return o;
}

QJsonObject Workspace::userJson(const SandboxUser &u) const
{
    const QString image = lit("https://secure.gravatar.com/avatar/sandbox.jpg");
    QJsonObject profile{{lit("real_name"), u.realName},
                        {lit("real_name_normalized"), u.realName},
                        {lit("display_name"), u.displayName.value_or(u.name)},
                        {lit("display_name_normalized"), u.displayName.value_or(u.name)},
                        {lit("status_text"), QString()},
                        {lit("status_emoji"), QString()},
                        {lit("image_24"), image},
                        {lit("image_32"), image},
                        {lit("image_48"), image},
                        {lit("image_72"), image},
                        {lit("image_192"), image},
                        {lit("image_512"), image},
                        {lit("team"), m_options.teamId}};
    if (!u.email.isEmpty())
        profile.insert(lit("email"), u.email);
    if (u.isBot) {
        profile.insert(lit("bot_id"), m_options.botId);
        profile.insert(lit("api_app_id"), m_options.appId);
    }
    return QJsonObject{{lit("id"), u.id},
                       {lit("team_id"), m_options.teamId},
                       {lit("name"), u.name},
                       {lit("deleted"), u.deleted},
                       {lit("color"), lit("9f69e7")},
                       {lit("real_name"), u.realName},
                       {lit("tz"), lit("Europe/Berlin")},
                       {lit("tz_label"), lit("Central European Time")},
                       {lit("tz_offset"), 3600},
                       {lit("profile"), profile},
                       {lit("is_admin"), false},
                       {lit("is_owner"), false},
                       {lit("is_primary_owner"), false},
                       {lit("is_restricted"), false},
                       {lit("is_ultra_restricted"), false},
                       {lit("is_bot"), u.isBot},
                       {lit("is_app_user"), false},
                       {lit("updated"), u.updated > 0 ? u.updated : 1700000000}};
}

QString Workspace::changeProfile(const QString &userId, const ProfileChange &change)
{
    const auto it = m_users.find(userId);
    if (it == m_users.end())
        return lit("user_not_found");
    SandboxUser &u = *it;
    if (u.isBot)
        return lit("cannot_change_bot");
    // users.profile.set: display names up to 80 characters, real names up to 250.
    if ((change.displayName && change.displayName->size() > 80) ||
        (change.realName && change.realName->size() > 250))
        return lit("invalid_name");
    if (change.displayName)
        u.displayName = *change.displayName;
    if (change.realName)
        u.realName = *change.realName;
    if (change.email)
        u.email = *change.email;
    if (change.deleted)
        u.deleted = *change.deleted;
    u.updated = std::max<qint64>(QDateTime::currentSecsSinceEpoch(), u.updated + 1);
    const QJsonObject user = userJson(u);
    raise(QJsonObject{{lit("type"), lit("user_change")},
                      {lit("user"), user},
                      {lit("cache_ts"), u.updated},
                      {lit("event_ts"), newTs()}});
    Q_EMIT changed();
    return {};
}

QJsonObject Workspace::eventCallback(const QJsonObject &event)
{
    const QString eventId = lit("Ev") + newId(QLatin1Char('0')).mid(1);
    return QJsonObject{
        {lit("token"), lit("sandbox-verification-token")},
        {lit("team_id"), m_options.teamId},
        {lit("api_app_id"), m_options.appId},
        {lit("event"), event},
        {lit("type"), lit("event_callback")},
        {lit("event_id"), eventId},
        {lit("event_time"), QDateTime::currentSecsSinceEpoch()},
        {lit("authorizations"), QJsonArray{QJsonObject{{lit("enterprise_id"), QJsonValue::Null},
                                                       {lit("team_id"), m_options.teamId},
                                                       {lit("user_id"), m_options.botUserId},
                                                       {lit("is_bot"), true},
                                                       {lit("is_enterprise_install"), false}}}},
        {lit("is_ext_shared_channel"), false},
        {lit("event_context"), QString(lit("4-") + eventId)},
        {lit("context_team_id"), m_options.teamId},
        {lit("context_enterprise_id"), QJsonValue::Null}};
}

void Workspace::raise(const QJsonObject &event)
{
    Q_EMIT eventRaised(eventCallback(event));
}

// --- personas -------------------------------------------------------------------------------------

void Workspace::onAppPosted(const SandboxMessage &m)
{
    const SandboxChannel *c = channel(m.channel);
    if (!c)
        return;
    const SandboxUser *u = user(c->user);
    if (!u || u->persona.isEmpty())
        return;
    const bool topLevel = m.threadTs.isEmpty() || m.threadTs == m.ts;
    const QString threadTs = topLevel ? m.ts : m.threadTs;
    const QString key = m.channel + QLatin1Char('/') + threadTs;
    const int sent = m_personaReplies.value(key);
    // A new thread gets one answer; a question in the thread gets answers, at most three per thread.
    if ((topLevel && sent == 0) || (!topLevel && m.text.contains(QLatin1Char('?')) && sent < 3)) {
        m_personaReplies.insert(key, sent + 1);
        personaReply(u->id, m.channel, threadTs, m.text);
    }
}

void Workspace::personaReply(const QString &userId, const QString &channel, const QString &threadTs,
                             const QString &about)
{
    static const char *const lines[] = {
        "Thanks, I'm looking into it now.",
        "Got it. Can you tell me when this will be done?",
        "I tried again and it still happens on my side.",
        "Perfect, that works for me. Thank you!",
    };
    const SandboxUser *u = user(userId);
    const int pick = int((qHash(about) + uint(m_personaReplies.size())) % 4);
    QString text = QString::fromUtf8(lines[pick]);
    if (u && u->persona != QLatin1String("colleague") && !u->persona.isEmpty())
        text = u->persona + QLatin1String(": ") + text;
    QTimer::singleShot(m_options.personaDelayMs, this, [this, userId, channel, threadTs, text] {
        if (message(channel, threadTs))
            postAsUser(userId, text, threadTs);
    });
}

// --- limits and faults ----------------------------------------------------------------------------

void Workspace::setRateLimitsEnabled(bool on)
{
    m_options.rateLimitsEnabled = on;
    m_limiter.setEnabled(on);
}

void Workspace::setTimeScale(double scale)
{
    if (!(scale > 0))
        return;
    m_options.timeScale = scale;
    m_limiter.setTimeScale(scale);
}

bool Workspace::roll(double probability)
{
    if (probability <= 0)
        return false;
    if (probability >= 1)
        return true;
    return m_dice.generateDouble() < probability;
}

// --- inspection -----------------------------------------------------------------------------------

void Workspace::recordCall(const QString &method, int httpStatus, const QString &error)
{
    MethodStats &s = m_calls[method];
    ++s.count;
    const QString outcome = httpStatus == 429 ? lit("429") : (error.isEmpty() ? lit("ok") : error);
    ++s.outcomes[outcome];
    if (httpStatus == 429)
        ++m_rateLimited;
    m_recent.append(CallRecord{method, httpStatus, error, QDateTime::currentMSecsSinceEpoch()});
    if (m_recent.size() > 2000)
        m_recent.remove(0, m_recent.size() - 1000);
}

int Workspace::callCount(const QString &method, const QString &outcome) const
{
    const auto it = m_calls.constFind(method);
    if (it == m_calls.constEnd())
        return 0;
    return outcome.isEmpty() ? it->count : it->outcomes.value(outcome);
}

void Workspace::noteAck(const QString &envelopeId, const QString &eventId)
{
    ++m_acks;
    Q_EMIT envelopeAcked(envelopeId, eventId);
}

QJsonObject Workspace::callLogJson() const
{
    QJsonObject methods;
    int total = 0;
    for (auto it = m_calls.constBegin(); it != m_calls.constEnd(); ++it) {
        QJsonObject outcomes;
        for (auto o = it->outcomes.constBegin(); o != it->outcomes.constEnd(); ++o)
            outcomes.insert(o.key(), o.value());
        methods.insert(it.key(), QJsonObject{{lit("count"), it->count}, {lit("outcomes"), outcomes}});
        total += it->count;
    }
    QJsonArray recent;
    for (qsizetype i = std::max<qsizetype>(0, m_recent.size() - 200); i < m_recent.size(); ++i) {
        const CallRecord &r = m_recent.at(i);
        recent.append(QJsonObject{{lit("method"), r.method},
                                  {lit("status"), r.httpStatus},
                                  {lit("error"), r.error},
                                  {lit("at_ms"), r.atMs}});
    }
    return QJsonObject{{lit("total"), total},
                       {lit("rate_limited"), m_rateLimited},
                       {lit("acks"), m_acks},
                       {lit("methods"), methods},
                       {lit("recent"), recent}};
}

QJsonArray Workspace::channelMessagesJson(const QString &channelId, const QString &threadTs) const
{
    QJsonArray out;
    const SandboxChannel *c = channel(channelId);
    if (!c)
        return out;
    for (const QString &ts : c->order) {
        const SandboxMessage &m = *c->byTs.constFind(ts);
        if (!threadTs.isEmpty() && m.ts != threadTs && m.threadTs != threadTs)
            continue;
        QJsonArray history;
        for (const MessageRevision &r : m.history)
            history.append(QJsonObject{{lit("ts"), r.ts}, {lit("text"), r.text}, {lit("editor"), r.editor}});
        QJsonObject o{{lit("ts"), m.ts},
                      {lit("thread_ts"), m.threadTs},
                      {lit("user"), m.user},
                      {lit("by_app"), m.byApp},
                      {lit("subtype"), m.subtype},
                      {lit("text"), m.text},
                      {lit("blocks"), m.blocks},
                      {lit("metadata"), m.metadata},
                      {lit("client_msg_id"), m.clientMsgId},
                      {lit("files"), QJsonArray::fromStringList(m.fileIds)},
                      {lit("deleted"), m.deleted},
                      {lit("edited_ts"), m.editedTs},
                      {lit("edited_by"), m.editedBy},
                      {lit("history"), history}};
        out.append(o);
    }
    return out;
}

QJsonObject Workspace::stateJson(bool withFileData) const
{
    QJsonArray users;
    for (const QString &id : m_userOrder) {
        const SandboxUser &u = m_users[id];
        users.append(
            QJsonObject{{lit("id"), u.id},
                        {lit("name"), u.name},
                        {lit("display_name"), u.displayName ? QJsonValue(*u.displayName) : QJsonValue()},
                        {lit("real_name"), u.realName},
                        {lit("email"), u.email},
                        {lit("persona"), u.persona},
                        {lit("deleted"), u.deleted}});
    }
    QJsonArray channels;
    for (const SandboxChannel &c : m_channels)
        channels.append(QJsonObject{{lit("id"), c.id},
                                    {lit("user"), c.user},
                                    {lit("created"), c.created},
                                    {lit("messages"), channelMessagesJson(c.id)}});
    QJsonArray files;
    for (const SandboxFile &f : m_files) {
        QJsonObject o{{lit("id"), f.id},
                      {lit("name"), f.name},
                      {lit("title"), f.title},
                      {lit("mimetype"), f.mimetype},
                      {lit("user"), f.user},
                      {lit("size"), qint64(f.data.size())},
                      {lit("declared_length"), f.declaredLength},
                      {lit("created"), f.created},
                      {lit("uploaded"), f.uploaded},
                      {lit("completed"), f.completed},
                      {lit("deleted"), f.deleted},
                      {lit("channel"), f.channel},
                      {lit("share_ts"), f.shareTs},
                      {lit("thread_ts"), f.threadTs}};
        if (withFileData)
            o.insert(lit("data_base64"), QString::fromLatin1(f.data.toBase64()));
        files.append(o);
    }
    return QJsonObject{
        {lit("team"), QJsonObject{{lit("id"), m_options.teamId}, {lit("name"), m_options.teamName}}},
        {lit("app"), QJsonObject{{lit("app_id"), m_options.appId},
                                 {lit("bot_id"), m_options.botId},
                                 {lit("bot_user_id"), m_options.botUserId}}},
        {lit("users"), users},
        {lit("channels"), channels},
        {lit("files"), files},
        {lit("limits"), m_limiter.toJson()},
        {lit("faults"), m_faults.toJson()}};
}

// --- persistence ----------------------------------------------------------------------------------

bool Workspace::saveState(const QString &path) const
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        qCWarning(lcSandbox) << "cannot write state file" << path << f.errorString();
        return false;
    }
    f.write(QJsonDocument(stateJson(true)).toJson(QJsonDocument::Compact));
    return f.commit();
}

bool Workspace::loadState(const QString &path)
{
    QFile f(path);
    if (!f.exists())
        return true;
    if (!f.open(QIODevice::ReadOnly))
        return false;
    QJsonParseError err;
    const QJsonObject root = QJsonDocument::fromJson(f.readAll(), &err).object();
    if (err.error != QJsonParseError::NoError) {
        qCWarning(lcSandbox) << "state file is not valid JSON:" << err.errorString();
        return false;
    }
    reset();
    const QSignalBlocker blocker(this);
    for (const QJsonValue &v : root.value(lit("users")).toArray()) {
        const QJsonObject u = v.toObject();
        const SandboxUser added = addUser(u.value(lit("name")).toString(), u.value(lit("email")).toString(),
                                          u.value(lit("real_name")).toString(), u.value(lit("id")).toString(),
                                          u.value(lit("persona")).toString());
        SandboxUser &stored = m_users[added.id];
        if (u.value(lit("display_name")).isString())
            stored.displayName = u.value(lit("display_name")).toString();
        stored.deleted = u.value(lit("deleted")).toBool(stored.deleted);
    }
    for (const QJsonValue &cv : root.value(lit("channels")).toArray()) {
        const QJsonObject co = cv.toObject();
        SandboxChannel c;
        c.id = co.value(lit("id")).toString();
        c.user = co.value(lit("user")).toString();
        c.created = co.value(lit("created")).toInteger();
        for (const QJsonValue &mv : co.value(lit("messages")).toArray()) {
            const QJsonObject mo = mv.toObject();
            SandboxMessage m;
            m.channel = c.id;
            m.ts = mo.value(lit("ts")).toString();
            m.threadTs = mo.value(lit("thread_ts")).toString();
            m.user = mo.value(lit("user")).toString();
            m.byApp = mo.value(lit("by_app")).toBool();
            m.subtype = mo.value(lit("subtype")).toString();
            m.text = mo.value(lit("text")).toString();
            m.blocks = mo.value(lit("blocks")).toArray();
            m.metadata = mo.value(lit("metadata")).toObject();
            m.clientMsgId = mo.value(lit("client_msg_id")).toString();
            for (const QJsonValue &fv : mo.value(lit("files")).toArray())
                m.fileIds.append(fv.toString());
            m.deleted = mo.value(lit("deleted")).toBool();
            m.editedTs = mo.value(lit("edited_ts")).toString();
            m.editedBy = mo.value(lit("edited_by")).toString();
            for (const QJsonValue &hv : mo.value(lit("history")).toArray()) {
                const QJsonObject h = hv.toObject();
                m.history.append(MessageRevision{h.value(lit("ts")).toString(),
                                                 h.value(lit("text")).toString(),
                                                 h.value(lit("editor")).toString()});
            }
            if (!m.threadTs.isEmpty() && m.threadTs != m.ts)
                c.threads[m.threadTs].append(m.ts);
            c.order.append(m.ts);
            c.byTs.insert(m.ts, m);
        }
        m_dmByUser.insert(c.user, c.id);
        m_channels.insert(c.id, c);
    }
    for (const QJsonValue &fv : root.value(lit("files")).toArray()) {
        const QJsonObject fo = fv.toObject();
        SandboxFile file;
        file.id = fo.value(lit("id")).toString();
        file.name = fo.value(lit("name")).toString();
        file.title = fo.value(lit("title")).toString();
        file.mimetype = fo.value(lit("mimetype")).toString();
        file.filetype = fileTypeOf(file.name, &file.mimetype);
        file.user = fo.value(lit("user")).toString();
        file.created = fo.value(lit("created")).toInteger();
        file.declaredLength = fo.value(lit("declared_length")).toInteger();
        file.data = QByteArray::fromBase64(fo.value(lit("data_base64")).toString().toLatin1());
        file.uploaded = fo.value(lit("uploaded")).toBool();
        file.completed = fo.value(lit("completed")).toBool();
        file.deleted = fo.value(lit("deleted")).toBool();
        file.channel = fo.value(lit("channel")).toString();
        file.shareTs = fo.value(lit("share_ts")).toString();
        file.threadTs = fo.value(lit("thread_ts")).toString();
        m_files.insert(file.id, file);
    }
    // Keep new ids and ts after the loaded ones.
    m_idCounter += quint64(m_users.size() + m_channels.size() + m_files.size()) * 10;
    for (const SandboxChannel &c : std::as_const(m_channels))
        for (const QString &ts : c.order) {
            const qint64 micros = ts.section(QLatin1Char('.'), 0, 0).toLongLong() * 1000000 +
                                  ts.section(QLatin1Char('.'), 1, 1).toLongLong();
            m_lastTsMicros = std::max(m_lastTsMicros, micros);
        }
    m_limiter.apply(root.value(lit("limits")).toObject());
    return true;
}

} // namespace threadline::sandbox
