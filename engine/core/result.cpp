#include "core/result.h"

namespace threadline {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Invalid:
        return QStringLiteral("invalid");
    case ErrorCode::NotFound:
        return QStringLiteral("not_found");
    case ErrorCode::Conflict:
        return QStringLiteral("conflict");
    case ErrorCode::Unavailable:
        return QStringLiteral("unavailable");
    case ErrorCode::Unauthorized:
        return QStringLiteral("unauthorized");
    case ErrorCode::Forbidden:
        return QStringLiteral("forbidden");
    case ErrorCode::RateLimited:
        return QStringLiteral("rate_limited");
    case ErrorCode::TooLarge:
        return QStringLiteral("too_large");
    case ErrorCode::SchemaTooNew:
        return QStringLiteral("schema_too_new");
    case ErrorCode::Internal:
        return QStringLiteral("internal");
    }
    return QStringLiteral("internal");
}

const Error &noError()
{
    static const Error none{ErrorCode::Internal, QStringLiteral("no error"), {}, {}, -1};
    return none;
}

QString Error::toString() const
{
    QString s = errorCodeName(code) + QStringLiteral(": ") + message;
    if (!field.isEmpty())
        s += QStringLiteral(" (field: ") + field + QLatin1Char(')');
    if (!detail.isEmpty())
        s += QStringLiteral(" [") + detail + QLatin1Char(']');
    return s;
}

} // namespace threadline
