#pragma once

#include "sync/engine.h"

#include <QStringList>

#include <functional>

namespace threadline::test {

/*!
 * The main() of the bare engine processes the crash tests SIGKILL and restart (not tests by
 * themselves). Checks that the command line has the `usage` arguments (argumentCount of them),
 * hides info and debug logs, and runs an Engine until the process is killed: fast polling (50 ms),
 * retries of 20..200 ms, 1000 attempts, rate limits scaled away, over the database URL of the first
 * argument against the Slack API URL of the second; configure(options, arguments) sets the rest
 * (arguments[0] is the program). Returns 2 on a wrong command line, 1 when the engine cannot start.
 */
int runEngineWorker(int argc, char **argv, const char *usage, int argumentCount,
                    const std::function<void(sync::EngineOptions &, const QStringList &)> &configure);

} // namespace threadline::test
