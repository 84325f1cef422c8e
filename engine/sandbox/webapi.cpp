#include "sandbox/webapi.h"

#include "sandbox/workspace.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace threadline::sandbox {

namespace {

QString lit(const char *s)
{
    return QString::fromUtf8(s);
}

QString encodeCursor(int offset)
{
    return QString::fromLatin1(QByteArray("next:" + QByteArray::number(offset)).toBase64());
}

int decodeCursor(const QString &cursor, bool *ok)
{
    *ok = true;
    if (cursor.isEmpty())
        return 0;
    const QByteArray raw = QByteArray::fromBase64(cursor.toLatin1());
    if (!raw.startsWith("next:")) {
        *ok = false;
        return 0;
    }
    const int n = raw.mid(5).toInt(ok);
    return *ok && n >= 0 ? n : (*ok = false, 0);
}

//! Compares two ts strings as Slack orders them (seconds, then the fraction).
bool tsLess(const QString &a, const QString &b)
{
    const qint64 as = a.section(QLatin1Char('.'), 0, 0).toLongLong();
    const qint64 bs = b.section(QLatin1Char('.'), 0, 0).toLongLong();
    if (as != bs)
        return as < bs;
    return a.section(QLatin1Char('.'), 1, 1).leftJustified(6, QLatin1Char('0')).toLongLong() <
           b.section(QLatin1Char('.'), 1, 1).leftJustified(6, QLatin1Char('0')).toLongLong();
}

} // namespace

WebApi::WebApi(Workspace &workspace)
    : m_ws(workspace)
{}

WebApi::Reply WebApi::error(const QString &code, int status)
{
    Reply r;
    r.status = status;
    r.body = QJsonObject{{lit("ok"), false}, {lit("error"), code}};
    return r;
}

WebApi::Reply WebApi::ok(QJsonObject body)
{
    Reply r;
    body.insert(lit("ok"), true);
    r.body = std::move(body);
    return r;
}

static const QHash<QString, WebApi::Handler> &handlers()
{
    static const QHash<QString, WebApi::Handler> table = WebApi::handlerTable();
    return table;
}

bool WebApi::knownMethod(const QString &method)
{
    return handlers().contains(method);
}

WebApi::Reply WebApi::call(const QString &method, const ApiArguments &args)
{
    const auto handler = handlers().value(method);
    if (!handler) {
        Reply r = error(lit("unknown_method"), 404);
        r.body.insert(lit("req_method"), method);
        return r;
    }
    if (!args.error.isEmpty())
        return error(args.error);

    const SandboxOptions &o = m_ws.options();
    if (method == QLatin1String("apps.connections.open")) {
        // The app-level token is accepted only in the Authorization header.
        if (args.token.isEmpty() || !args.tokenInHeader)
            return error(lit("not_authed"));
        if (args.token == o.botToken)
            return error(lit("not_allowed_token_type"));
        if (args.token != o.appToken)
            return error(lit("invalid_auth"));
    } else if (method != QLatin1String("api.test")) {
        if (args.token.isEmpty())
            return error(lit("not_authed"));
        if (args.token == o.appToken)
            return error(lit("not_allowed_token_type"));
        if (args.token != o.botToken)
            return error(lit("invalid_auth"));
    }

    const QString channelKey =
        method == QLatin1String("chat.postMessage") ? args.string(lit("channel")) : QString();
    const qint64 wait = m_ws.rateLimiter().acquire(method, channelKey);
    if (wait > 0) {
        Reply r = error(lit("ratelimited"), 429);
        r.retryAfterMs = wait;
        return r;
    }
    return (this->*handler)(args);
}

QString WebApi::resolveChannel(const QString &arg, bool allowUser)
{
    if (arg.startsWith(QLatin1Char('D')))
        return m_ws.channel(arg) ? arg : QString();
    if (allowUser && (arg.startsWith(QLatin1Char('U')) || arg.startsWith(QLatin1Char('W'))))
        return m_ws.openDm(arg);
    return {};
}

