#pragma once

#include "core/result.h"

#include <QObject>

namespace threadline::slack {

/*!
 * The visible state of one Slack connection (Web API authentication or a Socket Mode link).
 *
 * Transitions:
 * - Disconnected → Connecting (start / reconnect)
 * - Connecting → Connected (auth.test ok, or Socket Mode hello received)
 * - Connecting/Connected → Disconnected (drop; a reconnect follows with backoff)
 * - any → NeedsReauthorization (invalid_auth, token_revoked, missing_scope, ...): terminal until
 *   the configuration changes and start() is called again; never retried in a loop
 * - any → Disabled (Socket Mode link_disabled): terminal until start() is called again
 */
class SlackConnectionState : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)

public:
    enum class State
    {
        Disconnected,
        Connecting,
        Connected,
        NeedsReauthorization,
        Disabled
    };
    Q_ENUM(State)

    explicit SlackConnectionState(QObject *parent = nullptr);

    State state() const { return m_state; }
    //! Why the current state was entered (user-facing; never contains a secret).
    const Error &reason() const { return m_reason; }
    bool isTerminal() const { return m_state == State::NeedsReauthorization || m_state == State::Disabled; }

    //! Changes the state; emits stateChanged only when it actually changes.
    void setState(State state, const Error &reason = {});

    static QString stateName(State state);

Q_SIGNALS:
    void stateChanged(threadline::slack::SlackConnectionState::State state);

private:
    State m_state = State::Disconnected;
    Error m_reason;
};

} // namespace threadline::slack
