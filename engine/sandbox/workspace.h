#pragma once

#include "sandbox/ratelimiter.h"
#include "sandbox/sandboxoptions.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QRandomGenerator>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <optional>

class QTimer;

namespace threadline::sandbox {

struct SandboxUser
{
    QString id;
    QString name;                       //!< the handle; also the display name until one is set
    std::optional<QString> displayName; //!< profile.display_name once set (may be ""); unset: the handle
    QString realName;
    QString email;
    QString persona; //!< non-empty: a demo colleague that answers in its threads
    bool isBot = false;
    bool deleted = false;
    qint64 updated = 0; //!< user.updated (seconds) after a profile change; 0: the initial value
};

struct MessageRevision
{
    QString ts;   //!< when the edit happened
    QString text; //!< the text before the edit
    QString editor;
};

struct SandboxMessage
{
    QString channel;
    QString ts;
    QString threadTs; //!< empty for a top-level message without replies
    QString user;     //!< author user id (the bot user for the app's posts)
    bool byApp = false;
    QString subtype; //!< "", "file_share", "thread_broadcast", "tombstone"
    QString text;
    QJsonArray blocks;
    QJsonObject metadata;
    QString clientMsgId;
    QStringList fileIds;
    QString editedTs;
    QString editedBy;
    QList<MessageRevision> history;
    bool deleted = false;
};

struct SandboxFile
{
    QString id;
    QString name;
    QString title;
    QString mimetype;
    QString filetype;
    QString user;
    qint64 created = 0;
    qint64 declaredLength = 0;
    QByteArray data;
    bool uploaded = false;
    bool completed = false;
    bool deleted = false;
    QString channel;
    QString shareTs;
    QString threadTs;
};

struct SandboxChannel
{
    QString id;
    QString user; //!< the human member of this DM with the app
    qint64 created = 0;
    QStringList order;                   //!< every ts, in posting order
    QHash<QString, SandboxMessage> byTs; //!< live and deleted messages
    QHash<QString, QStringList> threads; //!< parent ts -> reply ts, in order
};

//! Faults injected on demand. Rates are probabilities in [0, 1].
struct SandboxFaults
{
    int latencyMs = 0;          //!< added to every Web API answer
    double serverErrorRate = 0; //!< answer 5xx
    double resetRate = 0;       //!< abort the TCP connection instead of answering
    double dropSocketRate = 0;  //!< drop the Socket Mode socket instead of delivering an envelope
    double duplicateRate = 0;   //!< deliver an envelope twice
    double delayRate = 0;       //!< hold an envelope back for delayMs first
    int delayMs = 0;
    int httpEventStatus = 0; //!< HTTP events: non-zero forces this status for our own tests
    QJsonObject toJson() const;
    void apply(const QJsonObject &o);
};

//! One row of the call log.
struct CallRecord
{
    QString method;
    int httpStatus = 200;
    QString error; //!< empty when ok
    qint64 atMs = 0;
};

//! The emulated workspace: people, the DM of each person with the app, messages, files, the
//! call log, limits and faults. All Slack-visible changes raise events (eventRaised) shaped as
//! Slack shapes them; delivery (Socket Mode or HTTP) is done by SandboxServer.
class Workspace : public QObject
{
    Q_OBJECT

public:
    explicit Workspace(SandboxOptions options, QObject *parent = nullptr);
    ~Workspace() override;

    const SandboxOptions &options() const { return m_options; }
    SandboxOptions &mutableOptions() { return m_options; }

    // --- people -------------------------------------------------------------------------------
    //! Adds a person; an empty id picks U…; returns the user (existing one if the id exists).
    SandboxUser addUser(const QString &name, const QString &email = {}, const QString &realName = {},
                        const QString &id = {}, const QString &persona = {});
    const SandboxUser *user(const QString &id) const;
    const SandboxUser *userByEmail(const QString &email) const;
    QList<SandboxUser> users() const; //!< humans first in creation order, then the bot user
    //! What a member changes in their profile (or an admin in their account). Unset: unchanged.
    struct ProfileChange
    {
        std::optional<QString> displayName;
        std::optional<QString> realName;
        std::optional<QString> email;
        std::optional<bool> deleted; //!< deactivated (true) or reactivated (false)
    };
    /*!
     * Changes a member's profile like Slack does: the user object is updated (users.info,
     * users.list show it) and a `user_change` event with the full user object is raised to the app
     * (Socket Mode or HTTP Events), also when nothing changed (Slack sends one per save). Returns
     * the error (`user_not_found`, `invalid_name` for a name over 80/250 characters, `cannot_change_bot`),
     * empty on success.
     */
    QString changeProfile(const QString &userId, const ProfileChange &change);

    // --- channels -----------------------------------------------------------------------------
    //! The DM of a user with the app, created when missing. Empty when the user is unknown.
    QString openDm(const QString &userId, bool *alreadyOpen = nullptr);
    QString dmOf(const QString &userId) const;
    const SandboxChannel *channel(const QString &id) const;
    QStringList channelIds() const;

    // --- acting as a person (what a control script does) -------------------------------------
    struct ActResult
    {
        bool ok = false;
        QString error;
        QString channel;
        QString ts;
    };
    ActResult postAsUser(const QString &userId, const QString &text, const QString &threadTs = {},
                         bool broadcast = false);
    ActResult editAsUser(const QString &userId, const QString &ts, const QString &text);
    ActResult deleteAsUser(const QString &userId, const QString &ts);
    ActResult uploadAsUser(const QString &userId, const QString &name, const QByteArray &data,
                           const QString &mimetype = {}, const QString &threadTs = {},
                           const QString &comment = {});