WebApi::Reply WebApi::page(const QList<QJsonObject> &items, const ApiArguments &a, const QString &key,
                           int defaultLimit, int maxLimit)
{
    bool cursorOk = true;
    const int offset = decodeCursor(a.string(lit("cursor")), &cursorOk);
    if (!cursorOk)
        return error(lit("invalid_cursor"));
    int limit = a.integer(lit("limit"), defaultLimit);
    if (limit <= 0)
        limit = defaultLimit;
    limit = std::min(limit, maxLimit);
    QJsonArray out;
    for (qsizetype i = offset; i < items.size() && out.size() < limit; ++i)
        out.append(items.at(i));
    const bool more = offset + out.size() < items.size();
    QJsonObject body{
        {key, out},
        {lit("has_more"), more},
        {lit("response_metadata"),
         QJsonObject{{lit("next_cursor"), more ? encodeCursor(int(offset + out.size())) : QString()}}}};
    return ok(body);
}

// --- methods --------------------------------------------------------------------------------------

WebApi::Reply WebApi::apiTest(const ApiArguments &a)
{
    QJsonObject args;
    for (auto it = a.values.constBegin(); it != a.values.constEnd(); ++it)
        args.insert(it.key(), it.value());
    if (a.has(lit("error")))
        return error(a.string(lit("error")));
    return ok(args.isEmpty() ? QJsonObject{} : QJsonObject{{lit("args"), args}});
}

WebApi::Reply WebApi::authTest(const ApiArguments &)
{
    const SandboxOptions &o = m_ws.options();
    return ok(QJsonObject{{lit("url"), QString(lit("https://") + o.teamDomain + lit(".slack.com/"))},
                          {lit("team"), o.teamName},
                          {lit("user"), o.botUserName},
                          {lit("team_id"), o.teamId},
                          {lit("user_id"), o.botUserId},
                          {lit("bot_id"), o.botId},
                          {lit("app_id"), o.appId},
                          {lit("app_name"), o.appName},
                          {lit("is_enterprise_install"), false}});
}

WebApi::Reply WebApi::usersList(const ApiArguments &a)
{
    QList<QJsonObject> members;
    for (const SandboxUser &u : m_ws.users())
        members.append(m_ws.userJson(u));
    Reply r = page(members, a, lit("members"), 1000, 1000);
    r.body.remove(lit("has_more"));
    r.body.insert(lit("cache_ts"), qint64(QDateTime::currentSecsSinceEpoch()));
    return r;
}

WebApi::Reply WebApi::usersInfo(const ApiArguments &a)
{
    const SandboxUser *u = m_ws.user(a.string(lit("user")));
    if (!u)
        return error(lit("user_not_found"));
    return ok(QJsonObject{{lit("user"), m_ws.userJson(*u)}});
}

WebApi::Reply WebApi::usersLookupByEmail(const ApiArguments &a)
{
    const SandboxUser *u = m_ws.userByEmail(a.string(lit("email")));
    if (!u)
        return error(lit("users_not_found"));
    return ok(QJsonObject{{lit("user"), m_ws.userJson(*u)}});
}

WebApi::Reply WebApi::conversationsOpen(const ApiArguments &a)
{
    QString dm;
    bool already = false;
    if (a.has(lit("channel"))) {
        dm = resolveChannel(a.string(lit("channel")), false);
        if (dm.isEmpty())
            return error(lit("channel_not_found"));
        already = true;
    } else {
        QStringList users;
        bool parsed = true;
        const QJsonValue v = a.complex(lit("users"), &parsed);
        if (v.isArray()) {
            for (const QJsonValue &u : v.toArray())
                users.append(u.toString());
        } else {
            users = a.string(lit("users")).split(QLatin1Char(','), Qt::SkipEmptyParts);
        }
        for (QString &u : users)
            u = u.trimmed();
        users.removeDuplicates();
        if (users.size() > 1)
            users.removeAll(m_ws.options().botUserId); // "don't include yourself"
        if (users.isEmpty())
            return error(lit("users_list_not_supplied"));
        if (users.size() > 8)
            return error(lit("too_many_users"));
        for (const QString &u : users) {
            const SandboxUser *su = m_ws.user(u);
            if (!su)
                return error(lit("user_not_found"));
            if (su->deleted)
                return error(lit("user_disabled"));
        }
        if (users.size() > 1)
            return error(lit("method_not_supported_for_channel_type")); // group DMs are not emulated
        if (users.first() == m_ws.options().botUserId || users.first() == QLatin1String("USLACKBOT"))
            return error(lit("cannot_dm_bot"));
        if (a.boolean(lit("prevent_creation")) && m_ws.dmOf(users.first()).isEmpty())
            return error(lit("channel_not_found"));
        dm = m_ws.openDm(users.first(), &already);
    }
    QJsonObject body;
    if (already) {
        body.insert(lit("no_op"), true);
        body.insert(lit("already_open"), true);
    }
    if (a.boolean(lit("return_im"))) {
        const SandboxChannel *c = m_ws.channel(dm);
        body.insert(lit("channel"), QJsonObject{{lit("id"), dm},
                                                {lit("created"), c ? c->created : 0},
                                                {lit("is_im"), true},
                                                {lit("is_org_shared"), false},
                                                {lit("user"), c ? c->user : QString()},
                                                {lit("last_read"), lit("0000000000.000000")},
                                                {lit("latest"), QJsonValue::Null},
                                                {lit("unread_count"), 0},
                                                {lit("unread_count_display"), 0},
                                                {lit("is_open"), true},
                                                {lit("priority"), 0}});
    } else {
        body.insert(lit("channel"), QJsonObject{{lit("id"), dm}});
    }
    return ok(body);
}

