#include "sync/synctypes.h"

namespace threadline::sync {

QString laneName(Lane lane)
{
    return lane == Lane::Fast ? QStringLiteral("fast") : QStringLiteral("maintenance");
}

QString engineStateName(EngineState state)
{
    switch (state) {
    case EngineState::Stopped:
        return QStringLiteral("stopped");
    case EngineState::Starting:
        return QStringLiteral("starting");
    case EngineState::Running:
        return QStringLiteral("running");
    case EngineState::NeedsReauthorization:
        return QStringLiteral("needs_reauthorization");
    case EngineState::Stopping:
        return QStringLiteral("stopping");
    case EngineState::Failed:
        return QStringLiteral("failed");
    }
    return QStringLiteral("stopped");
}

} // namespace threadline::sync
