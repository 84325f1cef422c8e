#include "slack/slackjob.h"

#include "slack/slackstats.h"

#include "core/logging.h"

#include <QAtomicInteger>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace threadline::slack {

namespace {
QAtomicInteger<quint64> s_nextRequestId = 1;
}

SlackJob::SlackJob(QNetworkAccessManager *nam, const QString &method, QObject *parent)
    : QObject(parent)
    , m_nam(nam)
    , m_method(method)
    , m_requestId(QByteArray("tl-") + QByteArray::number(s_nextRequestId.fetchAndAddRelaxed(1)))
{
    Q_ASSERT(nam);
}

SlackJob::~SlackJob()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        delete m_reply.data();
    }
}

void SlackJob::start()
{
    if (m_status != Status::Created)
        return;
    m_status = Status::Scheduled;
    QMetaObject::invokeMethod(this, &SlackJob::onStart, Qt::QueuedConnection);
}

void SlackJob::abort()
{
    if (isFinished())
        return;
    m_aborted = true;
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
    finishWith(
        SlackFailure{makeError(ErrorCode::Unavailable, QStringLiteral("%1 was cancelled").arg(m_method), {},
                               QStringLiteral("aborted")),
                     SlackErrorAction::Retry});
}

void SlackJob::handleReadyRead(QNetworkReply *) {}

void SlackJob::fail(const SlackFailure &failure)
{
    finishWith(failure);
}

void SlackJob::prepareRequest(QNetworkRequest &request, const QString &bearerToken) const
{
    if (!bearerToken.isEmpty())
        request.setRawHeader("Authorization", QByteArray("Bearer ") + bearerToken.toUtf8());
    request.setRawHeader("X-Threadline-Request-Id", m_requestId);
    request.setTransferTimeout(m_transferTimeoutMs);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
}

void SlackJob::onStart()
{
    if (m_status != Status::Scheduled)
        return;
    m_status = Status::Running;
    QNetworkReply *reply = sendRequest();
    if (isFinished()) {
        if (reply)
            reply->deleteLater();
        return;
    }
    if (!reply) {
        finishWith(
            SlackFailure{makeError(ErrorCode::Internal, QStringLiteral("%1 could not be sent").arg(m_method)),
                         SlackErrorAction::GiveUp});
        return;
    }
    m_reply = reply;
    reply->setParent(this);
    connect(reply, &QNetworkReply::finished, this, &SlackJob::onReplyFinished);
    connect(reply, &QNetworkReply::readyRead, this, &SlackJob::onReadyRead);
    qCDebug(lcSlackWire) << m_requestId << "->" << m_method;
}

void SlackJob::onReadyRead()
{
    if (m_reply && !isFinished())
        handleReadyRead(m_reply);
}

void SlackJob::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply || isFinished())
        return;
    m_httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    qCDebug(lcSlackWire) << m_requestId << "<-" << m_method << "HTTP" << m_httpStatus << reply->error();
    std::optional<SlackFailure> failure = handleReply(reply);
    finishWith(std::move(failure));
}

std::optional<SlackFailure> SlackJob::transportFailure(QNetworkReply *reply) const
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0 || (reply->error() != QNetworkReply::NoError && status == 200)) {
        // No HTTP answer at all: connection refused, DNS, TLS, reset, transfer timeout.
        const bool timedOut = reply->error() == QNetworkReply::OperationCanceledError ||
                              reply->error() == QNetworkReply::TimeoutError;
        const QString detail = timedOut ? QStringLiteral("timeout")
                                        : QStringLiteral("network_error_%1").arg(int(reply->error()));
        return SlackFailure{makeError(ErrorCode::Unavailable,
                                      timedOut
                                          ? QStringLiteral("Slack did not answer %1 in time").arg(m_method)
                                          : QStringLiteral("Slack could not be reached for %1").arg(m_method),
                                      {}, detail),
                            SlackErrorAction::Retry};
    }
    if (status == 429 || status != 200)
        return slackHttpFailure(m_method, status, reply->rawHeader("Retry-After"));
    return std::nullopt;
}

void SlackJob::finishWith(std::optional<SlackFailure> failure)
{
    if (isFinished())
        return;
    if (m_reply) {
        m_reply->disconnect(this);
        if (!m_reply->isFinished())
            m_reply->abort();
        m_reply->deleteLater();
        m_reply = nullptr;
    }
    const QString outcome = !failure                                            ? QStringLiteral("ok")
                            : failure->error.detail == QLatin1String("aborted") ? QStringLiteral("aborted")
                            : failure->action == SlackErrorAction::WaitThenRetry
                                ? QStringLiteral("rate_limited")
                            : failure->action == SlackErrorAction::Retry            ? QStringLiteral("retry")
                            : failure->action == SlackErrorAction::FixConfiguration ? QStringLiteral("auth")
                                                                                    : QStringLiteral("error");
    SlackStats::global().recordCall(m_method, outcome, m_httpStatus);
    if (failure) {
        m_status = Status::Failed;
        m_failure = *failure;
        qCInfo(lcSlack).noquote() << m_requestId << m_method << "failed:" << m_failure.error.toString()
                                  << slackErrorActionName(m_failure.action);
        Q_EMIT failed(this, m_failure.error, m_failure.action, QPrivateSignal());
    } else {
        m_status = Status::Succeeded;
        Q_EMIT succeeded(this, QPrivateSignal());
    }
    Q_EMIT finished(this, QPrivateSignal());
    if (m_autoDelete)
        deleteLater();
}

} // namespace threadline::slack