WebApi::Reply WebApi::conversationsInfo(const ApiArguments &a)
{
    const SandboxChannel *c = m_ws.channel(resolveChannel(a.string(lit("channel")), false));
    if (!c)
        return error(lit("channel_not_found"));
    return ok(QJsonObject{{lit("channel"), QJsonObject{{lit("id"), c->id},
                                                       {lit("created"), c->created},
                                                       {lit("is_im"), true},
                                                       {lit("is_org_shared"), false},
                                                       {lit("user"), c->user},
                                                       {lit("is_open"), true},
                                                       {lit("priority"), 0}}}});
}

WebApi::Reply WebApi::chatPostMessage(const ApiArguments &a)
{
    const QString channelArg = a.string(lit("channel"));
    if (channelArg.isEmpty())
        return error(lit("channel_not_found"));
    const QString dm = resolveChannel(channelArg, true);
    if (dm.isEmpty())
        return error(lit("channel_not_found"));

    SandboxMessage m;
    m.channel = dm;
    m.user = m_ws.options().botUserId;
    m.byApp = true;
    m.text = a.has(lit("markdown_text")) ? a.string(lit("markdown_text")) : a.string(lit("text"));
    bool parsed = true;
    if (a.has(lit("blocks"))) {
        const QJsonValue blocks = a.complex(lit("blocks"), &parsed);
        if (!parsed || !(blocks.isArray() || blocks.isUndefined()))
            return error(lit("invalid_blocks_format"));
        const QJsonArray arr = blocks.toArray();
        if (arr.size() > 50)
            return error(lit("invalid_blocks"));
        for (const QJsonValue &b : arr)
            if (!b.isObject() || b.toObject().value(lit("type")).toString().isEmpty())
                return error(lit("invalid_blocks"));
        m.blocks = arr;
    }
    int attachments = 0;
    if (a.has(lit("attachments"))) {
        const QJsonValue v = a.complex(lit("attachments"), &parsed);
        if (!parsed || !(v.isArray() || v.isUndefined()))
            return error(lit("invalid_attachments"));
        attachments = int(v.toArray().size());
        if (attachments > 100)
            return error(lit("too_many_attachments"));
    }
    if (a.has(lit("metadata"))) {
        const QJsonValue v = a.complex(lit("metadata"), &parsed);
        if (!parsed || (!v.isObject() && !v.isUndefined()))
            return error(lit("invalid_metadata_format"));
        const QJsonObject md = v.toObject();
        if (!md.isEmpty()) {
            if (!md.value(lit("event_type")).isString() || md.value(lit("event_type")).toString().isEmpty() ||
                (md.contains(lit("event_payload")) && !md.value(lit("event_payload")).isObject()))
                return error(lit("invalid_metadata_format"));
            if (QJsonDocument(md).toJson(QJsonDocument::Compact).size() > 16 * 1024)
                return error(lit("metadata_too_large"));
            m.metadata = md;
        }
    }
    if (m.text.isEmpty() && m.blocks.isEmpty() && attachments == 0)
        return error(lit("no_text"));
    if (m.text.size() > 40000)
        m.text.truncate(40000);

    const QString threadTs = a.string(lit("thread_ts"));
    if (!threadTs.isEmpty()) {
        const SandboxMessage *parent = m_ws.message(dm, threadTs);
        if (!parent || (parent->deleted && parent->subtype != QLatin1String("tombstone")))
            return error(lit("thread_not_found"));
        m.threadTs = parent->threadTs.isEmpty() ? parent->ts : parent->threadTs;
        if (a.boolean(lit("reply_broadcast")))
            m.subtype = lit("thread_broadcast");
    }
    const SandboxMessage &stored = m_ws.appendMessage(std::move(m));
    return ok(QJsonObject{
        {lit("channel"), dm}, {lit("ts"), stored.ts}, {lit("message"), m_ws.messageJson(stored, false)}});
}

