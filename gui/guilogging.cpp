#include "guilogging.h"

Q_LOGGING_CATEGORY(lcGui, "threadline.gui", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGuiStore, "threadline.gui.store", QtInfoMsg)
