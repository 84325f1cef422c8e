#include "core/logging.h"
#include "core/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("threadlined"));
    QCoreApplication::setOrganizationName(QStringLiteral("Threadline"));
    QCoreApplication::setApplicationVersion(threadline::versionString());

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Threadline server: the request desk engine, headless."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);

    qCInfo(lcDaemon) << "threadlined" << threadline::versionString() << "has nothing to serve yet";
    return 0;
}