WebApi::Reply WebApi::chatUpdate(const ApiArguments &a)
{
    const QString dm = resolveChannel(a.string(lit("channel")), false);
    if (dm.isEmpty())
        return error(lit("channel_not_found"));
    const QString ts = a.string(lit("ts"));
    SandboxMessage *m = m_ws.message(dm, ts);
    if (!m || m->deleted)
        return error(lit("message_not_found"));
    if (!m->byApp)
        return error(lit("cant_update_message"));
    const bool hasText = a.has(lit("text")) || a.has(lit("markdown_text"));
    const QString text = a.has(lit("markdown_text")) ? a.string(lit("markdown_text")) : a.string(lit("text"));
    if (text.size() > 4000)
        return error(lit("msg_too_long"));
    bool parsed = true;
    const bool hasBlocks = a.has(lit("blocks"));
    QJsonArray blocks;
    if (hasBlocks) {
        const QJsonValue v = a.complex(lit("blocks"), &parsed);
        if (!parsed || !(v.isArray() || v.isUndefined()))
            return error(lit("invalid_blocks_format"));
        blocks = v.toArray();
        if (blocks.size() > 50)
            return error(lit("invalid_blocks"));
    }
    const bool hasMetadata = a.has(lit("metadata"));
    QJsonObject metadata;
    if (hasMetadata) {
        const QJsonValue v = a.complex(lit("metadata"), &parsed);
        if (!parsed || (!v.isObject() && !v.isUndefined()))
            return error(lit("invalid_metadata_format"));
        metadata = v.toObject();
    }
    if (!hasText && !hasBlocks && !a.has(lit("attachments")) && !hasMetadata && !a.has(lit("file_ids")))
        return error(lit("no_text"));
    m_ws.editMessage(
        dm, ts, m_ws.options().botUserId,
        [&](SandboxMessage &msg) {
            if (hasText)
                msg.text = text;
            if (hasBlocks)
                msg.blocks = blocks;
            else if (hasText)
                msg.blocks = QJsonArray(); // text without blocks removes the blocks
            if (hasMetadata)
                msg.metadata = metadata; // {} removes it; omitted keeps it
        },
        hasText && !hasBlocks);
    const SandboxMessage *after = m_ws.message(dm, ts);
    QJsonObject message = m_ws.messageJson(*after, false);
    return ok(QJsonObject{
        {lit("channel"), dm}, {lit("ts"), ts}, {lit("text"), after->text}, {lit("message"), message}});
}

WebApi::Reply WebApi::chatDelete(const ApiArguments &a)
{
    const QString dm = resolveChannel(a.string(lit("channel")), false);
    if (dm.isEmpty())
        return error(lit("channel_not_found"));
    const QString ts = a.string(lit("ts"));
    const SandboxMessage *m = m_ws.message(dm, ts);
    if (!m || m->deleted)
        return error(lit("message_not_found"));
    if (!m->byApp)
        return error(lit("cant_delete_message"));
    m_ws.removeMessage(dm, ts);
    return ok(QJsonObject{{lit("channel"), dm}, {lit("ts"), ts}});
}

