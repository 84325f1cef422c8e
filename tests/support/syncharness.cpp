#include "syncharness.h"

#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>

namespace threadline::test {

namespace {

[[noreturn]] void abortSetUp(const char *what, const Error &error)
{
    qFatal("test set-up failed: %s: %s", what, qPrintable(error.toString()));
}

QString eventType(const sandbox::SandboxMessage &msg)
{
    return msg.metadata.value(QStringLiteral("event_type")).toString();
}

qint64 payloadId(const sandbox::SandboxMessage &msg, const QString &key)
{
    return msg.metadata.value(QStringLiteral("event_payload")).toObject().value(key).toVariant().toLongLong();
}

} // namespace

void quietSyncLogs()
{
    if (qEnvironmentVariableIsEmpty("THREADLINE_TEST_SYNC_LOG"))
        QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false\n"
                                                        "threadline.engine.sync.warning=false"));
}

sandbox::SandboxOptions quietSandboxOptions()
{
    sandbox::SandboxOptions so;
    so.rateLimitsEnabled = false;
    so.serverPingIntervalMs = 0;
    return so;
}

sync::EngineOptions testEngineOptions(const QString &databaseUrl, sandbox::SandboxServer &sandbox,
                                      QNetworkAccessManager *nam)
{
    sync::EngineOptions o;
    o.databaseUrl = databaseUrl;
    o.slack.apiUrl = sandbox.apiUrl();
    o.slack.botToken = sandbox.workspace().options().botToken;
    o.slack.appToken = sandbox.workspace().options().appToken;
    o.nam = nam;
    o.pollIntervalMs = 100;
    o.retryBaseMs = 20;
    o.retryMaxMs = 200;
    o.maxAttempts = 30;
    o.rateLimitScale = 1000; // the sandbox runs without limits here, unless a test turns them on
    return o;
}

Member addMember(sandbox::Workspace &workspace, Store *store, const QString &name, bool agent)
{
    const auto user = workspace.addUser(name, name.toLower() + QStringLiteral("@example.com"));
    auto p = store->upsertPerson({user.id, name, user.email, agent});
    if (!p)
        abortSetUp("upsertPerson", p.error());
    return {p.value().id, user.id};
}

qint64 createRequest(Store *store, const Member &requester, const QList<Member> &followers,
                     const Member &assignee, const QString &title, const QString &body)
{
    NewRequest n;
    n.title = title;
    n.body = body;
    n.requesterId = requester.personId;
    n.assigneeId = assignee.personId;
    for (const Member &f : followers)
        n.followerIds << f.personId;
    auto r = store->createRequest(n);
    if (!r)
        abortSetUp("createRequest", r.error());
    return r.value().id;
}

bool queueIdle(const sync::QueueStats &s)
{
    return s.fastPending == 0 && s.maintenancePending == 0 && s.inFlight == 0 && s.changeFeedLag == 0;
}

QList<const sandbox::SandboxMessage *> summaries(const sandbox::Workspace &workspace, const Member &m,
                                                 qint64 requestId)
{
    QList<const sandbox::SandboxMessage *> out;
    const QString dm = workspace.dmOf(m.slackId);
    if (dm.isEmpty())
        return out;
    for (const sandbox::SandboxMessage *msg : workspace.topLevel(dm)) {
        if (msg->deleted || !msg->byApp || eventType(*msg) != QLatin1String("threadline_summary"))
            continue;
        if (payloadId(*msg, QStringLiteral("request_id")) == requestId)
            out.append(msg);
    }
    return out;
}

QList<const sandbox::SandboxMessage *> threadReplies(const sandbox::Workspace &workspace, const Member &m,
                                                     qint64 requestId)
{
    const auto tops = summaries(workspace, m, requestId);
    if (tops.size() != 1)
        return {};
    QList<const sandbox::SandboxMessage *> out;
    for (const sandbox::SandboxMessage *msg : workspace.replies(tops.first()->channel, tops.first()->ts)) {
        if (msg->ts != tops.first()->ts && !msg->deleted)
            out.append(msg);
    }
    return out;
}

QList<qint64> postedUpdateIds(const sandbox::Workspace &workspace, const Member &m, qint64 requestId)
{
    QList<qint64> ids;
    for (const sandbox::SandboxMessage *msg : threadReplies(workspace, m, requestId)) {
        if (eventType(*msg) == QLatin1String("threadline_update"))
            ids.append(payloadId(*msg, QStringLiteral("update_id")));
    }
    return ids;
}

} // namespace threadline::test
