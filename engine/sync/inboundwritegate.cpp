#include "sync/inboundwritegate.h"

#include <QFileInfo>
#include <QHash>

namespace threadline::sync {

std::shared_ptr<InboundWriteGate> InboundWriteGate::forDatabase(const QString &sqlitePath)
{
    static std::mutex registryMutex;
    static QHash<QString, std::weak_ptr<InboundWriteGate>> registry;
    const QFileInfo info(sqlitePath);
    const QString key = info.exists() ? info.canonicalFilePath() : info.absoluteFilePath();
    std::lock_guard lock(registryMutex);
    if (auto gate = registry.value(key).lock())
        return gate;
    auto gate = std::make_shared<InboundWriteGate>();
    registry.insert(key, gate);
    return gate;
}

void InboundWriteGate::lock()
{
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return !m_held && m_priorityWaiting == 0; });
    m_held = true;
}

void InboundWriteGate::lockPriority()
{
    std::unique_lock lock(m_mutex);
    ++m_priorityWaiting;
    m_cv.wait(lock, [this] { return !m_held; });
    --m_priorityWaiting;
    m_held = true;
}

void InboundWriteGate::unlock()
{
    {
        std::lock_guard lock(m_mutex);
        m_held = false;
    }
    m_cv.notify_all();
}

} // namespace threadline::sync