WebApi::Reply WebApi::conversationsReplies(const ApiArguments &a)
{
    const QString dm = resolveChannel(a.string(lit("channel")), false);
    if (dm.isEmpty())
        return error(lit("channel_not_found"));
    const QString ts = a.string(lit("ts"));
    if (ts.isEmpty())
        return error(lit("invalid_arguments"));
    const SandboxMessage *m = m_ws.message(dm, ts);
    if (!m || (m->deleted && m->subtype != QLatin1String("tombstone")))
        return error(lit("thread_not_found"));
    const QString parentTs = m->threadTs.isEmpty() ? m->ts : m->threadTs;
    const SandboxMessage *parent = m_ws.message(dm, parentTs);
    if (!parent || (parent->deleted && parent->subtype != QLatin1String("tombstone")))
        return error(lit("thread_not_found"));
    const bool withMetadata = a.boolean(lit("include_all_metadata"));
    const QString oldest = a.string(lit("oldest"));
    const QString latest = a.string(lit("latest"));
    const bool inclusive = a.boolean(lit("inclusive"));
    QList<QJsonObject> items{m_ws.messageJson(*parent, false, withMetadata)};
    for (const SandboxMessage *r : m_ws.replies(dm, parentTs)) {
        if (!oldest.isEmpty() && (inclusive ? tsLess(r->ts, oldest) : !tsLess(oldest, r->ts)))
            continue;
        if (!latest.isEmpty() && (inclusive ? tsLess(latest, r->ts) : !tsLess(r->ts, latest)))
            continue;
        items.append(m_ws.messageJson(*r, false, withMetadata));
    }
    return page(items, a, lit("messages"), 1000, 1000);
}

WebApi::Reply WebApi::conversationsHistory(const ApiArguments &a)
{
    const QString dm = resolveChannel(a.string(lit("channel")), false);
    if (dm.isEmpty())
        return error(lit("channel_not_found"));
    const bool withMetadata = a.boolean(lit("include_all_metadata"));
    const QString oldest = a.string(lit("oldest"));
    const QString latest = a.string(lit("latest"));
    const bool inclusive = a.boolean(lit("inclusive"));
    QList<QJsonObject> items;
    const auto top = m_ws.topLevel(dm);
    for (auto it = top.crbegin(); it != top.crend(); ++it) {
        const SandboxMessage *m = *it;
        if (!oldest.isEmpty() && (inclusive ? tsLess(m->ts, oldest) : !tsLess(oldest, m->ts)))
            continue;
        if (!latest.isEmpty() && (inclusive ? tsLess(latest, m->ts) : !tsLess(m->ts, latest)))
            continue;
        items.append(m_ws.messageJson(*m, false, withMetadata));
    }
    Reply r = page(items, a, lit("messages"), 100, 999);
    r.body.insert(lit("pin_count"), 0);
    r.body.insert(lit("channel_actions_ts"), QJsonValue::Null);
    r.body.insert(lit("channel_actions_count"), 0);
    return r;
}

WebApi::Reply WebApi::filesInfo(const ApiArguments &a)
{
    const SandboxFile *f = m_ws.file(a.string(lit("file")));
    if (!f || !f->completed)
        return error(lit("file_not_found"));
    if (f->deleted)
        return error(lit("file_deleted"));
    return ok(QJsonObject{{lit("file"), m_ws.fileJson(*f)},
                          {lit("comments"), QJsonArray()},
                          {lit("response_metadata"), QJsonObject{{lit("next_cursor"), QString()}}}});
}

WebApi::Reply WebApi::filesDelete(const ApiArguments &a)
{
    const QString id = a.string(lit("file"));
    if (id.isEmpty())
        return error(lit("invalid_arguments"));
    const SandboxFile *f = m_ws.file(id);
    if (!f || (!f->completed && !f->deleted))
        return error(lit("file_not_found"));
    // A bot token deletes what the app uploaded (files:write); people's files are theirs.
    if (const QString e = m_ws.deleteFile(id, m_ws.options().botUserId); !e.isEmpty())
        return error(e);
    return ok(QJsonObject{});
}

WebApi::Reply WebApi::filesGetUploadUrlExternal(const ApiArguments &a)
{
    const QString filename = a.string(lit("filename"));
    if (filename.isEmpty() || !a.has(lit("length")))
        return error(lit("invalid_arguments"));
    const int length = a.integer(lit("length"), -1);
    if (length == 0)
        return error(lit("missing_argument"));
    if (length < 0)
        return error(lit("invalid_arguments"));
    if (length > m_ws.options().maxUploadBytes)
        return error(lit("file_too_large"));
    SandboxFile &f = m_ws.createFile(filename, length, m_ws.options().botUserId);
    const QString id = f.id;
    return ok(
        QJsonObject{{lit("upload_url"), m_uploadUrl ? m_uploadUrl(id) : QString()}, {lit("file_id"), id}});
}

