#include "store/textvalidation.h"

#include <QStringDecoder>

namespace threadline {

qsizetype codePointCount(const QString &s)
{
    qsizetype n = 0;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s.at(i).isHighSurrogate() && i + 1 < s.size() && s.at(i + 1).isLowSurrogate())
            ++i;
        ++n;
    }
    return n;
}

Result<QString> checkText(const QString &value, const QString &field, const QString &label, TextRules rules)
{
    for (qsizetype i = 0; i < value.size(); ++i) {
        const QChar c = value.at(i);
        if (c.isHighSurrogate()) {
            if (i + 1 < value.size() && value.at(i + 1).isLowSurrogate()) {
                ++i;
                continue;
            }
            return makeError(ErrorCode::Invalid,
                             label + QStringLiteral(" contains invalid Unicode (a lone surrogate)"), field);
        }
        if (c.isLowSurrogate())
            return makeError(ErrorCode::Invalid,
                             label + QStringLiteral(" contains invalid Unicode (a lone surrogate)"), field);
        const char16_t u = c.unicode();
        if (u == 0)
            return makeError(ErrorCode::Invalid, label + QStringLiteral(" contains a NUL character"), field);
        if (u == u'\n' || u == u'\r') {
            if (!rules.multiline)
                return makeError(ErrorCode::Invalid, label + QStringLiteral(" must be a single line"), field);
            continue;
        }
        if ((u < 0x20 && u != u'\t') || u == 0x7f)
            return makeError(ErrorCode::Invalid, label + QStringLiteral(" contains a control character"),
                             field);
    }
    const QString text = rules.trim ? value.trimmed() : value;
    if (rules.required && text.trimmed().isEmpty())
        return makeError(ErrorCode::Invalid, label + QStringLiteral(" must not be empty"), field);
    if (rules.maxLength > 0 && codePointCount(text) > rules.maxLength)
        return makeError(ErrorCode::TooLarge,
                         label + QStringLiteral(" is longer than %1 characters").arg(rules.maxLength), field);
    if (text.isNull())
        return QStringLiteral(""); // a null QString would be stored as SQL NULL
    return text;
}

Result<QString> textFromUtf8(const QByteArray &bytes, const QString &field)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(bytes);
    if (decoder.hasError())
        return makeError(ErrorCode::Invalid, QStringLiteral("The text is not valid UTF-8"), field);
    return text;
}

} // namespace threadline