    // --- acting as the app (used by the Web API) ---------------------------------------------
    //! Posts a message. threadTs must be a parent or a reply of an existing thread.
    SandboxMessage &appendMessage(SandboxMessage message, bool emitEvent = true);
    void editMessage(const QString &channel, const QString &ts, const QString &editor,
                     const std::function<void(SandboxMessage &)> &change, bool markEdited);
    void removeMessage(const QString &channel, const QString &ts);
    SandboxMessage *message(const QString &channel, const QString &ts);
    const SandboxMessage *message(const QString &channel, const QString &ts) const;
    QList<const SandboxMessage *> replies(const QString &channel, const QString &threadTs) const;
    QList<const SandboxMessage *> topLevel(const QString &channel) const; //!< oldest first

    // --- files --------------------------------------------------------------------------------
    SandboxFile &createFile(const QString &name, qint64 length, const QString &userId);
    SandboxFile *file(const QString &id);
    const SandboxFile *file(const QString &id) const;
    QString uploadTicketFor(const QString &fileId) const;
    SandboxFile *fileByUploadTicket(const QString &ticket);
    /*!
     * files.delete as \a userId: only the uploader may delete a file (else `cant_delete_file`;
     * unknown: `file_not_found`; twice: `file_deleted`). The bytes are dropped; a message that
     * carried only deleted files and no text is removed (message_deleted), one with text keeps
     * its text and shows the file as a tombstone. Returns the error, empty on success.
     */
    QString deleteFile(const QString &fileId, const QString &userId);

    // --- Slack's JSON shapes ------------------------------------------------------------------
    QJsonObject messageJson(const SandboxMessage &m, bool forEvent, bool withMetadata = true) const;
    QJsonObject fileJson(const SandboxFile &f) const;
    QJsonObject userJson(const SandboxUser &u) const;
    QJsonObject botProfileJson() const;
    QString newTs();
    QString newId(QChar prefix);
    QUrl baseUrl() const { return m_baseUrl; }
    void setBaseUrl(const QUrl &url) { m_baseUrl = url; }
    //! Serves file URLs (url_private, url_private_download) from another origin, e.g. to check that
    //! a client keeps its token on Slack's file hosts. Invalid (the default): this sandbox.
    void setFileBaseUrl(const QUrl &url) { m_fileBaseUrl = url; }

    // --- limits, faults, time -----------------------------------------------------------------
    RateLimiter &rateLimiter() { return m_limiter; }
    void setRateLimitsEnabled(bool on);
    void setTimeScale(double scale);
    SandboxFaults &faults() { return m_faults; }
    const SandboxFaults &faults() const { return m_faults; }
    bool roll(double probability); //!< seeded dice

    // --- inspection ---------------------------------------------------------------------------
    void recordCall(const QString &method, int httpStatus, const QString &error);
    QJsonObject callLogJson() const;
    int callCount(const QString &method,
                  const QString &outcome = {}) const; //!< outcome: "ok", an error, "429"
    int rateLimitedCount() const { return m_rateLimited; }
    QJsonObject stateJson(bool withFileData = false) const;
    QJsonArray channelMessagesJson(const QString &channel, const QString &threadTs = {}) const;
    void noteAck(const QString &envelopeId, const QString &eventId);

    // --- persistence --------------------------------------------------------------------------
    bool loadState(const QString &path);
    bool saveState(const QString &path) const;
    void reset(); //!< forget users, channels, messages, files and the call log

    //! Wraps an inner event as Slack's event_callback payload.
    QJsonObject eventCallback(const QJsonObject &event);

Q_SIGNALS:
    void userAdded(const QString &userId);
    void messagePosted(const QString &channel, const QString &ts, const QString &threadTs);
    void messageUpdated(const QString &channel, const QString &ts);
    void messageDeleted(const QString &channel, const QString &ts);
    void fileShared(const QString &fileId, const QString &channel, const QString &ts);
    //! An event_callback payload to deliver to the app.
    void eventRaised(const QJsonObject &payload);
    void envelopeAcked(const QString &envelopeId, const QString &eventId);
    void changed(); //!< any state change (drives persistence)

private:
    void raise(const QJsonObject &event);
    //! The ts of the thread a reply to threadTs in dm joins; empty when threadTs is not a live
    //! message (a tombstoned parent still takes replies).
    QString threadRootOf(const QString &dm, const QString &threadTs) const;
    //! The error refusing userId a change to message ts in their DM dm (`refusal` when the message
    //! is not theirs); empty when they may change it.
    QString ownMessageRefusal(const QString &userId, const QString &dm, const QString &ts,
                              const QString &refusal) const;
    void onAppPosted(const SandboxMessage &m);
    void personaReply(const QString &userId, const QString &channel, const QString &threadTs,
                      const QString &about);

    SandboxOptions m_options;
    QUrl m_baseUrl;
    QUrl m_fileBaseUrl;
    QList<QString> m_userOrder;
    QHash<QString, SandboxUser> m_users;
    QHash<QString, QString> m_dmByUser;
    QMap<QString, SandboxChannel> m_channels;
    QHash<QString, SandboxFile> m_files;
    QHash<QString, QString> m_uploadTickets; //!< ticket -> file id
    QHash<QString, int> m_personaReplies;    //!< channel/thread -> replies sent
    RateLimiter m_limiter;
    SandboxFaults m_faults;
    QRandomGenerator m_dice;
    qint64 m_lastTsMicros = 0;
    quint64 m_idCounter = 0;
    QElapsedTimer m_clock;

    struct MethodStats
    {
        int count = 0;
        QMap<QString, int> outcomes;
    };
    QMap<QString, MethodStats> m_calls;
    QList<CallRecord> m_recent;
    int m_rateLimited = 0;
    int m_acks = 0;
};

} // namespace threadline::sandbox
