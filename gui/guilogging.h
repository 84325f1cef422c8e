#pragma once

#include <QLoggingCategory>

// Logging categories of the console. Never log a token or a secret.
Q_DECLARE_LOGGING_CATEGORY(lcGui)      // threadline.gui
Q_DECLARE_LOGGING_CATEGORY(lcGuiStore) // threadline.gui.store
