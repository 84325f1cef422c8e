#include "session.h"

#include "enginehost.h"
#include "futurewatch.h"
#include "guilogging.h"
#include "keyring.h"
#include "remotedesk.h"
#include "secretfile.h"

#include "files/filestore.h"
#include "sandbox/sandboxserver.h"
#include "store/asyncstore.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFutureWatcher>
#include <QPromise>
#include <QSqlQuery>
#include <QtConcurrent/QtConcurrentRun>
#include <QTimer>
#include <QUuid>

namespace threadline::gui {

namespace {

struct Directory
{
    QList<Person> people;
    QList<Team> teams;
};

constexpr int MaxDirectoryPeople = 20000;

QString agentSlackId()
{
    return QStringLiteral("U0SANDBOXAGENT");
}

} // namespace

Session::Session(const QString &dataDir, QObject *parent)
    : QObject(parent)
    , m_dataDir(dataDir)
{
    QDir().mkpath(m_dataDir);
    m_settings = std::make_unique<QSettings>(QDir(m_dataDir).filePath(QStringLiteral("threadline.ini")),
                                             QSettings::IniFormat);
    m_secrets = new Keyring(QDir(m_dataDir).filePath(QStringLiteral("secrets.json")),
                            QStringLiteral("tokens ") + QDir(m_dataDir).absolutePath(), this);
    connect(m_secrets, &Keyring::loaded, this, &Session::onOpenStep);
    m_store = new AsyncStore(this);
    connect(m_store, &AsyncStore::changed, this, [this](const StoreChange &change) {
        if (m_engine)
            m_engine->nudge(); // the engine's own connection reads the change feed now
        onStoreChanged(change);
        Q_EMIT changed(change);
    });
}

Session::~Session()
{
    // The sandbox goes first: it runs on this thread, so the engine's calls to it fail fast instead
    // of waiting on a thread that is busy joining the engine. Then the engine; the store joins last.
    m_sandbox.reset();
    delete m_engine;
    m_engine = nullptr;
}

QString Session::databasePath() const
{
    // Remote mode keeps a cache of the server's desk, read afresh at every start, apart from the
    // embedded desk.
    if (mode() == Mode::Remote)
        return remoteCachePath();
    return QDir(m_dataDir).filePath(QStringLiteral("threadline.db"));
}

files::FilesOptions Session::filesOptions() const
{
    files::FilesOptions options;
    options.storeDir = QDir(m_dataDir).filePath(QStringLiteral("files"));
    return options;
}

QString Session::attachmentPath(const Attachment &attachment) const
{
    if (m_remote)
        return m_remote->cachedFile(attachment);
    if (attachment.state != QLatin1String("stored") || attachment.storageKey.isEmpty())
        return {};
    return files::FileStore(filesOptions().storeDir).pathFor(attachment.storageKey);
}

bool Session::canOpenAttachment(const Attachment &attachment) const
{
    if (attachment.state != QLatin1String("stored"))
        return false;
    if (m_remote)
        return attachment.storageKey.startsWith(QLatin1String("remote:"));
    return !attachmentPath(attachment).isEmpty();
}

QFuture<Result<QString>> Session::attachmentFile(const Attachment &attachment, qint64 maxBytes)
{
    if (m_remote)
        return m_remote->fetchFile(attachment, maxBytes, true);
    QPromise<Result<QString>> promise;
    promise.start();
    const QString path = attachmentPath(attachment);
    if (path.isEmpty())
        promise.addResult(makeError(ErrorCode::NotFound, tr("The file is not in this desk's files store.")));
    else
        promise.addResult(path);
    promise.finish();
    return promise.future();
}

QString Session::remoteCachePath() const
{
    return QDir(m_dataDir).filePath(QStringLiteral("remote-cache.db"));
}

void Session::removeRemoteCache()
{
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(remoteCachePath() + suffix);
}

QString Session::modeKey(Mode mode)
{
    switch (mode) {
    case Mode::Unset:
        return {};
    case Mode::Sandbox:
        return QStringLiteral("sandbox");
    case Mode::Slack:
        return QStringLiteral("slack");
    case Mode::Remote:
        return QStringLiteral("remote");
    }
    return {};
}

Session::Mode Session::mode() const
{
    const QString key = m_settings->value(QStringLiteral("mode")).toString();
    for (Mode m : {Mode::Sandbox, Mode::Slack, Mode::Remote})
        if (key == modeKey(m))
            return m;
    return Mode::Unset;
}

void Session::setMode(Mode mode)
{
    m_settings->setValue(QStringLiteral("mode"), modeKey(mode));
}

void Session::open()
{
    // The database and the tokens are read side by side; opened() follows the later of the two.
    m_secrets->load();
    if (mode() == Mode::Remote)
        removeRemoteCache();
    m_storePath = databasePath();
    whenFinished(this, m_store->open(QStringLiteral("sqlite:") + m_storePath),
                 [this](const Result<void> &result) {
                     if (!result) {
                         qCWarning(lcGuiStore) << "cannot open the database:" << result.error().toString();
                         Q_EMIT failed(result.error());
                         return;
                     }
                     m_storeOpen = true;
                     onOpenStep();
                 });
}

void Session::onOpenStep()
{
    if (m_open || !m_storeOpen || !m_secrets->isLoaded())
        return;
    m_open = true;
    Q_EMIT opened();
}

void Session::startSandbox()
{
    if (m_sandbox) {
        Q_EMIT sandboxStarted();
        return;
    }
    auto server = std::make_unique<sandbox::SandboxServer>();
    if (!server->listen(QHostAddress::LocalHost, 0)) {
        Q_EMIT failed(
            makeError(ErrorCode::Unavailable, tr("The sandbox workspace could not listen on 127.0.0.1")));
        return;
    }
    const sandbox::SandboxUser agent = server->workspace().addUser(
        QStringLiteral("agent"), QStringLiteral("agent@example.com"), tr("You"), agentSlackId());
    server->addDemoColleagues();
    QList<PersonInput> colleagues;
    const QList<sandbox::SandboxUser> users = server->workspace().users();
    for (const sandbox::SandboxUser &u : users) {
        if (u.isBot || u.persona.isEmpty() || u.id == agent.id)
            continue; // the demo colleagues only (not Slackbot)
        colleagues.append(PersonInput{u.id, u.realName, u.email, false});
    }
    m_sandbox = std::move(server);
    qCInfo(lcGui) << "sandbox workspace listening at" << m_sandbox->baseUrl().toString();
    seedSandbox(colleagues, PersonInput{agent.id, agent.realName, agent.email, true});
}

void Session::seedSandbox(const QList<PersonInput> &colleagues, const PersonInput &agent)
{
    const QString title = tr("VPN drops every hour");
    const QString body =
        tr("Since this morning my VPN connection drops about once an hour and I have to sign in "
           "again. It happens at home and in the office.");
    const QString team = tr("IT");
    whenFinished(this,
                 m_store->run<qint64>([colleagues, agent, title, body, team](Store &store) -> Result<qint64> {
                     return store.transaction([&]() -> Result<qint64> {
                         QList<qint64> ids;
                         for (const PersonInput &p : colleagues) {
                             auto person = store.upsertPerson(p);
                             if (!person)
                                 return person.error();
                             ids.append(person->id);
                         }
                         auto me = store.upsertPerson(agent);
                         if (!me)
                             return me.error();
                         RequestQuery any;
                         any.limit = 1;
                         auto page = store.listRequests(any);
                         if (!page)
                             return page.error();
                         if (!page->requests.isEmpty() || ids.size() < 3)
                             return me->id;
                         auto it = store.upsertTeam(team);
                         if (!it)
                             return it.error();
                         if (auto added = store.addTeamMember(it->id, ids.at(2)); !added)
                             return added.error();
                         NewRequest sample;
                         sample.title = title;
                         sample.body = body;
                         sample.requesterId = ids.at(0);
                         sample.assigneeId = me->id;
                         sample.teamId = it->id;
                         sample.followerIds = {ids.at(1)};
                         sample.actorId = ids.at(0);
                         auto created = store.createRequest(sample);
                         if (!created)
                             return created.error();
                         return me->id;
                     });
                 }),
                 [this](const Result<qint64> &result) {
                     if (!result) {
                         Q_EMIT failed(result.error());
                         return;
                     }
                     m_agentId = *result;
                     reloadDirectory();
                     slack::SlackConfig slack;
                     slack.apiUrl = m_sandbox->apiUrl();
                     slack.botToken = m_sandbox->workspace().options().botToken;
                     slack.appToken = m_sandbox->workspace().options().appToken;
                     slack.signingSecret = m_sandbox->workspace().options().signingSecret;
                     startEngine(slack);
                     Q_EMIT sandboxStarted();
                     Q_EMIT agentReady();
                 });
}

Result<void> Session::startSlackEngine()
{
    if (m_engine)
        return {};
    slack::SlackConfig slack;
    slack.botToken = m_secrets->value(SecretFile::slackBotTokenKey());
    slack.appToken = m_secrets->value(SecretFile::slackAppTokenKey());
    if (slack.botToken.isEmpty() || slack.appToken.isEmpty())
        return makeError(ErrorCode::Invalid,
                         tr("Slack sync needs the bot token and the app-level token: add them in Settings."));
    const QString apiUrl = m_settings->value(QStringLiteral("slack/api_url")).toString().trimmed();
    if (!apiUrl.isEmpty()) {
        const QUrl url(apiUrl);
        if (!url.isValid() ||
            (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
            return makeError(ErrorCode::Invalid,
                             tr("The Slack address in the settings (slack/api_url) is not an http(s) URL."));
        slack.apiUrl = slack::SlackConfig::normalizedApiUrl(url);
    }
    startEngine(slack);
    return {};
}

void Session::startEngine(const slack::SlackConfig &slack)
{
    if (m_engine)
        return;
    sync::EngineOptions options;
    options.databaseUrl = QStringLiteral("sqlite:") + databasePath();
    options.slack = slack;
    options.files = filesOptions(); // files shared in threads come to the desk, desk files go out
    if (m_tune)
        m_tune(options);
    m_engine = new EngineHost(this);
    connect(m_engine, &EngineHost::storeChanged, this, [this](const StoreChange &change) {
        onStoreChanged(change);
        Q_EMIT changed(change);
    });
    m_engine->start(options);
}

void Session::ensureAgent()
{
    PersonInput me;
    me.name = m_settings->value(QStringLiteral("agent/name"), tr("Desk agent")).toString();
    QString login = qEnvironmentVariable("USER").toLower();
    login.removeIf(
        [](QChar c) { return !(c.isLetterOrNumber() || c == QLatin1Char('.') || c == QLatin1Char('-')); });
    if (login.isEmpty())
        login = QStringLiteral("agent");
    me.email = m_settings->value(QStringLiteral("agent/email"), QString(login + QStringLiteral("@localhost")))
                   .toString();
    me.isAgent = true;
    whenFinished(this, m_store->upsertPerson(me), [this](const Result<Person> &result) {
        if (!result) {
            Q_EMIT failed(result.error());
            return;
        }
        m_agentId = result->id;
        reloadDirectory();
        Q_EMIT agentReady();
    });
}

void Session::startRemote()
{
    if (m_remote)
        return;
    const QUrl url(m_settings->value(QStringLiteral("server/url")).toString().trimmed());
    const QString token = m_secrets->value(SecretFile::serverTokenKey());
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
        token.isEmpty()) {
        Q_EMIT failed(makeError(ErrorCode::Invalid,
                                tr("Remote mode needs the server address (http:// or https://) and an agent "
                                   "token: add them in Settings.")));
        return;
    }
    if (m_storePath != remoteCachePath()) {
        // First connection from the welcome dialog: the local desk is open; the cache is another
        // database, started afresh. The store's worker closes one and opens the other.
        removeRemoteCache();
        m_storePath = remoteCachePath();
        whenFinished(this, m_store->open(QStringLiteral("sqlite:") + m_storePath),
                     [this](const Result<void> &opened) {
                         if (!opened) {
                             Q_EMIT failed(opened.error());
                             return;
                         }
                         startRemote();
                     });
        return;
    }
    m_remote = new RemoteDesk(m_store, url, token, this);
    // Fetched attachment bytes (thumbnails, Open, Save as…): a fresh folder per start, like the
    // cache; the folders of earlier starts are removed on a worker thread (no disk work here).
    const QString remoteFiles = QDir(m_dataDir).filePath(QStringLiteral("remote-files"));
    const QString run = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_remote->setFilesDirectory(QDir(remoteFiles).filePath(run));
    (void)QtConcurrent::run([remoteFiles, run] {
        const QDir root(remoteFiles);
        for (const QString &old : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            if (old != run)
                QDir(root.filePath(old)).removeRecursively();
    });
    connect(m_remote, &RemoteDesk::failed, this, &Session::failed);
    connect(
        m_remote, &RemoteDesk::synced, this,
        [this] {
            const QString key = m_remote->agentKey();
            whenFinished(this, m_store->run<qint64>([key](Store &store) -> Result<qint64> {
                auto me =
                    key.contains(QLatin1Char('@')) ? store.personByEmail(key) : store.personBySlackId(key);
                return me ? me->id : qint64(0); // the admin token is nobody of the desk
            }),
                         [this](const Result<qint64> &me) {
                             m_agentId = me ? me.value() : 0;
                             reloadDirectory();
                             Q_EMIT agentReady();
                         });
        },
        Qt::SingleShotConnection);
    qCInfo(lcGui) << "remote mode: server" << url.toString(QUrl::RemoveUserInfo);
    m_remote->start();
}

void Session::stopRemote()
{
    if (m_remote) {
        m_remote->disconnect(this);
        m_remote->deleteLater();
        m_remote = nullptr;
    }
    m_agentId = 0;
    if (m_storePath == databasePath())
        return;
    // Back to the desk of the mode in the settings (the local one when remote mode was not kept).
    m_storePath = databasePath();
    whenFinished(this, m_store->open(QStringLiteral("sqlite:") + m_storePath), [this](const Result<void> &r) {
        if (!r)
            Q_EMIT failed(r.error());
    });
}

void Session::reloadDirectory()
{
    whenFinished(this, m_store->run<Directory>([](Store &store) -> Result<Directory> {
        Directory d;
        auto q = store.exec(QStringLiteral("SELECT id, slack_id, name, email, is_agent FROM people "
                                           "ORDER BY name, id LIMIT ?"),
                            {MaxDirectoryPeople});
        if (!q)
            return q.error();
        {
            QueryGuard guard(q.value());
            while (q.value()->next()) {
                Person p;
                p.id = q.value()->value(0).toLongLong();
                p.slackId = q.value()->value(1).toString();
                p.name = q.value()->value(2).toString();
                p.email = q.value()->value(3).toString();
                p.isAgent = q.value()->value(4).toBool();
                d.people.append(p);
            }
        }
        auto t = store.exec(QStringLiteral("SELECT id, name FROM teams ORDER BY name, id"));
        if (!t)
            return t.error();
        QueryGuard guard(t.value());
        while (t.value()->next()) {
            Team team;
            team.id = t.value()->value(0).toLongLong();
            team.name = t.value()->value(1).toString();
            d.teams.append(team);
        }
        return d;
    }),
                 [this](const Result<Directory> &result) {
                     m_directoryReloadQueued = false;
                     if (!result) {
                         qCWarning(lcGuiStore) << "cannot load people:" << result.error().toString();
                         return;
                     }
                     m_people = result->people;
                     m_teams = result->teams;
                     m_personIndex.clear();
                     for (int i = 0; i < m_people.size(); ++i)
                         m_personIndex.insert(m_people.at(i).id, i);
                     Q_EMIT directoryChanged();
                 });
}

QString Session::personName(qint64 id) const
{
    if (id == 0)
        return tr("Unassigned");
    const auto it = m_personIndex.constFind(id);
    if (it == m_personIndex.constEnd())
        return tr("Person %1").arg(id);
    return m_people.at(*it).name;
}

QString Session::personKey(qint64 id) const
{
    const auto it = m_personIndex.constFind(id);
    if (it == m_personIndex.constEnd())
        return {};
    const Person &p = m_people.at(*it);
    return p.slackId.isEmpty() ? p.email : p.slackId;
}

QString Session::teamName(qint64 id) const
{
    if (id == 0)
        return tr("No team");
    for (const Team &t : m_teams)
        if (t.id == id)
            return t.name;
    return tr("Team %1").arg(id);
}

qint64 Session::lastSeen(qint64 requestId) const
{
    return m_settings->value(QStringLiteral("seen/%1").arg(requestId), 0).toLongLong();
}

void Session::markSeen(qint64 requestId, qint64 whenMs)
{
    m_settings->setValue(QStringLiteral("seen/%1").arg(requestId), whenMs);
}

void Session::onStoreChanged(const StoreChange &change)
{
    switch (change.kind) {
    case StoreChange::Kind::PersonUpserted:
    case StoreChange::Kind::TeamUpserted:
    case StoreChange::Kind::TeamMembershipChanged:
        if (!m_directoryReloadQueued && m_open) {
            m_directoryReloadQueued = true;
            QTimer::singleShot(0, this, &Session::reloadDirectory);
        }
        break;
    case StoreChange::Kind::RequestCreated:
    case StoreChange::Kind::StatusChanged:
    case StoreChange::Kind::AssigneeChanged:
    case StoreChange::Kind::TitleChanged:
    case StoreChange::Kind::FollowerAdded:
    case StoreChange::Kind::FollowerRemoved:
    case StoreChange::Kind::UpdatePosted:
    case StoreChange::Kind::UpdateEdited:
    case StoreChange::Kind::UpdateDeleted:
    case StoreChange::Kind::AttachmentAdded:
        break;
    }
}

} // namespace threadline::gui
