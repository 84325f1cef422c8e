#pragma once

#include "slack/slackconfig.h"
#include "slack/slackconnectionstate.h"
#include "slack/slackratelimiter.h"
#include "slack/slacktypes.h"

#include <QObject>
#include <QTimer>

class QNetworkAccessManager;

namespace threadline::slack {

class AuthTestJob;

/*!
 * The Web API side of one Slack installation: the injected QNetworkAccessManager, the
 * configuration, the shared rate limiter and the authentication state.
 *
 * authenticate() runs auth.test: Connected with identity() on success; NeedsReauthorization on a
 * token problem (no retry loop); on transient failures it retries with backoff and reports
 * networkError(message, retriesTaken, nextRetryMs).
 *
 * Jobs are constructed by callers with botEndpoint() / appEndpoint() and networkAccessManager()
 * (e.g. `new PostMessageJob(client.networkAccessManager(), client.botEndpoint(), args)`).
 */
class SlackClient : public QObject
{
    Q_OBJECT

public:
    SlackClient(QNetworkAccessManager *nam, const SlackConfig &config, QObject *parent = nullptr);

    QNetworkAccessManager *networkAccessManager() const { return m_nam; }
    const SlackConfig &config() const { return m_config; }
    SlackEndpoint botEndpoint() const { return {m_config.apiUrl, m_config.botToken}; }
    SlackEndpoint appEndpoint() const { return {m_config.apiUrl, m_config.appToken}; }

    SlackRateLimiter &rateLimiter() { return m_limiter; }
    SlackConnectionState *connectionState() const { return m_state; }
    const SlackIdentity &identity() const { return m_identity; }

    Backoff &retryBackoff() { return m_backoff; }

    //! Starts (or restarts) authentication. Does nothing while a check is in flight.
    void authenticate();

Q_SIGNALS:
    void authenticated(const threadline::slack::SlackIdentity &identity);
    void networkError(const QString &message, int retriesTaken, qint64 nextRetryMs);

private Q_SLOTS:
    void onRetryTimeout();

private:
    QNetworkAccessManager *m_nam;
    SlackConfig m_config;
    SlackRateLimiter m_limiter;
    SlackConnectionState *m_state;
    SlackIdentity m_identity;
    Backoff m_backoff{1000, 5 * 60'000};
    QTimer m_retryTimer;
    AuthTestJob *m_job = nullptr;
};

} // namespace threadline::slack
