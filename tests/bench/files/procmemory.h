#pragma once

// Peak-memory probes for the files benchmarks (Linux /proc).

#include <QByteArray>
#include <QFile>
#include <QString>

namespace threadline::bench {

//! A "Key:" line of /proc/self/status in kB (e.g. "VmHWM:"), or -1.
inline qint64 statusKb(const char *key)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(qstrlen(key)).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

//! Resets VmHWM to the current resident size (writes 5 to /proc/self/clear_refs).
inline bool resetPeak()
{
    QFile f(QStringLiteral("/proc/self/clear_refs"));
    return f.open(QIODevice::WriteOnly) && f.write("5") == 1;
}

} // namespace threadline::bench
