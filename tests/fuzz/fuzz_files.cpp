// The pure functions of the attachment pipeline (engine/files/filedetect.h): file names from Slack
// or an upload, signature (magic bytes) and MIME detection, storage keys, download host checks.
//
// Input: byte 0 picks a maximum name length; the rest is split at the first NUL into a "name"
// part and a "content" part (the first bytes of a file).
// Invariants: a sanitised name is never empty, never longer than asked, has no directory part, no
// control, bidi or reserved characters, no leading dot, no trailing dot or space, no lone surrogate,
// and sanitising it again changes nothing; a storage key never leaves its folder; a refused
// signature always says why.

#include "fuzzsupport.h"

#include "files/filedetect.h"

using namespace threadline::files;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const int maxLength = 1 + data[0] % 250;
    const QByteArray rest = threadline::fuzz::bytes(data + 1, size - 1);
    const qsizetype nul = rest.indexOf('\0');
    const QByteArray nameBytes = nul < 0 ? rest : rest.left(nul);
    const QByteArray content = nul < 0 ? QByteArray() : rest.mid(nul + 1);

    const QString utf16 =
        QString(reinterpret_cast<const QChar *>(nameBytes.constData()), nameBytes.size() / 2);
    for (const QString &raw : {QString::fromUtf8(nameBytes), utf16}) {
        const QString name = sanitizeFileName(raw, maxLength);
        FUZZ_CHECK(!name.isEmpty(), raw);
        FUZZ_CHECK(name.toUcs4().size() <= std::max(maxLength, 8), name); // 8: the documented floor
        FUZZ_CHECK(sanitizeFileName(name, maxLength) == name, raw + QStringLiteral(" → ") + name);
        FUZZ_CHECK(!name.startsWith(QLatin1Char('.')), name);
        FUZZ_CHECK(!name.endsWith(QLatin1Char('.')) && !name.endsWith(QLatin1Char(' ')), name);
        for (qsizetype i = 0; i < name.size(); ++i) {
            const QChar c = name.at(i);
            FUZZ_CHECK(c.unicode() >= 0x20 && c.unicode() != 0x7f, name);
            FUZZ_CHECK(!QStringLiteral("/\\<>:\"|?*").contains(c), name);
            FUZZ_CHECK(!(c.unicode() >= 0x202a && c.unicode() <= 0x202e) &&
                           !(c.unicode() >= 0x2066 && c.unicode() <= 0x2069) && c.unicode() != 0x200b &&
                           c.unicode() != 0xfeff,
                       name);
            if (c.isHighSurrogate())
                FUZZ_CHECK(i + 1 < name.size() && name.at(i + 1).isLowSurrogate(), name);
            if (c.isLowSurrogate())
                FUZZ_CHECK(i > 0 && name.at(i - 1).isHighSurrogate(), name);
        }
        const QString extension = fileExtension(name);
        FUZZ_CHECK(extension == extension.toLower(), extension);
        (void)mimeTypeForExtension(extension);

        const SignatureVerdict verdict = checkSignature(content, QString::fromUtf8(nameBytes.left(80)), name);
        if (!verdict.ok)
            FUZZ_CHECK(!verdict.code.isEmpty() && !verdict.reason.isEmpty(), name);
        const QString sniffed = sniffMimeType(content);
        FUZZ_CHECK(!sniffed.isEmpty(), sniffed);
        (void)isKnownImageType(sniffed);
        (void)looksLikeHtml(content);
        (void)typeAllowed(raw, raw.split(QLatin1Char(',')));

        const QString key = storageKeyFor(raw);
        if (!key.isEmpty()) {
            FUZZ_CHECK(isSha256Hex(raw), raw);
            FUZZ_CHECK(isValidStorageKey(key), key);
        }
        if (isValidStorageKey(raw))
            FUZZ_CHECK(!raw.contains(QLatin1String("..")) && !raw.startsWith(QLatin1Char('/')), raw);

        const QUrl url(raw);
        if (hostAllowed(url, {QStringLiteral("files.slack.com"), QStringLiteral("*.slack-edge.com"),
                              QStringLiteral("http://127.0.0.1:8080")}))
            FUZZ_CHECK(url.userInfo().isEmpty(), raw);
        FUZZ_CHECK(parseByteSize(raw) >= -1, raw);
    }
    return 0;
}
