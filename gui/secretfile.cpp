#include "secretfile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

namespace threadline::gui {

SecretFile::SecretFile(QString path)
    : m_path(std::move(path))
{}

QString SecretFile::slackBotTokenKey()
{
    return QStringLiteral("slack_bot_token");
}

QString SecretFile::slackAppTokenKey()
{
    return QStringLiteral("slack_app_token");
}

QString SecretFile::serverTokenKey()
{
    return QStringLiteral("server_agent_token");
}

Result<void> SecretFile::load()
{
    m_values.clear();
    QFile file(m_path);
    if (!file.exists())
        return {};
    if (!file.open(QIODevice::ReadOnly))
        return makeError(
            ErrorCode::Unavailable,
            QCoreApplication::translate("threadline::gui::SecretFile", "Cannot read the token file %1")
                .arg(QDir::toNativeSeparators(m_path)),
            {}, file.errorString());
    const QJsonObject object = QJsonDocument::fromJson(file.readAll()).object();
    for (auto it = object.begin(); it != object.end(); ++it)
        m_values.insert(it.key(), it.value().toString());
    return {};
}

Result<void> SecretFile::setValue(const QString &key, const QString &value)
{
    if (value.isEmpty())
        m_values.remove(key);
    else
        m_values.insert(key, value);
    return save();
}

Result<void> SecretFile::setValues(const QHash<QString, QString> &values)
{
    m_values = values;
    return save();
}

void SecretFile::removeFile()
{
    m_values.clear();
    QFile::remove(m_path);
}

Result<void> SecretFile::save() const
{
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QJsonObject object;
    for (auto it = m_values.begin(); it != m_values.end(); ++it)
        object.insert(it.key(), it.value());
    const QString temp = m_path + QStringLiteral(".new");
    QFile::remove(temp);
    QFile file(temp);
    // Created with mode 0600 from the start: the secret is never readable by others, not even briefly.
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return makeError(
            ErrorCode::Unavailable,
            QCoreApplication::translate("threadline::gui::SecretFile", "Cannot write the token file %1")
                .arg(QDir::toNativeSeparators(m_path)),
            {}, file.errorString());
    file.write(QJsonDocument(object).toJson(QJsonDocument::Indented));
    file.close();
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QFile::remove(m_path);
    if (!QFile::rename(temp, m_path))
        return makeError(ErrorCode::Unavailable, QCoreApplication::translate("threadline::gui::SecretFile",
                                                                             "Cannot write the token file %1")
                                                     .arg(QDir::toNativeSeparators(m_path)));
    return {};
}

} // namespace threadline::gui
