#pragma once

#include <QLoggingCategory>

// Logging categories of the engine, one per module. Default level is Info: debug output of a
// category is enabled with QT_LOGGING_RULES or the daemon's --log-rules. Never log a secret.
Q_DECLARE_LOGGING_CATEGORY(lcStore)     // threadline.engine.store
Q_DECLARE_LOGGING_CATEGORY(lcSlack)     // threadline.engine.slack
Q_DECLARE_LOGGING_CATEGORY(lcSlackWire) // threadline.engine.slack.wire (Warning by default)
Q_DECLARE_LOGGING_CATEGORY(lcSocket)    // threadline.engine.slack.socket
Q_DECLARE_LOGGING_CATEGORY(lcSync)      // threadline.engine.sync
Q_DECLARE_LOGGING_CATEGORY(lcFiles)     // threadline.engine.files
Q_DECLARE_LOGGING_CATEGORY(lcApi)       // threadline.engine.api
Q_DECLARE_LOGGING_CATEGORY(lcSandbox)   // threadline.sandbox
Q_DECLARE_LOGGING_CATEGORY(lcDaemon)    // threadline.daemon
