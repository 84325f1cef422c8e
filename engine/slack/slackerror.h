#pragma once

#include "core/result.h"

#include <QObject>
#include <QString>

namespace threadline::slack {

Q_NAMESPACE

//! What the caller should do about a failed Slack call. Decided once, here, from Slack's error code
//! or the HTTP outcome; callers never match on error strings.
enum class SlackErrorAction
{
    Retry,            //!< transient (5xx, network, timeout, internal_error): retry with backoff
    WaitThenRetry,    //!< rate limited: wait Error::retryAfterMs, then retry
    FixConfiguration, //!< token or scope problem: stop and ask an administrator (needs re-authorization)
    GiveUp,           //!< the request itself cannot succeed (channel_not_found, cant_delete_message, ...)
};
Q_ENUM_NS(SlackErrorAction)

QString slackErrorActionName(SlackErrorAction action);

//! Maps a Slack error code (the "error" field of an ok:false response) to an action.
//! Unknown codes give GiveUp: retrying an unknown failure forever would hide it.
SlackErrorAction classifySlackError(const QString &slackCode);

//! The engine error code that best describes a Slack error code.
ErrorCode errorCodeForSlackError(const QString &slackCode);

//! A failure: the error (detail = Slack's code or the HTTP/network cause) and what to do about it.
struct SlackFailure
{
    Error error;
    SlackErrorAction action = SlackErrorAction::GiveUp;
};

//! Builds the failure for an ok:false response of \a method. Messages never contain secrets.
SlackFailure slackApiFailure(const QString &method, const QString &slackCode, qint64 retryAfterMs = -1);

//! Builds the failure for an HTTP status other than 200 (429 → WaitThenRetry, 5xx → Retry, 401/403 →
//! FixConfiguration, other → GiveUp). \a retryAfterHeader is the raw Retry-After value, if any.
SlackFailure slackHttpFailure(const QString &method, int httpStatus, const QByteArray &retryAfterHeader = {});

//! Parses Retry-After (delta seconds) into milliseconds; -1 when absent or unparsable.
qint64 parseRetryAfterMs(const QByteArray &header);

//! The default wait for a 429 without a usable Retry-After (Python SDK default: 30 s).
constexpr qint64 DefaultRetryAfterMs = 30'000;

} // namespace threadline::slack
