#include "files/filedetect.h"

#include <QHash>
#include <QRegularExpression>
#include <QStringDecoder>

namespace threadline::files {

namespace {

bool startsWith(QByteArrayView head, QByteArrayView magic)
{
    return head.size() >= magic.size() && head.first(magic.size()) == magic;
}

bool at(QByteArrayView head, qsizetype offset, QByteArrayView magic)
{
    return head.size() >= offset + magic.size() && head.sliced(offset, magic.size()) == magic;
}

bool isForbiddenCodePoint(char32_t c)
{
    if (c < 0x20 || (c >= 0x7f && c < 0xa0))
        return true; // C0, DEL, C1 controls
    switch (c) {
    case U'/':
    case U'\\':
    case U'<':
    case U'>':
    case U':':
    case U'"':
    case U'|':
    case U'?':
    case U'*':
    case 0x200b: // zero width space
    case 0x200c:
    case 0x200d:
    case 0x200e: // LRM / RLM
    case 0x200f:
    case 0x2028: // line / paragraph separators
    case 0x2029:
    case 0x202a: // bidi embeddings and overrides
    case 0x202b:
    case 0x202c:
    case 0x202d:
    case 0x202e:
    case 0x2066: // bidi isolates
    case 0x2067:
    case 0x2068:
    case 0x2069:
    case 0xfeff: // BOM / zero width no-break space
    case 0xfffe:
    case 0xffff:
        return true;
    default:
        return false;
    }
}

bool isReservedDeviceName(const QString &stem)
{
    static const QStringList reserved = {
        QStringLiteral("con"),  QStringLiteral("prn"),  QStringLiteral("aux"),  QStringLiteral("nul"),
        QStringLiteral("com1"), QStringLiteral("com2"), QStringLiteral("com3"), QStringLiteral("com4"),
        QStringLiteral("com5"), QStringLiteral("com6"), QStringLiteral("com7"), QStringLiteral("com8"),
        QStringLiteral("com9"), QStringLiteral("lpt1"), QStringLiteral("lpt2"), QStringLiteral("lpt3"),
        QStringLiteral("lpt4"), QStringLiteral("lpt5"), QStringLiteral("lpt6"), QStringLiteral("lpt7"),
        QStringLiteral("lpt8"), QStringLiteral("lpt9")};
    return reserved.contains(stem.toLower());
}

//! Cuts \a s to at most \a n code points without splitting a surrogate pair.
QString leftCodePoints(const QString &s, int n)
{
    QString out;
    int count = 0;
    for (qsizetype i = 0; i < s.size() && count < n; ++i) {
        const QChar c = s.at(i);
        if (c.isHighSurrogate() && i + 1 < s.size()) {
            out += c;
            out += s.at(++i);
        } else {
            out += c;
        }
        ++count;
    }
    return out;
}

int codePointCount(const QString &s)
{
    return int(s.toUcs4().size());
}

QByteArrayView skipBomAndSpace(QByteArrayView head)
{
    if (startsWith(head, "\xEF\xBB\xBF"))
        head = head.sliced(3);
    while (!head.isEmpty() && (head.front() == ' ' || head.front() == '\t' || head.front() == '\r' ||
                               head.front() == '\n' || head.front() == '\f'))
        head = head.sliced(1);
    return head;
}

bool startsWithNoCase(QByteArrayView head, QByteArrayView prefix)
{
    if (head.size() < prefix.size())
        return false;
    for (qsizetype i = 0; i < prefix.size(); ++i) {
        char a = head.at(i);
        if (a >= 'A' && a <= 'Z')
            a = char(a - 'A' + 'a');
        if (a != prefix.at(i))
            return false;
    }
    return true;
}

bool isUtf8Text(QByteArrayView head)
{
    if (head.isEmpty() || head.contains('\0'))
        return false;
    // A multi-byte sequence cut by the sniff window is not an error: decode all but the last 3 bytes
    // strictly when the head is the window, else everything.
    QByteArrayView body = head.size() >= SniffBytes ? head.first(head.size() - 3) : head;
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder(body);
    if (decoder.hasError())
        return false;
    for (const QChar c : text) {
        const ushort u = c.unicode();
        if (u < 0x20 && u != '\n' && u != '\r' && u != '\t' && u != '\f')
            return false;
    }
    return true;
}

QString normalizedType(const QString &mimeType)
{
    return mimeType.section(QLatin1Char(';'), 0, 0).trimmed().toLower();
}

} // namespace

QString sanitizeFileName(const QString &name, int maxLength)
{
    maxLength = std::max(maxLength, 1);
    // The last path component of either separator: "../../etc/passwd" → "passwd".
    QString base = name;
    const qsizetype slash = std::max(base.lastIndexOf(QLatin1Char('/')), base.lastIndexOf(QLatin1Char('\\')));
    if (slash >= 0)
        base = base.mid(slash + 1);
    QString clean;
    clean.reserve(base.size());
    for (qsizetype i = 0; i < base.size(); ++i) {
        const QChar c = base.at(i);
        char32_t cp = c.unicode();
        if (c.isHighSurrogate()) {
            if (i + 1 < base.size() && base.at(i + 1).isLowSurrogate()) {
                cp = QChar::surrogateToUcs4(c, base.at(i + 1));
                clean += c;
                clean += base.at(++i);
            }
            continue; // a lone high surrogate is dropped
        }
        if (c.isLowSurrogate())
            continue; // a lone low surrogate is dropped
        if (isForbiddenCodePoint(cp)) {
            clean += QLatin1Char('_');
            continue;
        }
        clean += c;
    }
    // Whitespace runs become one space; no leading dots or spaces (hidden files, "..", "."), no
    // trailing dots or spaces (Windows drops them); cut to maxLength keeping a short extension; a
    // reserved device name gets a "_" prefix. Repeated until stable, so the result is a fixed point.
    clean = clean.simplified();
    for (int round = 0; round < 8; ++round) {
        const QString before = clean;
        while (!clean.isEmpty() && (clean.front() == QLatin1Char('.') || clean.front() == QLatin1Char(' ')))
            clean.remove(0, 1);
        while (!clean.isEmpty() && (clean.back() == QLatin1Char('.') || clean.back() == QLatin1Char(' ')))
            clean.chop(1);
        if (clean.isEmpty())
            clean = QStringLiteral("file").left(maxLength);
        if (codePointCount(clean) > maxLength) {
            const qsizetype dot = clean.lastIndexOf(QLatin1Char('.'));
            const QString ext = dot > 0 ? clean.mid(dot) : QString();
            const int extLength = codePointCount(ext);
            if (!ext.isEmpty() && extLength <= 16 && extLength < maxLength)
                clean = leftCodePoints(clean.left(dot), maxLength - extLength) + ext;
            else
                clean = leftCodePoints(clean, maxLength);
        }
        const qsizetype dot = clean.indexOf(QLatin1Char('.'));
        if (isReservedDeviceName(dot > 0 ? clean.left(dot) : clean))
            clean.prepend(QLatin1Char('_'));
        if (clean == before)
            break;
    }
    return clean;
}

QString fileExtension(const QString &name)
{
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
    if (dot < 0 || dot == name.size() - 1)
        return {};
    const QString ext = name.mid(dot + 1).toLower();
    if (ext.contains(QLatin1Char('/')) || ext.contains(QLatin1Char('\\')) || ext.size() > 16)
        return {};
    return ext;
}

bool looksLikeHtml(QByteArrayView head)
{
    head = skipBomAndSpace(head);
    static const char *const prefixes[] = {"<!doctype html", "<html",  "<head",   "<body", "<script",
                                           "<meta",          "<title", "<iframe", "<!--",  "<style"};
    for (const char *p : prefixes)
        if (startsWithNoCase(head, QByteArrayView(p)))
            return true;
    return false;
}

QString sniffMimeType(QByteArrayView head)
{
    if (startsWith(head, "\x89PNG\r\n\x1a\n"))
        return QStringLiteral("image/png");
    if (startsWith(head, "\xff\xd8\xff"))
        return QStringLiteral("image/jpeg");
    if (startsWith(head, "GIF87a") || startsWith(head, "GIF89a"))
        return QStringLiteral("image/gif");
    if (startsWith(head, "RIFF") && at(head, 8, "WEBP"))
        return QStringLiteral("image/webp");
    if (startsWith(head, "RIFF") && at(head, 8, "WAVE"))
        return QStringLiteral("audio/wav");
    if (startsWith(head, "BM") && head.size() >= 26)
        return QStringLiteral("image/bmp");
    if (startsWith(head, QByteArrayView("II*\0", 4)) || startsWith(head, QByteArrayView("MM\0*", 4)))
        return QStringLiteral("image/tiff");
    if (startsWith(head, QByteArrayView("\0\0\1\0", 4)) && head.size() >= 22)
        return QStringLiteral("image/vnd.microsoft.icon");
    if (startsWith(head, "%PDF-"))
        return QStringLiteral("application/pdf");
    if (startsWith(head, "PK\x03\x04") || startsWith(head, "PK\x05\x06"))
        return QStringLiteral("application/zip");
    if (startsWith(head, "\x1f\x8b"))
        return QStringLiteral("application/gzip");
    if (startsWith(head, "7z\xbc\xaf\x27\x1c"))
        return QStringLiteral("application/x-7z-compressed");
    if (startsWith(head, "Rar!\x1a\x07"))
        return QStringLiteral("application/vnd.rar");
    if (at(head, 4, "ftyp"))
        return QStringLiteral("video/mp4");
    if (startsWith(head, "ID3") ||
        (head.size() >= 2 && uchar(head.at(0)) == 0xff && (uchar(head.at(1)) & 0xe0) == 0xe0))
        return QStringLiteral("audio/mpeg");
    if (startsWith(head, "OggS"))
        return QStringLiteral("audio/ogg");
    if (looksLikeHtml(head))
        return QStringLiteral("text/html");
    if (isUtf8Text(head))
        return QStringLiteral("text/plain");
    return QStringLiteral("application/octet-stream");
}

bool isKnownImageType(const QString &mimeType)
{
    static const QStringList images = {QStringLiteral("image/png"),
                                       QStringLiteral("image/jpeg"),
                                       QStringLiteral("image/gif"),
                                       QStringLiteral("image/webp"),
                                       QStringLiteral("image/bmp"),
                                       QStringLiteral("image/tiff"),
                                       QStringLiteral("image/vnd.microsoft.icon")};
    return images.contains(normalizedType(mimeType));
}

QString mimeTypeForExtension(const QString &extension)
{
    static const QHash<QString, QString> types = {
        {QStringLiteral("png"), QStringLiteral("image/png")},
        {QStringLiteral("jpg"), QStringLiteral("image/jpeg")},
        {QStringLiteral("jpeg"), QStringLiteral("image/jpeg")},
        {QStringLiteral("gif"), QStringLiteral("image/gif")},
        {QStringLiteral("webp"), QStringLiteral("image/webp")},
        {QStringLiteral("bmp"), QStringLiteral("image/bmp")},
        {QStringLiteral("tif"), QStringLiteral("image/tiff")},
        {QStringLiteral("tiff"), QStringLiteral("image/tiff")},
        {QStringLiteral("ico"), QStringLiteral("image/vnd.microsoft.icon")},
        {QStringLiteral("pdf"), QStringLiteral("application/pdf")},
        {QStringLiteral("zip"), QStringLiteral("application/zip")},
        {QStringLiteral("gz"), QStringLiteral("application/gzip")},
        {QStringLiteral("txt"), QStringLiteral("text/plain")},
        {QStringLiteral("log"), QStringLiteral("text/plain")},
        {QStringLiteral("csv"), QStringLiteral("text/csv")},
        {QStringLiteral("html"), QStringLiteral("text/html")},
        {QStringLiteral("htm"), QStringLiteral("text/html")},
        {QStringLiteral("mp4"), QStringLiteral("video/mp4")},
        {QStringLiteral("mp3"), QStringLiteral("audio/mpeg")},
        {QStringLiteral("bin"), QStringLiteral("application/octet-stream")},
    };
    return types.value(extension.toLower());
}

SignatureVerdict checkSignature(QByteArrayView head, const QString &claimedMimeType, const QString &fileName)
{
    SignatureVerdict v;
    const QString claimed = normalizedType(claimedMimeType);
    const QString byExtension = mimeTypeForExtension(fileExtension(fileName));
    const QString sniffed = sniffMimeType(head);
    const bool claimsHtml =
        claimed == QLatin1String("text/html") || byExtension == QLatin1String("text/html");
    if (sniffed == QLatin1String("text/html") && !claimsHtml) {
        v.code = QStringLiteral("html_instead_of_file");
        v.reason =
            QStringLiteral("an HTML page arrived instead of the file (a sign-in page or an error page), so "
                           "it was not stored");
        return v;
    }
    const bool claimsImage =
        claimed.startsWith(QLatin1String("image/")) || byExtension.startsWith(QLatin1String("image/"));
    if (claimsImage) {
        // SVG is XML that can carry scripts: it is not treated as an image.
        const QString expected = isKnownImageType(claimed) ? claimed : byExtension;
        if (!isKnownImageType(sniffed) || (isKnownImageType(expected) && expected != sniffed)) {
            v.code = QStringLiteral("signature_mismatch");
            v.reason = QStringLiteral("the file says it is an image (%1) but its contents are %2")
                           .arg(expected.isEmpty() ? claimed : expected, sniffed);
            return v;
        }
    }
    const bool claimsPdf =
        claimed == QLatin1String("application/pdf") || byExtension == QLatin1String("application/pdf");
    if (claimsPdf && sniffed != QLatin1String("application/pdf")) {
        v.code = QStringLiteral("signature_mismatch");
        v.reason = QStringLiteral("the file says it is a PDF but its contents are %1").arg(sniffed);
        return v;
    }
    v.ok = true;
    const bool specific =
        sniffed != QLatin1String("application/octet-stream") && sniffed != QLatin1String("text/plain");
    if (specific)
        v.mimeType = sniffed;
    else if (!claimed.isEmpty() && !claimed.contains(QLatin1Char(' ')) &&
             claimed.count(QLatin1Char('/')) == 1)
        v.mimeType = claimed;
    else if (!byExtension.isEmpty())
        v.mimeType = byExtension;
    else
        v.mimeType = sniffed;
    return v;
}

bool typeAllowed(const QString &mimeType, const QStringList &allowed)
{
    if (allowed.isEmpty())
        return true;
    const QString type = normalizedType(mimeType);
    for (const QString &entry : allowed) {
        const QString e = normalizedType(entry);
        if (e.isEmpty())
            continue;
        if (e == QLatin1String("*/*") || e == QLatin1String("*") || e == type)
            return true;
        if (e.endsWith(QLatin1String("/*")) && type.startsWith(e.chopped(1)))
            return true;
    }
    return false;
}

bool hostAllowed(const QUrl &url, const QStringList &allowList)
{
    if (!url.isValid() || url.isRelative() || !url.userInfo().isEmpty() || url.host().isEmpty())
        return false;
    const QString scheme = url.scheme().toLower();
    const QString host = url.host().toLower();
    if (host.endsWith(QLatin1Char('.')))
        return false; // "files.slack.com." would dodge an exact comparison elsewhere
    for (const QString &raw : allowList) {
        const QString entry = raw.trimmed().toLower();
        if (entry.isEmpty())
            continue;
        if (entry.contains(QLatin1String("://"))) {
            const QUrl origin(entry);
            if (!origin.isValid() || origin.host().isEmpty())
                continue;
            const int defaultPort = origin.scheme() == QLatin1String("https") ? 443 : 80;
            if (scheme == origin.scheme() && host == origin.host().toLower() &&
                url.port(scheme == QLatin1String("https") ? 443 : 80) == origin.port(defaultPort))
                return true;
            continue;
        }
        if (scheme != QLatin1String("https"))
            continue;
        if (entry.startsWith(QLatin1String("*."))) {
            const QString suffix = entry.mid(1); // ".slack.com"
            if (host.size() > suffix.size() && host.endsWith(suffix))
                return true;
            continue;
        }
        if (host == entry)
            return true;
    }
    return false;
}

bool isSha256Hex(const QString &text)
{
    if (text.size() != 64)
        return false;
    for (const QChar c : text)
        if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
              (c >= QLatin1Char('a') && c <= QLatin1Char('f'))))
            return false;
    return true;
}

