#pragma once

#include "sandbox/sandboxserver.h"
#include "store/store.h"
#include "sync/engine.h"

#include <QList>
#include <QString>

class QNetworkAccessManager;

namespace threadline::test {

//! A desk person with a sandbox Slack account.
struct Member
{
    qint64 personId = 0;
    QString slackId;
};

//! Unless THREADLINE_TEST_SYNC_LOG is set: hides the info and debug logs and the sync warnings of
//! the engine (the faults the tests provoke on purpose).
void quietSyncLogs();

//! Sandbox options for the engine tests: no rate limits, no server pings (tests turn them on).
sandbox::SandboxOptions quietSandboxOptions();

//! Engine options for a test engine on databaseUrl against the sandbox: its API URL and both tokens,
//! fast polling and retries (100 ms poll, 20..200 ms backoff, 30 attempts), rate limits scaled away.
//! Inbound (Socket Mode) is on, as in production; outbound-only tests turn inboundEnabled off.
sync::EngineOptions testEngineOptions(const QString &databaseUrl, sandbox::SandboxServer &sandbox,
                                      QNetworkAccessManager *nam);

//! A new sandbox user `name` (email name@example.com) and the desk person for it.
//! Aborts the test program when the store refuses the person.
Member addMember(sandbox::Workspace &workspace, Store *store, const QString &name, bool agent = false);

//! A new request by requester with the followers and the assignee (none when its personId is 0).
//! Aborts the test program when the store refuses it.
qint64 createRequest(Store *store, const Member &requester, const QList<Member> &followers,
                     const Member &assignee, const QString &title, const QString &body);

//! True when the engine has nothing left to do: no job pending or in flight, the change feed planned.
bool queueIdle(const sync::QueueStats &stats);

//! The app's live top-level messages in the person's DM carrying a summary marker of this request.
QList<const sandbox::SandboxMessage *> summaries(const sandbox::Workspace &workspace, const Member &m,
                                                 qint64 requestId);
//! The live replies in the person's thread of the request (app messages and the person's own);
//! empty unless the person has exactly one summary of it.
QList<const sandbox::SandboxMessage *> threadReplies(const sandbox::Workspace &workspace, const Member &m,
                                                     qint64 requestId);
//! The update ids of the threadline_update markers in the person's thread, in thread order.
QList<qint64> postedUpdateIds(const sandbox::Workspace &workspace, const Member &m, qint64 requestId);

} // namespace threadline::test
