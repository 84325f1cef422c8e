#include "console.h"
#include "translations.h"

#include "core/version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QLocale>
#include <QSettings>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("threadline"));
    QApplication::setApplicationDisplayName(QStringLiteral("Threadline"));
    QApplication::setOrganizationName(QStringLiteral("Threadline"));
    QApplication::setApplicationVersion(threadline::versionString());
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/threadline.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Threadline: the request desk that lives inside Slack."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption sandbox(
        QStringLiteral("sandbox"),
        QStringLiteral("Start with an in-process sandbox workspace (no Slack needed)."));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"),
                                     QStringLiteral("Keep the database, settings and tokens in <dir>."),
                                     QStringLiteral("dir"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Render the main views to <file> (and <file>-*.png), then quit."),
        QStringLiteral("file"));
    const QCommandLineOption lang(QStringLiteral("lang"), QStringLiteral("Use language <code> (en, de, fr)."),
                                  QStringLiteral("code"));
    parser.addOptions({sandbox, dataDir, screenshot, lang});
    parser.process(app);

    threadline::gui::ConsoleOptions options;
    options.sandbox = parser.isSet(sandbox);
    options.dataDir = parser.isSet(dataDir) ? QDir(parser.value(dataDir)).absolutePath()
                                            : threadline::gui::Console::defaultDataDir();
    options.screenshotPath =
        parser.isSet(screenshot) ? QDir().absoluteFilePath(parser.value(screenshot)) : QString();

    // The language: --lang, else the one chosen in Settings, else the system's.
    QString language = parser.value(lang);
    if (language.isEmpty())
        language =
            QSettings(QDir(options.dataDir).filePath(QStringLiteral("threadline.ini")), QSettings::IniFormat)
                .value(QStringLiteral("language"))
                .toString();
    if (!language.isEmpty())
        QLocale::setDefault(QLocale(language)); // dates and numbers follow the chosen language
    threadline::gui::installTranslations(&app, language);

    threadline::gui::Console console(options);
    console.start();
    return app.exec();
}
