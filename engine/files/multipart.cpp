#include "files/multipart.h"

namespace threadline::files {

namespace {

Error invalid(const QString &why)
{
    return makeError(ErrorCode::Invalid, QStringLiteral("The multipart body is malformed: %1").arg(why),
                     QStringLiteral("body"), QStringLiteral("bad_multipart"));
}

//! The value of parameter \a key (lower case) in a header value (`form-data; name="a"`); bare
//! tokens (`form-data`) are skipped, quoted values may hold `;` and backslash escapes.
std::optional<QByteArray> parameter(QByteArrayView header, QByteArrayView key)
{
    const qsizetype n = header.size();
    qsizetype i = 0;
    while (i < n) {
        while (i < n && (header.at(i) == ' ' || header.at(i) == '\t' || header.at(i) == ';'))
            ++i;
        qsizetype eq = i;
        while (eq < n && header.at(eq) != '=' && header.at(eq) != ';')
            ++eq;
        if (eq >= n)
            return std::nullopt;
        if (header.at(eq) == ';') { // a bare token
            i = eq;
            continue;
        }
        const QByteArray name = header.sliced(i, eq - i).trimmed().toByteArray().toLower();
        qsizetype v = eq + 1;
        while (v < n && header.at(v) == ' ')
            ++v;
        QByteArray value;
        if (v < n && header.at(v) == '"') {
            ++v;
            while (v < n && header.at(v) != '"') {
                if (header.at(v) == '\\' && v + 1 < n)
                    ++v;
                value.append(header.at(v));
                ++v;
            }
            i = v + 1;
        } else {
            qsizetype end = v;
            while (end < n && header.at(end) != ';')
                ++end;
            value = header.sliced(v, end - v).trimmed().toByteArray();
            i = end;
        }
        if (name == key)
            return value;
    }
    return std::nullopt;
}

} // namespace

Result<QList<MultipartPart>> parseMultipart(QByteArrayView contentType, QByteArrayView body, int maxParts)
{
    if (!contentType.trimmed().toByteArray().toLower().startsWith("multipart/form-data"))
        return invalid(QStringLiteral("not multipart/form-data"));
    const auto boundary = parameter(contentType, "boundary");
    if (!boundary || boundary->isEmpty() || boundary->size() > 70)
        return invalid(QStringLiteral("no valid boundary"));
    const QByteArray delimiter = "--" + *boundary;
    const QByteArray next = "\r\n" + delimiter;
    qsizetype pos = body.indexOf(delimiter);
    if (pos < 0)
        return invalid(QStringLiteral("the boundary does not occur"));
    QList<MultipartPart> parts;
    pos += delimiter.size();
    while (true) {
        if (body.sliced(pos).startsWith("--"))
            return parts; // closing delimiter
        if (!body.sliced(pos).startsWith("\r\n"))
            return invalid(QStringLiteral("a delimiter is not followed by a line break"));
        pos += 2;
        const qsizetype headersEnd = body.indexOf("\r\n\r\n", pos);
        const qsizetype dataEnd = body.indexOf(next, pos);
        if (dataEnd < 0)
            return invalid(QStringLiteral("the closing boundary is missing"));
        if (parts.size() >= maxParts)
            return invalid(QStringLiteral("more than %1 parts").arg(maxParts));
        MultipartPart part;
        qsizetype dataStart = 0;
        if (headersEnd >= 0 && headersEnd < dataEnd) {
            dataStart = headersEnd + 4;
        } else if (body.sliced(pos).startsWith("\r\n")) {
            dataStart = pos + 2; // no headers at all
        } else {
            return invalid(QStringLiteral("a part has no header end"));
        }
        bool disposition = false;
        const QByteArrayView headers = body.sliced(pos, std::max<qsizetype>(0, dataStart - 4 - pos));
        for (QByteArrayView line : QByteArray(headers.toByteArray()).split('\n')) {
            line = line.trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray key = line.first(colon).trimmed().toByteArray().toLower();
            const QByteArrayView value = line.sliced(colon + 1).trimmed();
            if (key == "content-disposition") {
                if (!value.toByteArray().toLower().startsWith("form-data"))
                    return invalid(QStringLiteral("a part is not form-data"));
                disposition = true;
                const QByteArrayView params = value;
                if (auto n = parameter(params, "name"))
                    part.name = QString::fromUtf8(*n);
                if (auto star = parameter(params, "filename*")) {
                    // RFC 5987: UTF-8''percent-encoded
                    const qsizetype q = star->indexOf("''");
                    part.fileName =
                        QString::fromUtf8(QByteArray::fromPercentEncoding(q >= 0 ? star->mid(q + 2) : *star));
                    part.isFile = true;
                } else if (auto f = parameter(params, "filename")) {
                    part.fileName = QString::fromUtf8(*f);
                    part.isFile = true;
                }
            } else if (key == "content-type") {
                part.contentType = value.toByteArray().left(200);
            }
        }
        if (!disposition)
            return invalid(QStringLiteral("a part has no Content-Disposition"));
        // A view of the body's bytes, not a copy: a large upload is not held twice.
        part.data = QByteArray::fromRawData(body.data() + dataStart, dataEnd - dataStart);
        parts << part;
        pos = dataEnd + next.size();
    }
}

} // namespace threadline::files
