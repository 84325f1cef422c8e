#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace threadline {

//! How a piece of user text is checked before it is stored.
struct TextRules
{
    int maxLength = 0;      //!< in Unicode code points
    bool required = true;   //!< blank (empty or only white space) is refused
    bool multiline = false; //!< single-line text refuses line breaks
    bool trim = true;       //!< leading and trailing white space is removed
};

//! Checks user text: no NUL, no other C0 control character except tab (and line breaks in
//! multi-line text), no lone UTF-16 surrogate, within the length limit. Returns the text to store
//! (trimmed when the rules say so) or an Error naming the field: Invalid, or TooLarge for length.
//! U+FFFD is accepted as a character of its own; decode raw bytes with textFromUtf8() so that a
//! failed decode is refused instead of turning into U+FFFD.
Result<QString> checkText(const QString &value, const QString &field, const QString &label, TextRules rules);

//! Decodes UTF-8 strictly: invalid or truncated sequences are refused (Invalid), never replaced.
Result<QString> textFromUtf8(const QByteArray &bytes, const QString &field);

//! Number of Unicode code points in s (a surrogate pair counts once).
qsizetype codePointCount(const QString &s);

} // namespace threadline
