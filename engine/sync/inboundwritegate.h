#pragma once

#include <QString>

#include <condition_variable>
#include <memory>
#include <mutex>

namespace threadline::sync {

/*!
 * Orders this process's writers of one SQLite file so that an inbox receipt (the INSERT a Socket
 * Mode ack waits for) takes the write lock next, ahead of the engine's own write transactions
 * (planner, scheduler, inbox processor) instead of racing them through SQLite's sleeping busy
 * handler. A receipt then waits for at most the one transaction that holds the lock.
 *
 * The engine's Store takes it around every top-level write transaction (Store::setWriteHooks);
 * the receipt thread takes it with priority around its INSERT. Other processes and connections
 * that do not take it still serialize through SQLite's own lock. Unused on PostgreSQL, where an
 * inbox INSERT does not wait for other transactions.
 */
class InboundWriteGate
{
public:
    //! The gate of an SQLite file, shared by every Engine of this process on that file.
    static std::shared_ptr<InboundWriteGate> forDatabase(const QString &sqlitePath);

    void lock();         //!< a normal writer: waits while the gate is held or a receipt waits
    void lockPriority(); //!< a receipt: waits only while the gate is held
    void unlock();

    //! RAII helper.
    class Hold
    {
    public:
        Hold(InboundWriteGate *gate, bool priority)
            : m_gate(gate)
        {
            if (m_gate)
                priority ? m_gate->lockPriority() : m_gate->lock();
        }
        ~Hold()
        {
            if (m_gate)
                m_gate->unlock();
        }
        Hold(const Hold &) = delete;
        Hold &operator=(const Hold &) = delete;

    private:
        InboundWriteGate *m_gate;
    };

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_held = false;
    int m_priorityWaiting = 0;
};

} // namespace threadline::sync
