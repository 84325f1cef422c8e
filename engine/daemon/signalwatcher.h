#pragma once

#include <QObject>

class QSocketNotifier;

namespace threadline {

//! Turns SIGTERM, SIGINT and SIGHUP into Qt signals delivered on the event loop (the self-pipe
//! pattern: the handler only writes a byte; everything else happens in a slot).
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    bool isValid() const { return m_notifier != nullptr; }

Q_SIGNALS:
    void terminateRequested(int signalNumber); //!< SIGTERM or SIGINT: drain and exit
    void reloadRequested();                    //!< SIGHUP: reload log rules

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
};

} // namespace threadline
