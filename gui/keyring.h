#pragma once

#include "core/result.h"
#include "secretfile.h"

#include <QHash>
#include <QObject>
#include <QString>

namespace threadline::gui {

/*!
 * Where the console keeps its tokens (Slack bot and app tokens, a server's agent token).
 *
 * With QtKeychain (built in when the qtkeychain-qt6-dev package was found) they go to the
 * system keychain (Secret Service, KWallet, macOS Keychain, Windows Credential Store) as one entry
 * per data folder. When the build has no QtKeychain, or the keychain does not answer (no Secret
 * Service on the session bus, access denied), they go to SecretFile — a 0600 file in the data
 * folder — and fallbackReason() says why, for the visible warning in Settings.
 *
 * Every keychain call is asynchronous: load() emits loaded(); setValue() updates the values at
 * once and writes in the background (a failed write falls back to the file, keeping the values).
 * Values are never logged.
 */
class Keyring : public QObject
{
    Q_OBJECT

public:
    enum class Backend
    {
        Keychain,
        File,
    };

    //! filePath: the fallback file; entry: the keychain entry's name (one per data folder).
    Keyring(const QString &filePath, const QString &entry, QObject *parent = nullptr);
    ~Keyring() override;

    //! True when this build links QtKeychain.
    static bool keychainBuiltIn();

    //! Reads the tokens (keychain first, unless THREADLINE_NO_KEYCHAIN=1); emits loaded() once.
    void load();
    bool isLoaded() const { return m_loaded; }

    Backend backend() const { return m_backend; }
    //! Why the file is used (empty while the keychain is).
    QString fallbackReason() const { return m_reason; }
    QString filePath() const { return m_file.path(); }

    QString value(const QString &key) const { return m_values.value(key); }
    bool contains(const QString &key) const { return !m_values.value(key).isEmpty(); }
    //! Sets (or with an empty value removes) a token. File: written now (errors returned). Keychain:
    //! written in the background; a failure moves every token to the file and emits backendChanged().
    Result<void> setValue(const QString &key, const QString &value);

Q_SIGNALS:
    void loaded();
    void backendChanged();

private:
    void useFile(const QString &reason);
    void writeKeychain();
    QByteArray serialized() const;
    void deserialize(const QByteArray &data);

    SecretFile m_file;
    QString m_entry;
    QHash<QString, QString> m_values;
    Backend m_backend = Backend::File;
    QString m_reason;
    bool m_loaded = false;
    quint64 m_writeGeneration = 0;
};

} // namespace threadline::gui
