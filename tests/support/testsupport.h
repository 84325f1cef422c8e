#pragma once

#include <QString>

namespace threadline::test {

//! The PostgreSQL server the tests may use, as a `postgresql://` URL, from THREADLINE_TEST_POSTGRES.
//! Empty when none is configured.
QString postgresUrl();

//! True when THREADLINE_REQUIRE_POSTGRES=1: PostgreSQL cases must run and fail instead of skipping.
bool postgresRequired();

//! UTF-8 text as a QString (QT_NO_CAST_FROM_ASCII keeps string literals from converting by themselves).
inline QString lit(const char *utf8)
{
    return QString::fromUtf8(utf8);
}

} // namespace threadline::test
