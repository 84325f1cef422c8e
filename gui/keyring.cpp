#include "keyring.h"

#include "guilogging.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#ifdef THREADLINE_HAVE_QTKEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace threadline::gui {

namespace {

#ifdef THREADLINE_HAVE_QTKEYCHAIN
const auto Service = QStringLiteral("Threadline");
#endif

} // namespace

Keyring::Keyring(const QString &filePath, const QString &entry, QObject *parent)
    : QObject(parent)
    , m_file(filePath)
    , m_entry(entry)
{}

Keyring::~Keyring() = default;

bool Keyring::keychainBuiltIn()
{
#ifdef THREADLINE_HAVE_QTKEYCHAIN
    return true;
#else
    return false;
#endif
}

QByteArray Keyring::serialized() const
{
    QJsonObject object;
    for (auto it = m_values.begin(); it != m_values.end(); ++it)
        object.insert(it.key(), it.value());
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

void Keyring::deserialize(const QByteArray &data)
{
    m_values.clear();
    const QJsonObject object = QJsonDocument::fromJson(data).object();
    for (auto it = object.begin(); it != object.end(); ++it)
        if (it.value().isString() && !it.value().toString().isEmpty())
            m_values.insert(it.key(), it.value().toString());
}

void Keyring::useFile(const QString &reason)
{
    m_backend = Backend::File;
    m_reason = reason;
    if (auto loaded = m_file.load(); !loaded)
        qCWarning(lcGui) << "token file:" << loaded.error().message;
}

void Keyring::load()
{
    auto finish = [this] {
        m_loaded = true;
        Q_EMIT loaded();
    };
#ifdef THREADLINE_HAVE_QTKEYCHAIN
    if (qEnvironmentVariableIntValue("THREADLINE_NO_KEYCHAIN") != 1) {
        auto *job = new QKeychain::ReadPasswordJob(Service, this);
        job->setAutoDelete(true);
        job->setKey(m_entry);
        connect(job, &QKeychain::Job::finished, this, [this, job, finish](QKeychain::Job *) {
            switch (job->error()) {
            case QKeychain::NoError:
                m_backend = Backend::Keychain;
                m_reason.clear();
                deserialize(job->textData().toUtf8());
                break;
            case QKeychain::EntryNotFound:
                // The keychain answers: it is used from now on. Tokens an earlier run kept in the
                // file move into it (the file is removed once the keychain has them).
                m_backend = Backend::Keychain;
                m_reason.clear();
                if (m_file.load() && !m_file.values().isEmpty()) {
                    m_values = m_file.values();
                    writeKeychain();
                }
                break;
            default:
                qCInfo(lcGui) << "system keychain not available:" << job->errorString();
                useFile(tr("The system keychain is not available (%1).").arg(job->errorString()));
                m_values = m_file.values();
                break;
            }
            finish();
        });
        job->start();
        return;
    }
    useFile(tr("The system keychain is turned off (THREADLINE_NO_KEYCHAIN=1)."));
#else
    useFile(tr("This build of Threadline has no system keychain support (QtKeychain)."));
#endif
    m_values = m_file.values();
    QTimer::singleShot(0, this, finish);
}

Result<void> Keyring::setValue(const QString &key, const QString &value)
{
    if (m_values.value(key) == value)
        return {};
    QHash<QString, QString> values = m_values;
    if (value.isEmpty())
        values.remove(key);
    else
        values.insert(key, value);
    if (m_backend == Backend::File) {
        if (auto written = m_file.setValues(values); !written)
            return written;
        m_values = values;
        return {};
    }
    m_values = values;
    writeKeychain();
    return {};
}

void Keyring::writeKeychain()
{
#ifdef THREADLINE_HAVE_QTKEYCHAIN
    const quint64 generation = ++m_writeGeneration;
    auto *job = new QKeychain::WritePasswordJob(Service, this);
    job->setAutoDelete(true);
    job->setKey(m_entry);
    job->setTextData(QString::fromUtf8(serialized()));
    connect(job, &QKeychain::Job::finished, this, [this, job, generation](QKeychain::Job *) {
        if (job->error() == QKeychain::NoError) {
            if (generation == m_writeGeneration)
                m_file.removeFile(); // the keychain holds them all now
            return;
        }
        if (m_backend != Backend::Keychain)
            return;
        qCWarning(lcGui) << "cannot write to the system keychain:" << job->errorString();
        const QHash<QString, QString> values = m_values;
        m_backend = Backend::File;
        m_reason = tr("The system keychain refused the tokens (%1).").arg(job->errorString());
        if (auto written = m_file.setValues(values); !written)
            qCWarning(lcGui) << "token file:" << written.error().message;
        Q_EMIT backendChanged();
    });
    job->start();
#endif
}

} // namespace threadline::gui
