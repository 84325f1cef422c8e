#include "testsupport.h"

#include <QCoreApplication>
#include <QStandardPaths>

namespace threadline::test {

QString postgresUrl()
{
    return qEnvironmentVariable("THREADLINE_TEST_POSTGRES");
}

bool postgresRequired()
{
    return qEnvironmentVariable("THREADLINE_REQUIRE_POSTGRES") == QLatin1String("1");
}

} // namespace threadline::test

// Redirect every standard location to a test folder before anything reads it, so no test touches
// the user's real data or settings.
static void threadlineEnableTestMode()
{
    QStandardPaths::setTestModeEnabled(true);
}
Q_COREAPP_STARTUP_FUNCTION(threadlineEnableTestMode)