QString storageKeyFor(const QString &sha256)
{
    if (!isSha256Hex(sha256))
        return {};
    return QStringLiteral("sha256/") + sha256.left(2) + QLatin1Char('/') + sha256;
}

bool isValidStorageKey(const QString &key)
{
    if (key.size() != 7 + 2 + 1 + 64 || !key.startsWith(QLatin1String("sha256/")))
        return false;
    const QString sha = key.mid(10);
    return isSha256Hex(sha) && key.mid(7, 2) == sha.left(2) && key.at(9) == QLatin1Char('/');
}

qint64 parseByteSize(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^\\s*(\\d{1,15})\\s*([kmgt]?)(i?b)?\\s*$"),
                                       QRegularExpression::CaseInsensitiveOption);
    const auto m = re.match(text);
    if (!m.hasMatch())
        return -1;
    qint64 value = m.captured(1).toLongLong();
    const QString unit = m.captured(2).toLower();
    int shift = 0;
    if (unit == QLatin1String("k"))
        shift = 10;
    else if (unit == QLatin1String("m"))
        shift = 20;
    else if (unit == QLatin1String("g"))
        shift = 30;
    else if (unit == QLatin1String("t"))
        shift = 40;
    if (shift > 0 && value > (std::numeric_limits<qint64>::max() >> shift))
        return -1;
    return value << shift;
}

} // namespace threadline::files
