#include "slack/slackconnectionstate.h"

#include "core/logging.h"

namespace threadline::slack {

SlackConnectionState::SlackConnectionState(QObject *parent)
    : QObject(parent)
{}

void SlackConnectionState::setState(State state, const Error &reason)
{
    m_reason = reason;
    if (m_state == state)
        return;
    m_state = state;
    if (state == State::NeedsReauthorization || state == State::Disabled)
        qCWarning(lcSlack).noquote() << "Slack connection:" << stateName(state) << "-" << reason.toString();
    else
        qCInfo(lcSlack).noquote() << "Slack connection:" << stateName(state);
    Q_EMIT stateChanged(state);
}

QString SlackConnectionState::stateName(State state)
{
    switch (state) {
    case State::Disconnected:
        return QStringLiteral("disconnected");
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Connected:
        return QStringLiteral("connected");
    case State::NeedsReauthorization:
        return QStringLiteral("needs_reauthorization");
    case State::Disabled:
        return QStringLiteral("disabled");
    }
    return QStringLiteral("disconnected");
}

} // namespace threadline::slack
