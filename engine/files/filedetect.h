#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>
#include <QUrl>

// Pure functions of the files pipeline: no I/O, no state, no Qt event loop. Each takes bytes or
// strings and returns a value, so a fuzz target can call them directly (docs/files.md lists them).

namespace threadline::files {

//! How many leading bytes the signature checks look at.
inline constexpr qsizetype SniffBytes = 4096;

//! A file name safe to show and to send back to Slack: no directory part (`/`, `\`), no control,
//! bidi-override or zero-width characters, none of `<>:"|?*`, no leading dots or trailing dots and
//! spaces, at most \a maxLength code points (the extension is kept when it is short), never empty
//! ("file") and never a reserved device name. Invalid UTF-16 (lone surrogates) is dropped.
QString sanitizeFileName(const QString &name, int maxLength = 200);

//! The lower-case extension of a (sanitised) file name without the dot; empty when none.
QString fileExtension(const QString &name);

//! True when the bytes start like an HTML document (after a BOM and whitespace): `<!doctype html`,
//! `<html`, `<head`, `<body`, `<script`, `<meta`, `<title`, `<iframe` or an HTML comment.
bool looksLikeHtml(QByteArrayView head);

//! The MIME type the leading bytes prove: PNG, JPEG, GIF, WebP, BMP, TIFF, ICO, PDF, ZIP, GZIP,
//! 7z, RAR, MP4/MOV, MP3, Ogg, WAV, HTML, or `text/plain` for NUL-free valid UTF-8; else
//! `application/octet-stream`. Never trusts a name or a declared type.
QString sniffMimeType(QByteArrayView head);

//! True for the image types whose signature sniffMimeType() knows.
bool isKnownImageType(const QString &mimeType);

//! The MIME type a name's extension implies (png → image/png, pdf → application/pdf, …); empty
//! when the extension is unknown.
QString mimeTypeForExtension(const QString &extension);

//! The outcome of comparing a file's bytes with what it claims to be.
struct SignatureVerdict
{
    bool ok = false;
    QString mimeType; //!< the type to record: the sniffed one when it is specific, else the claimed one
    QString reason;   //!< when refused: a sentence for the sender and the desk
    QString code;     //!< when refused: `html_instead_of_file`, `signature_mismatch`
};

//! Compares the leading bytes with the claimed MIME type and file name:
//! - an HTML page is refused unless the file claims to be HTML (`html_instead_of_file`: Slack's
//!   sign-in page served instead of the file);
//! - a file that claims an image type (by MIME type or extension) must carry that image's
//!   signature; a PDF must start with `%PDF-` (`signature_mismatch`);
//! - anything else is accepted with the sniffed type when it is specific.
SignatureVerdict checkSignature(QByteArrayView head, const QString &claimedMimeType, const QString &fileName);

//! True when \a mimeType matches one of \a allowed (`image/png`, `image/*`, `*/*`); an empty list
//! allows everything. Case-insensitive; parameters (`; charset=…`) are ignored.
bool typeAllowed(const QString &mimeType, const QStringList &allowed);

//! True when the bot token may be sent to \a url: no user info, and the host matches an entry of
//! \a allowList. An entry is a host (`files.slack.com`: https only, any port), a wildcard
//! (`*.slack.com`: https only, subdomains only), or an origin with a scheme (`http://127.0.0.1:8080`:
//! exactly that scheme, host and port — for the sandbox).
bool hostAllowed(const QUrl &url, const QStringList &allowList);

//! 64 lower-case hexadecimal digits.
bool isSha256Hex(const QString &text);

//! The storage key of a content hash: `sha256/<2 hex>/<64 hex>`; empty when \a sha256 is not valid.
QString storageKeyFor(const QString &sha256);

//! True when \a key is exactly what storageKeyFor() produces (so it can never leave the store).
bool isValidStorageKey(const QString &key);

//! Parses a byte count with an optional unit (`100M`, `100 MB`, `1g`, `512k`, `2048`); -1 when invalid.
qint64 parseByteSize(const QString &text);

} // namespace threadline::files
