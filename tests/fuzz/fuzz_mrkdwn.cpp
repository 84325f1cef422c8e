// mrkdwn encoding (desk text → Slack) and decoding (Slack → desk text), and truncation.
//
// Invariants: decode(encode(s)) == s; encode() never produces markup (no '<' or '>') nor a live
// @channel / @here / @everyone, so desk text can never ping a channel; truncate() never exceeds its
// limit, never splits a surrogate pair and never cuts an entity of encoded text.

#include "fuzzsupport.h"

#include "slack/mrkdwn.h"

#include <QRegularExpression>

using namespace threadline::slack;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const int limit = data[0];
    const QByteArray raw = threadline::fuzz::bytes(data + 1, size - 1);
    // Both readings: the bytes as UTF-8 (invalid sequences become U+FFFD) and as raw UTF-16 units
    // (lone surrogates included).
    const QString utf8 = QString::fromUtf8(raw);
    const QString utf16 = QString(reinterpret_cast<const QChar *>(raw.constData()), raw.size() / 2);

    static const QRegularExpression live(QStringLiteral("@(channel|here|everyone)\\b"),
                                         QRegularExpression::CaseInsensitiveOption);
    for (const QString &text : {utf8, utf16}) {
        const QString encoded = mrkdwn::encode(text);
        FUZZ_CHECK(!encoded.contains(QLatin1Char('<')) && !encoded.contains(QLatin1Char('>')), encoded);
        FUZZ_CHECK(!live.match(encoded).hasMatch(), encoded);
        FUZZ_CHECK(mrkdwn::decode(encoded) == text, text + QStringLiteral(" → ") + encoded);
        FUZZ_CHECK(mrkdwn::unescape(mrkdwn::escape(text)) == text, text);

        // Hostile Slack text: decoding never crashes, with and without name lookups.
        const auto lookup = [](const QString &id) { return id.size() % 2 ? id : QString(); };
        (void)mrkdwn::decode(text);
        (void)mrkdwn::decode(text, lookup, lookup);
        (void)mrkdwn::userMention(text);

        for (const bool isEncoded : {false, true}) {
            const QString &source = isEncoded ? encoded : text;
            const QString cut = mrkdwn::truncate(source, limit, isEncoded);
            FUZZ_CHECK(cut.size() <= std::max(limit, 0), cut);
            if (source.size() <= limit) {
                FUZZ_CHECK(cut == source, cut);
                continue;
            }
            if (limit <= 0)
                continue;
            FUZZ_CHECK(cut.endsWith(QChar(0x2026)), cut);
            const QString kept = cut.chopped(1);
            FUZZ_CHECK(source.startsWith(kept), cut);
            // Never splits a pair (a lone high surrogate of the input may stay: it was never a pair).
            FUZZ_CHECK(kept.isEmpty() || !kept.back().isHighSurrogate() ||
                           !source.at(kept.size()).isLowSurrogate(),
                       cut);
            if (isEncoded) {
                // The kept part of encoded text ends with a whole entity, never inside one.
                const qsizetype amp = kept.lastIndexOf(QLatin1Char('&'));
                const QStringView tail = QStringView(kept).mid(std::max<qsizetype>(amp, 0));
                FUZZ_CHECK(amp < 0 || tail.startsWith(QLatin1String("&amp;")) ||
                               tail.startsWith(QLatin1String("&lt;")) ||
                               tail.startsWith(QLatin1String("&gt;")),
                           kept);
            }
        }
    }
    return 0;
}
