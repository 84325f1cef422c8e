#pragma once

#include <QList>
#include <QString>
#include <QUrl>

namespace threadline::sandbox {

//! Everything that shapes a sandbox workspace. Defaults mimic Slack; every timer is settable so
//! tests can run Slack's timing in milliseconds.
struct SandboxOptions
{
    QString botToken = QStringLiteral("xoxb-sandbox-bot");
    QString appToken = QStringLiteral("xapp-sandbox-app");
    QString signingSecret = QStringLiteral("sandbox-signing-secret");
    QUrl eventsUrl; //!< when set, events go over HTTP (signed) instead of Socket Mode

    QString teamId = QStringLiteral("T0SANDBOX");
    QString teamName = QStringLiteral("Threadline Sandbox");
    QString teamDomain = QStringLiteral("threadline-sandbox");
    QString appId = QStringLiteral("A0SANDBOX");
    QString appName = QStringLiteral("Threadline");
    QString botId = QStringLiteral("B0SANDBOX");
    QString botUserId = QStringLiteral("U0SANDBOXBOT");
    QString botUserName = QStringLiteral("threadline");

    // Rate limits
    bool rateLimitsEnabled = true;
    double timeScale = 1.0;           //!< Slack's clock runs this many times faster than ours
    int postPerChannelPerSecond = 1;  //!< chat.postMessage per channel
    int postChannelBurst = 3;         //!< short bursts tolerated per channel
    int postWorkspacePerMinute = 300; //!< workspace-wide cap on chat.postMessage

    // Socket Mode
    int ackTimeoutMs = 3000;                       //!< redeliver when not acked within this
    QList<int> retryDelaysMs = {0, 60000, 300000}; //!< delay before retry 1, 2, 3 (after the failed attempt)
    int maxSockets = 10;
    int connectionLifetimeSec = 3600; //!< approximate_connection_time (debug_reconnects: 360)
    int serverPingIntervalMs = 10000; //!< 0 = the server never pings
    int warningGraceMs = 10000;       //!< socket closed this long after a `warning`
    int ticketLifetimeMs = 60000;     //!< a wss ticket may be reused this long
    int maxPendingEvents = 10000;     //!< undelivered events kept while no app listens

    // HTTP Events
    int httpTimeoutMs = 3000;

    // Demo colleagues
    int personaDelayMs = 4000;

    // Limits of the wire
    qint64 maxBodyBytes = 8 * 1024 * 1024;    //!< Web API and control bodies
    qint64 maxUploadBytes = 64 * 1024 * 1024; //!< files uploaded to upload_url

    QString stateFile; //!< empty = in memory only
    quint32 seed = 1;  //!< seeds the fault dice, so fault runs are reproducible
};

} // namespace threadline::sandbox
