#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace threadline::slack {

//! Slack's v0 request signing (HMAC-SHA256 over "v0:<timestamp>:<raw body>").
class SlackSignature
{
public:
    static constexpr qint64 ToleranceSeconds = 300;

    //! "v0=<hex>" for \a timestamp and the raw \a body.
    static QByteArray compute(const QString &signingSecret, const QByteArray &timestamp,
                              const QByteArray &body);

    //! Checks the headers against the raw body: the timestamp within ±ToleranceSeconds of
    //! \a nowSeconds, and the signature with a constant-time compare. Errors never echo the secret.
    static Result<void> verify(const QString &signingSecret, const QByteArray &timestampHeader,
                               const QByteArray &signatureHeader, const QByteArray &body, qint64 nowSeconds);

    //! Compares without an early exit, so timing reveals nothing about where inputs differ.
    static bool constantTimeEquals(const QByteArray &a, const QByteArray &b);
};

} // namespace threadline::slack
