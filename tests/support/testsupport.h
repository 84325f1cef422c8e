#pragma once

#include <QString>

namespace threadline::test {

//! The PostgreSQL server the tests may use, as a `postgresql://` URL, from THREADLINE_TEST_POSTGRES.
//! Empty when none is configured.
QString postgresUrl();

//! True when THREADLINE_REQUIRE_POSTGRES=1: PostgreSQL cases must run and fail instead of skipping.
bool postgresRequired();

} // namespace threadline::test
