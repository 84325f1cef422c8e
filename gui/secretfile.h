#pragma once

#include "core/result.h"

#include <QHash>
#include <QString>

namespace threadline::gui {

//! Where the console keeps its secrets (Slack tokens, the agent token of a server) in this build:
//! a JSON file in the data folder that only the user can read (mode 0600), replaced atomically.
//! No system keychain is used; the settings dialog says so. Values are never logged.
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

    static QString slackBotTokenKey();
    static QString slackAppTokenKey();
    static QString serverTokenKey();

private:
    Result<void> save() const;

    QString m_path;
    QHash<QString, QString> m_values;
};

} // namespace threadline::gui
