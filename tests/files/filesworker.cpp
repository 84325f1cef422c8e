// A bare engine process for the crash test of tst_files_flow: runs the Engine (inbound on Socket
// Mode, the files pipeline on) on a database against the sandbox until it is killed. Not a test.
//
// usage: tst_files_worker <database-url> <slack-api-url> <files-dir> <download-origin>

#include "engineworker.h"

int main(int argc, char **argv)
{
    return threadline::test::runEngineWorker(
        argc, argv, "<database-url> <slack-api-url> <files-dir> <download-origin>", 4,
        [](threadline::sync::EngineOptions &o, const QStringList &args) {
            o.slack.botToken = QStringLiteral("xoxb-sandbox-bot");
            o.slack.appToken = QStringLiteral("xapp-sandbox-app");
            o.files.storeDir = args[3];
            o.files.downloadHosts = {args[4]};
        });
}
