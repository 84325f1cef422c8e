#pragma once

#include "core/result.h"

#include <QHash>
#include <QString>

namespace threadline::gui {

//! The console's token file, used when no system keychain is (see Keyring): a JSON file in the data
//! folder that only the user can read (mode 0600), replaced atomically. Values are never logged.
class SecretFile
{
public:
    explicit SecretFile(QString path);

    QString path() const { return m_path; }
    //! Reads the file; a missing file is an empty store.
    Result<void> load();
    QString value(const QString &key) const { return m_values.value(key); }
    bool contains(const QString &key) const { return !m_values.value(key).isEmpty(); }
    //! Sets (or, with an empty value, removes) a secret and rewrites the file with mode 0600.
    Result<void> setValue(const QString &key, const QString &value);
    const QHash<QString, QString> &values() const { return m_values; }
    //! Replaces every secret and rewrites the file.
    Result<void> setValues(const QHash<QString, QString> &values);
    //! Forgets every secret and deletes the file (the tokens moved to the keychain).
    void removeFile();

    static QString slackBotTokenKey();
    static QString slackAppTokenKey();
    static QString serverTokenKey();

private:
    Result<void> save() const;

    QString m_path;
    QHash<QString, QString> m_values;
};

} // namespace threadline::gui
