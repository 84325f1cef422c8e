#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QString>

class QHttpServerRequest;

namespace threadline::sandbox {

//! One part of a multipart/form-data body.
struct MultipartPart
{
    QString name;
    QString filename;
    QByteArray contentType;
    QByteArray data;
};

//! Splits a multipart/form-data body. Returns false when it is malformed.
bool parseMultipart(const QByteArray &contentType, const QByteArray &body, QList<MultipartPart> *parts);
//! Decodes application/x-www-form-urlencoded text ('+' is a space).
QList<std::pair<QString, QString>> parseForm(const QByteArray &body);

//! The arguments of one Web API call, decoded the way Slack decodes them: query string,
//! form-urlencoded, JSON (token only in the Authorization header) or multipart; complex values
//! may be JSON strings; booleans are true/false/1/0.
class ApiArguments
{
public:
    static ApiArguments fromRequest(const QHttpServerRequest &request);

    QString error; //!< non-empty: the request is malformed (Slack's error code)
    QString token; //!< from the header, or the form field `token`
    bool tokenInHeader = false;
    bool json = false;
    QHash<QString, QJsonValue> values;
    QList<MultipartPart> files;

    bool has(const QString &key) const;
    QString string(const QString &key) const;
    //! Slack's booleans: true/false, 1/0; `fallback` when absent or unparsable.
    bool boolean(const QString &key, bool fallback = false) const;
    //! A complex argument: a JSON value, or a string holding JSON. `ok` false when unparsable.
    QJsonValue complex(const QString &key, bool *ok) const;
    int integer(const QString &key, int fallback) const;
};

} // namespace threadline::sandbox
