#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace threadline::files {

//! One part of a multipart/form-data body.
struct MultipartPart
{
    QString name;        //!< the form field name
    QString fileName;    //!< as sent (not sanitised); empty for a plain field
    bool isFile = false; //!< a `filename` parameter was present
    QByteArray contentType;
    //! The part's bytes **in the parsed body** (QByteArray::fromRawData, no copy): valid while the
    //! body passed to parseMultipart() is alive and unchanged; a change detaches a copy.
    QByteArray data;
};

//! Parses a multipart/form-data body (RFC 7578) — a pure function, for the REST API's file uploads
//! and fuzz targets. Fails with Invalid on a missing or malformed boundary, a part without
//! Content-Disposition form-data, a missing closing delimiter, or more than \a maxParts parts.
Result<QList<MultipartPart>> parseMultipart(QByteArrayView contentType, QByteArrayView body,
                                            int maxParts = 32);

} // namespace threadline::files
