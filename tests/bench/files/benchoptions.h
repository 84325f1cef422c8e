#pragma once

// The command line of the files benchmarks: `--name N` integer options.

#include <QLatin1String>
#include <QStringList>

namespace threadline::bench {

//! The integer after `name` in the program's arguments (the last one wins), else fallback.
inline int intOption(const QStringList &arguments, QLatin1String name, int fallback)
{
    int value = fallback;
    for (int i = 1; i + 1 < arguments.size(); ++i) {
        if (arguments.at(i) == name)
            value = arguments.at(i + 1).toInt();
    }
    return value;
}

} // namespace threadline::bench