WebApi::Reply WebApi::filesCompleteUploadExternal(const ApiArguments &a)
{
    bool parsed = true;
    const QJsonValue filesArg = a.complex(lit("files"), &parsed);
    if (!parsed || !filesArg.isArray() || filesArg.toArray().isEmpty())
        return error(lit("invalid_arguments"));
    QString channelArg = a.string(lit("channel_id"));
    if (channelArg.isEmpty() && a.has(lit("channels"))) {
        const QStringList channels = a.string(lit("channels")).split(QLatin1Char(','), Qt::SkipEmptyParts);
        if (channels.size() > 100)
            return error(lit("channels_limit_exceeded"));
        if (channels.size() > 1 && a.has(lit("thread_ts")))
            return error(lit("invalid_arguments"));
        channelArg = channels.value(0).trimmed();
    }
    QString dm;
    if (!channelArg.isEmpty()) {
        dm = resolveChannel(channelArg, false);
        if (dm.isEmpty())
            return error(lit("channel_not_found"));
    }
    QString threadTs = a.string(lit("thread_ts"));
    if (!threadTs.isEmpty()) {
        if (dm.isEmpty())
            return error(lit("invalid_arguments"));
        const SandboxMessage *parent = m_ws.message(dm, threadTs);
        if (!parent || (parent->deleted && parent->subtype != QLatin1String("tombstone")))
            return error(lit("thread_not_found"));
        threadTs = parent->threadTs.isEmpty() ? parent->ts : parent->threadTs;
    }
    QStringList ids;
    for (const QJsonValue &v : filesArg.toArray()) {
        const QJsonObject fo = v.toObject();
        SandboxFile *f = m_ws.file(fo.value(lit("id")).toString());
        if (!f || !f->uploaded || f->completed)
            return error(lit("file_not_found"));
        if (fo.contains(lit("title")))
            f->title = fo.value(lit("title")).toString();
        ids.append(f->id);
    }
    QString shareTs;
    if (!dm.isEmpty())
        shareTs = m_ws.newTs();
    for (const QString &id : ids) {
        SandboxFile *f = m_ws.file(id);
        f->completed = true;
        f->channel = dm;
        f->shareTs = shareTs;
        f->threadTs = threadTs;
    }
    if (!dm.isEmpty()) {
        SandboxMessage m;
        m.channel = dm;
        m.ts = shareTs;
        m.user = m_ws.options().botUserId;
        m.byApp = true;
        m.subtype = lit("file_share");
        m.text = a.string(lit("initial_comment"));
        m.threadTs = threadTs;
        m.fileIds = ids;
        if (m.text.isEmpty() && a.has(lit("blocks"))) {
            const QJsonValue blocks = a.complex(lit("blocks"), &parsed);
            if (parsed)
                m.blocks = blocks.toArray();
        }
        m_ws.appendMessage(std::move(m));
        for (const QString &id : ids)
            Q_EMIT m_ws.fileShared(id, dm, shareTs);
    }
    QJsonArray files;
    for (const QString &id : ids)
        files.append(m_ws.fileJson(*m_ws.file(id)));
    return ok(QJsonObject{{lit("files"), files}});
}

WebApi::Reply WebApi::appsConnectionsOpen(const ApiArguments &)
{
    return ok(QJsonObject{{lit("url"), m_connectionUrl ? m_connectionUrl() : QString()}});
}

QHash<QString, WebApi::Handler> WebApi::handlerTable()
{
    return {
        {lit("api.test"), &WebApi::apiTest},
        {lit("auth.test"), &WebApi::authTest},
        {lit("users.list"), &WebApi::usersList},
        {lit("users.info"), &WebApi::usersInfo},
        {lit("users.lookupByEmail"), &WebApi::usersLookupByEmail},
        {lit("conversations.open"), &WebApi::conversationsOpen},
        {lit("conversations.info"), &WebApi::conversationsInfo},
        {lit("conversations.replies"), &WebApi::conversationsReplies},
        {lit("conversations.history"), &WebApi::conversationsHistory},
        {lit("chat.postMessage"), &WebApi::chatPostMessage},
        {lit("chat.update"), &WebApi::chatUpdate},
        {lit("chat.delete"), &WebApi::chatDelete},
        {lit("files.info"), &WebApi::filesInfo},
        {lit("files.delete"), &WebApi::filesDelete},
        {lit("files.getUploadURLExternal"), &WebApi::filesGetUploadUrlExternal},
        {lit("files.completeUploadExternal"), &WebApi::filesCompleteUploadExternal},
        {lit("apps.connections.open"), &WebApi::appsConnectionsOpen},
    };
}

} // namespace threadline::sandbox
