#pragma once

namespace threadline {
class ApiServer;
namespace sync {
class Engine;
}

//! Serves the sync engine's state through the API: /readyz (Slack authenticated, inbound
//! connected), /api/v1/queues, /api/v1/requests/{id}/threads, its /metrics series, and the
//! thread-state and queue events of the change stream. Both must outlive the bridge's use.
void bridgeEngineToApi(sync::Engine &engine, ApiServer &api);

} // namespace threadline
