#include "sandbox/apiarguments.h"

#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

namespace threadline::sandbox {

namespace {

QByteArray headerParam(const QByteArray &header, const QByteArray &key)
{
    const QList<QByteArray> parts = header.split(';');
    for (const QByteArray &raw : parts) {
        const QByteArray p = raw.trimmed();
        const qsizetype eq = p.indexOf('=');
        if (eq > 0 && p.left(eq).trimmed().toLower() == key) {
            QByteArray v = p.mid(eq + 1).trimmed();
            if (v.size() >= 2 && v.startsWith('"') && v.endsWith('"'))
                v = v.mid(1, v.size() - 2);
            return v;
        }
    }
    return {};
}

} // namespace

QList<std::pair<QString, QString>> parseForm(const QByteArray &body)
{
    QList<std::pair<QString, QString>> out;
    const QList<QByteArray> pairs = body.split('&');
    for (const QByteArray &pair : pairs) {
        if (pair.isEmpty())
            continue;
        const qsizetype eq = pair.indexOf('=');
        QByteArray key = eq < 0 ? pair : pair.left(eq);
        QByteArray value = eq < 0 ? QByteArray() : pair.mid(eq + 1);
        key.replace('+', ' ');
        value.replace('+', ' ');
        out.append({QString::fromUtf8(QByteArray::fromPercentEncoding(key)),
                    QString::fromUtf8(QByteArray::fromPercentEncoding(value))});
    }
    return out;
}

bool parseMultipart(const QByteArray &contentType, const QByteArray &body, QList<MultipartPart> *parts)
{
    const QByteArray boundary = headerParam(contentType, "boundary");
    if (boundary.isEmpty())
        return false;
    const QByteArray delimiter = "--" + boundary;
    qsizetype pos = body.indexOf(delimiter);
    if (pos < 0)
        return false;
    while (true) {
        pos += delimiter.size();
        if (body.mid(pos, 2) == "--")
            return true; // closing delimiter
        if (body.mid(pos, 2) != "\r\n")
            return false;
        pos += 2;
        const qsizetype headerEnd = body.indexOf("\r\n\r\n", pos);
        if (headerEnd < 0)
            return false;
        MultipartPart part;
        const QList<QByteArray> lines = body.mid(pos, headerEnd - pos).split('\n');
        for (const QByteArray &rawLine : lines) {
            const QByteArray line = rawLine.trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-disposition") {
                part.name = QString::fromUtf8(headerParam(value, "name"));
                part.filename = QString::fromUtf8(headerParam(value, "filename"));
            } else if (name == "content-type") {
                part.contentType = value;
            }
        }
        const qsizetype dataStart = headerEnd + 4;
        const qsizetype next = body.indexOf(QByteArray("\r\n" + delimiter), dataStart);
        if (next < 0)
            return false;
        part.data = body.mid(dataStart, next - dataStart);
        parts->append(part);
        pos = next + 2;
    }
}

ApiArguments ApiArguments::fromRequest(const QHttpServerRequest &request)
{
    ApiArguments a;
    const QByteArray auth = request.value("Authorization");
    if (auth.size() > 7 && auth.left(7).toLower() == "bearer ") {
        a.token = QString::fromUtf8(auth.mid(7).trimmed());
        a.tokenInHeader = true;
    }
    // Query-string arguments are accepted, but never a token there.
    const QList<std::pair<QString, QString>> query =
        parseForm(request.url().query(QUrl::FullyEncoded).toUtf8());
    for (const auto &kv : query)
        if (kv.first != QLatin1String("token"))
            a.values.insert(kv.first, kv.second);

    const QByteArray body = request.body();
    const QByteArray contentType = request.value("Content-Type");
    const QByteArray mime = contentType.split(';').constFirst().trimmed().toLower();
    if (request.method() != QHttpServerRequest::Method::Post &&
        request.method() != QHttpServerRequest::Method::Get) {
        a.error = QStringLiteral("invalid_post_type");
        return a;
    }
    if (body.isEmpty() && mime.isEmpty())
        return a;
    if (mime.isEmpty()) {
        a.error = QStringLiteral("missing_post_type");
        return a;
    }
    const QByteArray charset = headerParam(contentType, "charset").toLower();
    if (!charset.isEmpty() && charset != "utf-8" && charset != "utf8" && charset != "iso-8859-1") {
        a.error = QStringLiteral("invalid_charset");
        return a;
    }
    if (mime == "application/x-www-form-urlencoded") {
        for (const auto &kv : parseForm(body)) {
            if (kv.first == QLatin1String("token")) {
                if (!a.tokenInHeader)
                    a.token = kv.second;
            } else {
                a.values.insert(kv.first, kv.second);
            }
        }
    } else if (mime == "application/json") {
        a.json = true;
        if (body.trimmed().isEmpty())
            return a;
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
        if (err.error != QJsonParseError::NoError) {
            a.error = QStringLiteral("invalid_json");
            return a;
        }
        if (!doc.isObject()) {
            a.error = QStringLiteral("json_not_object");
            return a;
        }
        const QJsonObject o = doc.object();
        for (auto it = o.constBegin(); it != o.constEnd(); ++it)
            if (!it.value().isNull() && it.key() != QLatin1String("token")) // null means "default"
                a.values.insert(it.key(), it.value());
    } else if (mime == "multipart/form-data") {
        QList<MultipartPart> parts;
        if (!parseMultipart(contentType, body, &parts)) {
            a.error = QStringLiteral("invalid_form_data");
            return a;
        }
        for (const MultipartPart &p : parts) {
            if (!p.filename.isEmpty()) {
                a.files.append(p);
            } else if (p.name == QLatin1String("token")) {
                if (!a.tokenInHeader)
                    a.token = QString::fromUtf8(p.data);
            } else {
                a.values.insert(p.name, QString::fromUtf8(p.data));
            }
        }
    } else {
        a.error = QStringLiteral("invalid_post_type");
    }
    return a;
}

bool ApiArguments::has(const QString &key) const
{
    return values.contains(key);
}

QString ApiArguments::string(const QString &key) const
{
    const QJsonValue v = values.value(key);
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble(), 'f', v.toDouble() == double(qint64(v.toDouble())) ? 0 : 6);
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return {};
}

bool ApiArguments::boolean(const QString &key, bool fallback) const
{
    const QJsonValue v = values.value(key);
    if (v.isBool())
        return v.toBool();
    if (v.isDouble())
        return v.toDouble() != 0;
    const QString s = v.toString().trimmed().toLower();
    if (s == QLatin1String("true") || s == QLatin1String("1"))
        return true;
    if (s == QLatin1String("false") || s == QLatin1String("0"))
        return false;
    return fallback;
}

QJsonValue ApiArguments::complex(const QString &key, bool *ok) const
{
    *ok = true;
    const QJsonValue v = values.value(key);
    if (!v.isString())
        return v;
    const QString s = v.toString();
    if (s.trimmed().isEmpty())
        return QJsonValue(QJsonValue::Undefined);
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(s.toUtf8(), &err);
    if (err.error != QJsonParseError::NoError) {
        *ok = false;
        return {};
    }
    if (doc.isArray())
        return doc.array();
    return doc.object();
}

int ApiArguments::integer(const QString &key, int fallback) const
{
    const QJsonValue v = values.value(key);
    if (v.isDouble())
        return v.toInt(fallback);
    bool ok = false;
    const int n = v.toString().toInt(&ok);
    return ok ? n : fallback;
}

} // namespace threadline::sandbox
