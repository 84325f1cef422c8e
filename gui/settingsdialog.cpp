#include "settingsdialog.h"

#include "keyring.h"
#include "secretfile.h"
#include "session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QRadioButton>
#include <QUrl>
#include <QVBoxLayout>

namespace threadline::gui {

SettingsDialog::SettingsDialog(Session *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_embedded(new QRadioButton(tr("&Embedded: this computer keeps the desk"), this))
    , m_remote(new QRadioButton(tr("&Remote: a Threadline server keeps the desk"), this))
    , m_language(new QComboBox(this))
    , m_restartNotice(new QLabel(tr("The new language is used after Threadline restarts."), this))
    , m_notifications(new QCheckBox(tr("Notify me of new Slack replies on requests assigned to me"), this))
    , m_botToken(new QLineEdit(this))
    , m_appToken(new QLineEdit(this))
    , m_serverUrl(new QLineEdit(this))
    , m_serverToken(new QLineEdit(this))
    , m_tokenWarning(new QLabel(this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));
    QSettings &s = m_session->settings();

    auto *modeBox = new QGroupBox(tr("Mode"), this);
    auto *modeLayout = new QVBoxLayout(modeBox);
    modeLayout->addWidget(m_embedded);
    modeLayout->addWidget(m_remote);
    auto *remoteNote =
        new QLabel(tr("A change of mode applies when Threadline starts again; a new server address or "
                      "agent token in remote mode too."),
                   modeBox);
    remoteNote->setWordWrap(true);
    modeLayout->addWidget(remoteNote);
    const bool remote = m_session->mode() == Session::Mode::Remote;
    m_embedded->setChecked(!remote);
    m_remote->setChecked(remote);
    auto *database =
        new QLabel(tr("Database: %1").arg(QDir::toNativeSeparators(m_session->databasePath())), modeBox);
    database->setTextInteractionFlags(Qt::TextSelectableByMouse);
    database->setWordWrap(true);
    modeLayout->addWidget(database);

    m_language->addItem(tr("System language"), QString());
    m_language->addItem(QStringLiteral("English"), QStringLiteral("en"));
    m_language->addItem(QStringLiteral("Deutsch"), QStringLiteral("de"));
    m_language->addItem(QStringLiteral("Français"), QStringLiteral("fr"));
    m_initialLanguage = s.value(QStringLiteral("language")).toString();
    m_language->setCurrentIndex(qMax(0, m_language->findData(m_initialLanguage)));
    m_restartNotice->setVisible(false);
    connect(m_language, &QComboBox::currentIndexChanged, this, [this] {
        m_restartNotice->setVisible(m_language->currentData().toString() != m_initialLanguage);
    });
    m_notifications->setChecked(s.value(QStringLiteral("notifications"), true).toBool());

    auto *slackBox = new QGroupBox(tr("Slack"), this);
    auto *slackForm = new QFormLayout(slackBox);
    for (QLineEdit *e : {m_botToken, m_appToken, m_serverToken}) {
        e->setEchoMode(QLineEdit::Password);
        e->setClearButtonEnabled(true);
    }
    const Keyring &secrets = m_session->secrets();
    m_botToken->setPlaceholderText(secrets.contains(SecretFile::slackBotTokenKey())
                                       ? tr("stored — type to replace")
                                       : QStringLiteral("xoxb-…"));
    m_appToken->setPlaceholderText(secrets.contains(SecretFile::slackAppTokenKey())
                                       ? tr("stored — type to replace")
                                       : QStringLiteral("xapp-…"));
    m_serverToken->setPlaceholderText(
        secrets.contains(SecretFile::serverTokenKey()) ? tr("stored — type to replace") : QString());
    m_serverUrl->setText(s.value(QStringLiteral("server/url")).toString());
    m_tokenWarning->setWordWrap(true);
    if (secrets.backend() == Keyring::Backend::Keychain) {
        m_tokenWarning->setText(tr("Tokens are kept in the system keychain."));
    } else {
        m_tokenWarning->setText(
            tr("⚠ %1 Tokens are kept in %2 instead, a file only your user account can "
               "read (mode 0600): anyone who can sign in as you can read them.")
                .arg(secrets.fallbackReason(), QDir::toNativeSeparators(secrets.filePath())));
    }
    slackForm->addRow(tr("&Bot token:"), m_botToken);
    slackForm->addRow(tr("&App-level token:"), m_appToken);
    slackForm->addRow(tr("&Server address:"), m_serverUrl);
    slackForm->addRow(tr("Agent &token:"), m_serverToken);
    slackForm->addRow(m_tokenWarning);

    auto *general = new QFormLayout;
    general->addRow(tr("&Language:"), m_language);
    general->addRow(QString(), m_restartNotice);
    general->addRow(QString(), m_notifications);

    m_error->setWordWrap(true);
    m_error->hide();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(modeBox);
    layout->addLayout(general);
    layout->addWidget(slackBox);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
}

void SettingsDialog::accept()
{
    QSettings &s = m_session->settings();
    Keyring &secrets = m_session->secrets();
    const QString bot = m_botToken->text().trimmed();
    const QString app = m_appToken->text().trimmed();
    if ((!bot.isEmpty() && !bot.startsWith(QLatin1String("xoxb-"))) ||
        (!app.isEmpty() && !app.startsWith(QLatin1String("xapp-")))) {
        m_error->setText(tr("The bot token starts with xoxb- and the app-level token with xapp-."));
        m_error->show();
        return;
    }
    const QString serverUrl = m_serverUrl->text().trimmed();
    if (!serverUrl.isEmpty() && !QUrl::fromUserInput(serverUrl).isValid()) {
        m_error->setText(tr("The server address is not a valid URL."));
        m_error->show();
        return;
    }
    for (const auto &[key, value] :
         {std::pair{SecretFile::slackBotTokenKey(), bot}, std::pair{SecretFile::slackAppTokenKey(), app},
          std::pair{SecretFile::serverTokenKey(), m_serverToken->text().trimmed()}}) {
        if (value.isEmpty())
            continue; // empty keeps the stored token
        if (auto written = secrets.setValue(key, value); !written) {
            m_error->setText(written.error().message);
            m_error->show();
            return;
        }
    }
    const Session::Mode modeBefore = m_session->mode();
    const QString urlBefore = s.value(QStringLiteral("server/url")).toString();
    const bool remoteTokenChanged = !m_serverToken->text().trimmed().isEmpty();
    if (m_remote->isChecked())
        m_session->setMode(Session::Mode::Remote);
    else if (m_session->mode() == Session::Mode::Remote || m_session->mode() == Session::Mode::Unset)
        m_session->setMode(m_session->isSandbox() ? Session::Mode::Sandbox : Session::Mode::Slack);
    s.setValue(QStringLiteral("server/url"), serverUrl);
    const QString language = m_language->currentData().toString();
    s.setValue(QStringLiteral("language"), language);
    s.setValue(QStringLiteral("notifications"), m_notifications->isChecked());
    s.sync();
    m_botToken->clear();
    m_appToken->clear();
    m_serverToken->clear();
    const bool remoteChanged =
        m_session->mode() == Session::Mode::Remote && (urlBefore != serverUrl || remoteTokenChanged);
    Q_EMIT saved(language != m_initialLanguage ||
                 (modeBefore != Session::Mode::Unset &&
                  (modeBefore == Session::Mode::Remote) != (m_session->mode() == Session::Mode::Remote)) ||
                 remoteChanged);
    QDialog::accept();
}

} // namespace threadline::gui
