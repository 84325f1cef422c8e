#pragma once

#include "core/result.h"
#include "slack/slackerror.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;

namespace threadline::slack {

/*!
 * One HTTP exchange with Slack. The contract (KJob/BaseJob style):
 * - start() only schedules: the request is sent from the event loop, never inside start().
 * - finished() is emitted exactly once, whatever happens (success, failure, abort); succeeded() or
 *   failed() at most once, before finished().
 * - Afterwards the job deletes itself with deleteLater(), unless setAutoDelete(false).
 * - The job owns its QNetworkReply; the QNetworkAccessManager is injected and never owned.
 * - A job destroyed while running aborts its reply and emits nothing.
 */
class SlackJob : public QObject
{
    Q_OBJECT

public:
    enum class Status
    {
        Created,
        Scheduled,
        Running,
        Succeeded,
        Failed
    };
    Q_ENUM(Status)

    ~SlackJob() override;

    //! Schedules the request on the event loop. Calling it twice, or after abort(), does nothing.
    void start();
    //! Stops the job: it fails with ErrorCode::Unavailable, action Retry, detail "aborted".
    void abort();

    //! The Web API method ("chat.postMessage") or a pseudo-method ("files.upload_url",
    //! "files.download") for the non-API transfers. The rate limiter keys on it.
    QString method() const { return m_method; }
    //! The channel the call targets, for per-channel limits; empty when none.
    QString channel() const { return m_channel; }

    void setTransferTimeout(int ms) { m_transferTimeoutMs = ms; }
    int transferTimeout() const { return m_transferTimeoutMs; }
    void setAutoDelete(bool autoDelete) { m_autoDelete = autoDelete; }
    bool autoDelete() const { return m_autoDelete; }

    Status status() const { return m_status; }
    bool isFinished() const { return m_status == Status::Succeeded || m_status == Status::Failed; }
    //! The failure; only meaningful when status() == Failed.
    const Error &error() const { return m_failure.error; }
    SlackErrorAction errorAction() const { return m_failure.action; }
    //! HTTP status of the reply, 0 when none was received.
    int httpStatus() const { return m_httpStatus; }
    //! An id for log lines that tie a request to its outcome (never contains the token).
    QByteArray requestId() const { return m_requestId; }

    static constexpr int DefaultTransferTimeoutMs = 30'000;

Q_SIGNALS:
    void succeeded(threadline::slack::SlackJob *job, QPrivateSignal);
    void failed(threadline::slack::SlackJob *job, const threadline::Error &error,
                threadline::slack::SlackErrorAction action, QPrivateSignal);
    void finished(threadline::slack::SlackJob *job, QPrivateSignal);

protected:
    SlackJob(QNetworkAccessManager *nam, const QString &method, QObject *parent);

    QNetworkAccessManager *networkAccessManager() const { return m_nam; }
    void setChannel(const QString &channel) { m_channel = channel; }

    //! Sends the request (called from the event loop). Return nullptr after calling fail().
    virtual QNetworkReply *sendRequest() = 0;
    //! Interprets the finished reply; nullopt = success.
    virtual std::optional<SlackFailure> handleReply(QNetworkReply *reply) = 0;
    //! Called for each readyRead when the job streams its reply body (see DownloadFileJob).
    virtual void handleReadyRead(QNetworkReply *reply);
    //! Fails the job now (e.g. an argument is invalid or a local device failed).
    void fail(const SlackFailure &failure);

    //! The failure for a reply that ended with a network error or a non-200 status, or nullopt.
    std::optional<SlackFailure> transportFailure(QNetworkReply *reply) const;

    //! Applies the Authorization header (never logged) and the request id.
    void prepareRequest(QNetworkRequest &request, const QString &bearerToken) const;

private Q_SLOTS:
    void onStart();
    void onReplyFinished();
    void onReadyRead();

private:
    void finishWith(std::optional<SlackFailure> failure);

    QNetworkAccessManager *m_nam;
    QString m_method;
    QString m_channel;
    QPointer<QNetworkReply> m_reply;
    SlackFailure m_failure;
    QByteArray m_requestId;
    Status m_status = Status::Created;
    int m_httpStatus = 0;
    int m_transferTimeoutMs = DefaultTransferTimeoutMs;
    bool m_autoDelete = true;
    bool m_aborted = false;
};

} // namespace threadline::slack
