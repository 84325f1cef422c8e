#pragma once

#include "sandbox/httpeventsender.h"
#include "sandbox/sandboxoptions.h"
#include "sandbox/socketmodehub.h"
#include "sandbox/webapi.h"
#include "sandbox/workspace.h"

#include <QHostAddress>
#include <QObject>
#include <QUrl>

#include <memory>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponder;
class QTimer;

namespace threadline::sandbox {

//! An emulated Slack workspace on loopback: the Web API under /api/, Socket Mode through
//! apps.connections.open (ws://…/link/), HTTP Events to options().eventsUrl, file uploads and
//! downloads, and the control API under /control/ (see docs/sandbox.md).
class SandboxServer : public QObject
{
    Q_OBJECT

public:
    explicit SandboxServer(SandboxOptions options = {}, QObject *parent = nullptr);
    ~SandboxServer() override;

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const { return m_port; }
    QUrl baseUrl() const;    //!< http://127.0.0.1:P/
    QUrl apiUrl() const;     //!< http://127.0.0.1:P/api/
    QUrl controlUrl() const; //!< http://127.0.0.1:P/control/

    Workspace &workspace() { return *m_workspace; }
    SocketModeHub &socketMode() { return *m_socketMode; }
    HttpEventSender &httpEvents() { return *m_httpEvents; }

    //! Adds three demo colleagues who answer in their threads after personaDelayMs.
    void addDemoColleagues();

private:
    void dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    void handleApi(const QString &method, const QHttpServerRequest &request,
                   QHttpServerResponder &&responder);
    void handleUpload(const QString &ticket, const QHttpServerRequest &request,
                      QHttpServerResponder &&responder);
    void handleDownload(const QString &path, const QHttpServerRequest &request,
                        QHttpServerResponder &&responder);
    void handleControl(const QString &path, const QHttpServerRequest &request,
                       QHttpServerResponder &&responder);
    void routeEvent(const QJsonObject &payload);

    std::unique_ptr<Workspace> m_workspace;
    std::unique_ptr<WebApi> m_webApi;
    SocketModeHub *m_socketMode = nullptr;
    HttpEventSender *m_httpEvents = nullptr;
    QHttpServer *m_http = nullptr;
    QTimer *m_saveTimer = nullptr;
    QHostAddress m_address;
    quint16 m_port = 0;
};

} // namespace threadline::sandbox
