#pragma once

#include "sandbox/apiarguments.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>

namespace threadline::sandbox {

class Workspace;

//! Slack's Web API methods, answered from the Workspace with Slack's shapes and error codes.
class WebApi
{
public:
    struct Reply
    {
        int status = 200;
        QJsonObject body;
        qint64 retryAfterMs = 0; //!< 429: wall-clock wait
    };

    explicit WebApi(Workspace &workspace);

    //! Returns the wss URL for a new Socket Mode connection (set by SandboxServer).
    void setConnectionUrlProvider(std::function<QString()> provider)
    {
        m_connectionUrl = std::move(provider);
    }
    //! Returns the upload URL of a file (set by SandboxServer).
    void setUploadUrlProvider(std::function<QString(const QString &fileId)> provider)
    {
        m_uploadUrl = std::move(provider);
    }

    using Handler = Reply (WebApi::*)(const ApiArguments &);
    static QHash<QString, Handler> handlerTable();
    static bool knownMethod(const QString &method);
    Reply call(const QString &method, const ApiArguments &args);

private:
    Reply authTest(const ApiArguments &a);
    Reply usersList(const ApiArguments &a);
    Reply usersInfo(const ApiArguments &a);
    Reply usersLookupByEmail(const ApiArguments &a);
    Reply conversationsOpen(const ApiArguments &a);
    Reply conversationsInfo(const ApiArguments &a);
    Reply chatPostMessage(const ApiArguments &a);
    Reply chatUpdate(const ApiArguments &a);
    Reply chatDelete(const ApiArguments &a);
    Reply conversationsReplies(const ApiArguments &a);
    Reply conversationsHistory(const ApiArguments &a);
    Reply filesInfo(const ApiArguments &a);
    Reply filesDelete(const ApiArguments &a);
    Reply filesGetUploadUrlExternal(const ApiArguments &a);
    Reply filesCompleteUploadExternal(const ApiArguments &a);
    Reply appsConnectionsOpen(const ApiArguments &a);
    Reply apiTest(const ApiArguments &a);

    static Reply error(const QString &code, int status = 200);
    static Reply ok(QJsonObject body);
    //! Resolves a channel argument (D id, or a user id when allowUser) to a DM id; empty if none.
    QString resolveChannel(const QString &arg, bool allowUser);
    Reply page(const QList<QJsonObject> &items, const ApiArguments &a, const QString &key, int defaultLimit,
               int maxLimit);

    Workspace &m_ws;
    std::function<QString()> m_connectionUrl;
    std::function<QString(const QString &)> m_uploadUrl;
};

} // namespace threadline::sandbox
