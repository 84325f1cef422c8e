#include "mainwindow.h"
#include "translations.h"

#include "core/version.h"

#include <QApplication>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("threadline"));
    QApplication::setApplicationDisplayName(QStringLiteral("Threadline"));
    QApplication::setOrganizationName(QStringLiteral("Threadline"));
    QApplication::setApplicationVersion(threadline::versionString());

    threadline::gui::installTranslations(&app);

    threadline::gui::MainWindow window;
    window.show();
    return app.exec();
}
