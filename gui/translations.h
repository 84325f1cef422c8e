#pragma once

#include <QLocale>
#include <QString>

class QCoreApplication;

namespace threadline::gui {

//! Installs the console's translation (and Qt's own) for a language. An empty language follows the
//! system locale. Returns the language actually installed ("en" when none matched).
QString installTranslations(QCoreApplication *app, const QString &language = {});

} // namespace threadline::gui
