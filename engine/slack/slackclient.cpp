#include "slack/slackclient.h"

#include "core/logging.h"
#include "slack/authtestjob.h"

namespace threadline::slack {

SlackClient::SlackClient(QNetworkAccessManager *nam, const SlackConfig &config, QObject *parent)
    : QObject(parent)
    , m_nam(nam)
    , m_config(config)
    , m_state(new SlackConnectionState(this))
{
    m_config.apiUrl = SlackConfig::normalizedApiUrl(m_config.apiUrl);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &SlackClient::onRetryTimeout);
}

void SlackClient::authenticate()
{
    if (m_job)
        return;
    m_retryTimer.stop();
    if (m_config.botToken.isEmpty()) {
        m_state->setState(
            SlackConnectionState::State::NeedsReauthorization,
            makeError(ErrorCode::Unauthorized, QStringLiteral("No Slack bot token is configured"),
                      QStringLiteral("THREADLINE_SLACK_BOT_TOKEN"), QStringLiteral("not_authed")));
        return;
    }
    m_state->setState(SlackConnectionState::State::Connecting);
    m_job = new AuthTestJob(m_nam, botEndpoint(), this);
    connect(m_job, &SlackJob::finished, this, [this](SlackJob *) { m_job = nullptr; });
    connect(m_job, &SlackJob::succeeded, this, [this](SlackJob *job) {
        m_identity = static_cast<AuthTestJob *>(job)->identity();
        m_backoff.reset();
        m_limiter.recordCall(QStringLiteral("auth.test"));
        m_state->setState(SlackConnectionState::State::Connected);
        Q_EMIT authenticated(m_identity);
    });
    connect(m_job, &SlackJob::failed, this, [this](SlackJob *, const Error &error, SlackErrorAction action) {
        switch (action) {
        case SlackErrorAction::FixConfiguration:
        case SlackErrorAction::GiveUp:
            m_state->setState(SlackConnectionState::State::NeedsReauthorization, error);
            return;
        case SlackErrorAction::WaitThenRetry:
        case SlackErrorAction::Retry: {
            const qint64 wait = action == SlackErrorAction::WaitThenRetry
                                    ? std::max<qint64>(error.retryAfterMs, 0)
                                    : m_backoff.next();
            m_state->setState(SlackConnectionState::State::Disconnected, error);
            Q_EMIT networkError(error.message, m_backoff.attempts(), wait);
            m_retryTimer.start(int(std::min<qint64>(wait, std::numeric_limits<int>::max())));
            return;
        }
        }
    });
    m_job->start();
}

void SlackClient::onRetryTimeout()
{
    authenticate();
}

} // namespace threadline::slack
