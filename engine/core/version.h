#pragma once

#include <QString>

namespace threadline {

//! The product version, defined once in the top-level CMakeLists.txt.
inline QString versionString()
{
    return QStringLiteral(THREADLINE_VERSION_STRING);
}

} // namespace threadline
