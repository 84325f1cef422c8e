#include "slack/slacksignature.h"

#include <QMessageAuthenticationCode>

namespace threadline::slack {

QByteArray SlackSignature::compute(const QString &signingSecret, const QByteArray &timestamp,
                                   const QByteArray &body)
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, signingSecret.toUtf8());
    mac.addData("v0:", 3);
    mac.addData(timestamp);
    mac.addData(":", 1);
    mac.addData(body);
    return QByteArray("v0=") + mac.result().toHex();
}

bool SlackSignature::constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    const qsizetype n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a.at(i)) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b.at(i)) : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

Result<void> SlackSignature::verify(const QString &signingSecret, const QByteArray &timestampHeader,
                                    const QByteArray &signatureHeader, const QByteArray &body,
                                    qint64 nowSeconds)
{
    if (signingSecret.isEmpty())
        return makeError(ErrorCode::Unauthorized, QStringLiteral("No signing secret is configured"), {},
                         QStringLiteral("no_signing_secret"));
    if (timestampHeader.isEmpty() || signatureHeader.isEmpty())
        return makeError(ErrorCode::Unauthorized, QStringLiteral("The request is not signed"), {},
                         QStringLiteral("missing_signature"));
    bool ok = false;
    const qint64 timestamp = timestampHeader.trimmed().toLongLong(&ok);
    if (!ok)
        return makeError(ErrorCode::Unauthorized, QStringLiteral("The request timestamp is invalid"), {},
                         QStringLiteral("invalid_timestamp"));
    // Compared without a subtraction: a hostile timestamp near the qint64 limits must not overflow.
    if (timestamp < nowSeconds - ToleranceSeconds || timestamp > nowSeconds + ToleranceSeconds)
        return makeError(ErrorCode::Unauthorized,
                         QStringLiteral("The request timestamp is outside the 5-minute window"), {},
                         QStringLiteral("stale_timestamp"));
    const QByteArray expected = compute(signingSecret, timestampHeader.trimmed(), body);
    if (!constantTimeEquals(expected, signatureHeader.trimmed()))
        return makeError(ErrorCode::Unauthorized, QStringLiteral("The request signature does not match"), {},
                         QStringLiteral("invalid_signature"));
    return {};
}

} // namespace threadline::slack
