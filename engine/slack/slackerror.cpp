#include "slack/slackerror.h"

#include <QSet>

namespace threadline::slack {

namespace {

const QSet<QString> &configurationErrors()
{
    static const QSet<QString> codes = {
        QStringLiteral("invalid_auth"),
        QStringLiteral("not_authed"),
        QStringLiteral("account_inactive"),
        QStringLiteral("token_revoked"),
        QStringLiteral("token_expired"),
        QStringLiteral("missing_scope"),
        QStringLiteral("no_permission"),
        QStringLiteral("not_allowed_token_type"),
        QStringLiteral("team_disabled"),
        QStringLiteral("user_removed_from_team"),
        QStringLiteral("ekm_access_denied"),
        QStringLiteral("two_factor_setup_required"),
        QStringLiteral("access_denied"),
        QStringLiteral("forbidden_team"),
        QStringLiteral("org_login_required"),
        QStringLiteral("enterprise_is_restricted"),
        QStringLiteral("team_access_not_granted"),
        QStringLiteral("invalid_token"),
        QStringLiteral("app_uninstalled"),
        QStringLiteral("not_authorized"),
        QStringLiteral("insecure_request"),
        QStringLiteral("deprecated_endpoint"),
        QStringLiteral("method_deprecated"),
    };
    return codes;
}

const QSet<QString> &transientErrors()
{
    static const QSet<QString> codes = {
        QStringLiteral("internal_error"),      QStringLiteral("fatal_error"),
        QStringLiteral("service_unavailable"), QStringLiteral("request_timeout"),
        QStringLiteral("team_added_to_org"),   QStringLiteral("upload_failed"),
    };
    return codes;
}

const QSet<QString> &waitErrors()
{
    static const QSet<QString> codes = {
        QStringLiteral("ratelimited"),
        QStringLiteral("rate_limited"),
        QStringLiteral("message_limit_exceeded"),
    };
    return codes;
}

} // namespace

QString slackErrorActionName(SlackErrorAction action)
{
    switch (action) {
    case SlackErrorAction::Retry:
        return QStringLiteral("retry");
    case SlackErrorAction::WaitThenRetry:
        return QStringLiteral("wait_then_retry");
    case SlackErrorAction::FixConfiguration:
        return QStringLiteral("fix_configuration");
    case SlackErrorAction::GiveUp:
        return QStringLiteral("give_up");
    }
    return QStringLiteral("give_up");
}

SlackErrorAction classifySlackError(const QString &slackCode)
{
    if (waitErrors().contains(slackCode))
        return SlackErrorAction::WaitThenRetry;
    if (configurationErrors().contains(slackCode))
        return SlackErrorAction::FixConfiguration;
    if (transientErrors().contains(slackCode))
        return SlackErrorAction::Retry;
    return SlackErrorAction::GiveUp;
}

ErrorCode errorCodeForSlackError(const QString &code)
{
    if (waitErrors().contains(code))
        return ErrorCode::RateLimited;
    if (code == QLatin1String("missing_scope") || code == QLatin1String("no_permission") ||
        code == QLatin1String("not_allowed_token_type") || code == QLatin1String("access_denied"))
        return ErrorCode::Forbidden;
    if (configurationErrors().contains(code))
        return ErrorCode::Unauthorized;
    if (transientErrors().contains(code))
        return ErrorCode::Unavailable;
    if (code.endsWith(QLatin1String("_not_found")) || code == QLatin1String("file_deleted"))
        return ErrorCode::NotFound;
    if (code.startsWith(QLatin1String("cant_")) || code == QLatin1String("not_in_channel") ||
        code == QLatin1String("is_archived") || code == QLatin1String("edit_window_closed") ||
        code == QLatin1String("restricted_action") || code == QLatin1String("posting_to_channel_denied") ||
        code == QLatin1String("user_disabled") || code == QLatin1String("user_not_visible"))
        return ErrorCode::Forbidden;
    if (code.contains(QLatin1String("too_long")) || code.contains(QLatin1String("too_large")) ||
        code.startsWith(QLatin1String("too_many_")) || code == QLatin1String("channels_limit_exceeded"))
        return ErrorCode::TooLarge;
    return ErrorCode::Invalid;
}

SlackFailure slackApiFailure(const QString &method, const QString &slackCode, qint64 retryAfterMs)
{
    const QString code = slackCode.isEmpty() ? QStringLiteral("unknown_error") : slackCode;
    SlackFailure failure;
    failure.action = classifySlackError(code);
    failure.error = makeError(errorCodeForSlackError(code),
                              QStringLiteral("Slack rejected %1: %2").arg(method, code), {}, code);
    if (failure.action == SlackErrorAction::WaitThenRetry)
        failure.error.retryAfterMs = retryAfterMs >= 0 ? retryAfterMs : DefaultRetryAfterMs;
    return failure;
}

SlackFailure slackHttpFailure(const QString &method, int httpStatus, const QByteArray &retryAfterHeader)
{
    SlackFailure failure;
    const QString detail = QStringLiteral("http_%1").arg(httpStatus);
    if (httpStatus == 429) {
        const qint64 wait = parseRetryAfterMs(retryAfterHeader);
        failure.action = SlackErrorAction::WaitThenRetry;
        failure.error = makeError(ErrorCode::RateLimited, QStringLiteral("Slack rate-limited %1").arg(method),
                                  {}, QStringLiteral("ratelimited"));
        failure.error.retryAfterMs = wait >= 0 ? wait : DefaultRetryAfterMs;
    } else if (httpStatus >= 500) {
        failure.action = SlackErrorAction::Retry;
        failure.error = makeError(
            ErrorCode::Unavailable,
            QStringLiteral("Slack is unavailable for %1 (HTTP %2)").arg(method).arg(httpStatus), {}, detail);
    } else if (httpStatus == 401 || httpStatus == 403) {
        failure.action = SlackErrorAction::FixConfiguration;
        failure.error = makeError(
            ErrorCode::Unauthorized,
            QStringLiteral("Slack refused the credentials for %1 (HTTP %2)").arg(method).arg(httpStatus), {},
            detail);
    } else if (httpStatus == 408) {
        failure.action = SlackErrorAction::Retry;
        failure.error =
            makeError(ErrorCode::Unavailable, QStringLiteral("Slack timed out %1").arg(method), {}, detail);
    } else {
        failure.action = SlackErrorAction::GiveUp;
        failure.error = makeError(
            ErrorCode::Invalid, QStringLiteral("Slack answered %1 with HTTP %2").arg(method).arg(httpStatus),
            {}, detail);
    }
    return failure;
}

qint64 parseRetryAfterMs(const QByteArray &header)
{
    bool ok = false;
    const qint64 seconds = header.trimmed().toLongLong(&ok);
    if (!ok || seconds < 0)
        return -1;
    return qMin<qint64>(seconds, 24 * 3600) * 1000;
}

} // namespace threadline::slack
