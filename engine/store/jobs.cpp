// Sync jobs: the one place a job row is inserted (the planners, the inbound processor and the
// files pipeline all queue through Store::enqueueJob). The scheduler's claims and results live with
// the sync engine (docs/sync.md).

#include "store/store.h"

namespace threadline {

namespace {

QVariant idOrNull(qint64 id)
{
    return id > 0 ? QVariant(id) : QVariant(QMetaType::fromType<qint64>());
}

} // namespace

Result<bool> Store::enqueueJob(const NewJob &job)
{
    const qint64 now = this->now();
    auto r = execAffected(
        QStringLiteral(
            "INSERT INTO jobs (lane, kind, ordering_key, payload, not_before, state, created_at, "
            "updated_at, request_id, conversation_id, update_id, dedupe_key) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING"),
        {job.lane, job.kind, job.orderingKey, job.payload.isEmpty() ? QStringLiteral("{}") : job.payload,
         job.notBefore > 0 ? job.notBefore : now, now, now, idOrNull(job.requestId),
         idOrNull(job.conversationId), idOrNull(job.updateId),
         job.dedupeKey.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(job.dedupeKey)});
    if (!r)
        return r.error();
    return r.value() > 0;
}

} // namespace threadline
