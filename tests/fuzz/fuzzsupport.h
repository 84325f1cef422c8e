#pragma once

// Shared by the libFuzzer targets and their replay program: both the clang fuzz build and the
// regular build (gcc) compile each target's LLVMFuzzerTestOneInput.

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace threadline::fuzz {

inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

[[noreturn]] inline void fail(const char *what, const char *file, int line, const QString &detail)
{
    std::fprintf(stderr, "%s:%d: invariant broken: %s\n%s\n", file, line, what, detail.toUtf8().constData());
    std::abort();
}

} // namespace threadline::fuzz

//! An invariant of the code under test: a broken one aborts, so libFuzzer keeps the input.
#define FUZZ_CHECK(cond, detail)                                                                             \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            ::threadline::fuzz::fail(#cond, __FILE__, __LINE__, (detail));                                   \
    } while (false)
