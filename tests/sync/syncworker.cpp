// A bare engine process for the crash test of tst_sync_outbound: runs the outbound Engine on a
// database against a Slack API URL until it is killed. Not a test by itself.
//
// usage: tst_sync_outbound_worker <database-url> <slack-api-url> <bot-token>

#include "engineworker.h"

int main(int argc, char **argv)
{
    return threadline::test::runEngineWorker(argc, argv, "<database-url> <slack-api-url> <bot-token>", 3,
                                             [](threadline::sync::EngineOptions &o, const QStringList &args) {
                                                 o.slack.botToken = args[3];
                                                 o.inboundEnabled = false;
                                             });
}
