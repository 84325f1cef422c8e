#pragma once

#include "core/result.h"
#include "files/filesoptions.h"
#include "store/storetypes.h"
#include "sync/engine.h"

#include <QFuture>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSettings>
#include <QString>

#include <functional>
#include <memory>

namespace threadline {
class AsyncStore;
namespace sandbox {
class SandboxServer;
}
} // namespace threadline

namespace threadline::gui {

class EngineHost;
class Keyring;
class RemoteDesk;

//! Everything one console window works on: the data folder, the console settings, the store (an
//! AsyncStore: the GUI thread never waits on the database), the optional in-process sandbox
//! workspace, the agent using the console and a directory of people and teams for pickers.
//!
//! Every operation is asynchronous and reports through signals.
class Session : public QObject
{
    Q_OBJECT

public:
    //! How the console reaches its desk; stored in the settings under "mode".
    enum class Mode
    {
        Unset,   //!< first run: nothing chosen yet
        Sandbox, //!< embedded store + an in-process sandbox workspace
        Slack,   //!< embedded store + a real Slack workspace
        Remote,  //!< a threadlined server
    };
    Q_ENUM(Mode)

    explicit Session(const QString &dataDir, QObject *parent = nullptr);
    ~Session() override;

    QString dataDir() const { return m_dataDir; }
    QString databasePath() const;
    //! The embedded desk's files store and its limits (docs/files.md); the sync engine shares it.
    files::FilesOptions filesOptions() const;
    //! Where a stored attachment's bytes are (embedded modes); empty in remote mode or when unknown.
    QString attachmentPath(const Attachment &attachment) const;
    //! Whether Open / Save as… can reach an attachment's bytes: stored in the embedded files store,
    //! or (remote mode) kept by the server.
    bool canOpenAttachment(const Attachment &attachment) const;
    //! The attachment's bytes as a local file: the files store's path (embedded modes) or a copy
    //! fetched from the server (remote mode, at most maxBytes), ready when the future finishes.
    QFuture<Result<QString>> attachmentFile(const Attachment &attachment, qint64 maxBytes);
    QSettings &settings() { return *m_settings; }
    Keyring &secrets() { return *m_secrets; }
    AsyncStore &store() { return *m_store; }

    Mode mode() const;
    void setMode(Mode mode);
    static QString modeKey(Mode mode);

    //! Opens the SQLite database in the data folder; emits opened() or failed().
    void open();
    bool isOpen() const { return m_open; }

    //! Starts the in-process sandbox workspace (127.0.0.1, port 0) with its demo colleagues, makes
    //! them (and the agent) people of the desk and creates a sample request when the desk is empty.
    //! Emits sandboxStarted() when all of it is committed, or failed().
    void startSandbox();
    //! Makes sure the agent person exists (outside sandbox mode); emits agentReady().
    void ensureAgent();
    //! Starts the sync engine against Slack with the stored tokens (Slack mode; after agentReady()).
    //! The Web API address is Slack's unless the setting slack/api_url names another (a sandbox
    //! workspace started with threadline-sandbox, for instance). Fails when a token is missing.
    Result<void> startSlackEngine();
    sandbox::SandboxServer *sandboxServer() const { return m_sandbox.get(); }
    bool isSandbox() const { return m_sandbox != nullptr; }
    //! Remote mode: mirrors the server (settings server/url, the stored agent token) into the
    //! cache database and keeps it live; emits agentReady() once mirrored, or failed(). Works
    //! without a restart after the welcome dialog: the store then moves from the local desk to the
    //! remote cache. The settings' mode is left to the caller.
    void startRemote();
    //! Drops the server mirror (a failed first connection) and reopens the desk of the current mode.
    void stopRemote();
    //! The server mirror in remote mode; nullptr otherwise. Writes go through its ApiClient.
    RemoteDesk *remote() const { return m_remote; }
    //! The sync engine, when it runs (sandbox and Slack modes); nullptr otherwise.
    EngineHost *engine() const { return m_engine; }

    //! Adjusts the sync engine's options before it starts (tests: fewer attempts, shorter backoff).
    void setEngineTuning(std::function<void(sync::EngineOptions &)> tune) { m_tune = std::move(tune); }

    //! The person using the console (0 until known).
    qint64 agentId() const { return m_agentId; }

    //! Reloads the people and team directory; emits directoryChanged().
    void reloadDirectory();
    const QList<Person> &people() const { return m_people; }
    const QList<Team> &teams() const { return m_teams; }
    QString personName(qint64 id) const;
    //! A person as the REST API names them: Slack user id, else email (empty for 0 or unknown).
    QString personKey(qint64 id) const;
    QString teamName(qint64 id) const;

    //! "Last seen" time of a request by this agent (UTC ms), for the new Slack replies badge.
    qint64 lastSeen(qint64 requestId) const;
    void markSeen(qint64 requestId, qint64 whenMs);

Q_SIGNALS:
    //! A committed change of the desk, from the console's store or from the sync engine's.
    void changed(const threadline::StoreChange &change);
    void opened();
    void failed(const threadline::Error &error);
    void sandboxStarted();
    void agentReady();
    void directoryChanged();

private:
    void onStoreChanged(const threadline::StoreChange &change);
    void seedSandbox(const QList<PersonInput> &colleagues, const PersonInput &agent);
    void startEngine(const slack::SlackConfig &slack);
    void onOpenStep();
    QString remoteCachePath() const;
    void removeRemoteCache();

    QString m_dataDir;
    std::unique_ptr<QSettings> m_settings;
    Keyring *m_secrets = nullptr;
    bool m_storeOpen = false;
    QString m_storePath; //!< the database file the store has open (or is opening)
    AsyncStore *m_store = nullptr;
    std::unique_ptr<sandbox::SandboxServer> m_sandbox;
    EngineHost *m_engine = nullptr;
    RemoteDesk *m_remote = nullptr;
    bool m_open = false;
    qint64 m_agentId = 0;
    QList<Person> m_people;
    QList<Team> m_teams;
    QHash<qint64, int> m_personIndex;
    bool m_directoryReloadQueued = false;
    std::function<void(sync::EngineOptions &)> m_tune;
};

} // namespace threadline::gui
