#include "core/logging.h"

Q_LOGGING_CATEGORY(lcStore, "threadline.engine.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSlack, "threadline.engine.slack", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSlackWire, "threadline.engine.slack.wire", QtWarningMsg)
Q_LOGGING_CATEGORY(lcSocket, "threadline.engine.slack.socket", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSync, "threadline.engine.sync", QtInfoMsg)
Q_LOGGING_CATEGORY(lcFiles, "threadline.engine.files", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApi, "threadline.engine.api", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSandbox, "threadline.sandbox", QtInfoMsg)
Q_LOGGING_CATEGORY(lcDaemon, "threadline.daemon", QtInfoMsg)
