// A bare engine process for the inbound crash test of tst_sync_inbound: runs the whole Engine
// (Socket Mode receipt, inbox processor, planner, outbound scheduler) on a database against a
// Slack API URL until it is killed. Not a test by itself.
//
// usage: tst_sync_inbound_worker <database-url> <slack-api-url> <bot-token> <app-token>

#include "engineworker.h"
#include "slack/socketmodeclient.h"

int main(int argc, char **argv)
{
    return threadline::test::runEngineWorker(
        argc, argv, "<database-url> <slack-api-url> <bot-token> <app-token>", 4,
        [](threadline::sync::EngineOptions &o, const QStringList &args) {
            o.slack.botToken = args[3];
            o.slack.appToken = args[4];
            o.configureSocket = [](threadline::slack::SocketModeClient *socket) {
                socket->setReconnectBackoff(20, 200);
            };
        });
}
