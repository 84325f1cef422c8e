#include "welcomedialog.h"

#include <QCommandLinkButton>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace threadline::gui {

WelcomeDialog::WelcomeDialog(QWidget *parent)
    : QDialog(parent)
    , m_pages(new QStackedWidget(this))
{
    setObjectName(QStringLiteral("welcomeDialog"));
    setWindowTitle(tr("Welcome to Threadline"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/threadline.svg")));
    m_pages->addWidget(makeChoicePage());
    m_pages->addWidget(makeSlackPage());
    m_pages->addWidget(makeServerPage());
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_pages);
    resize(560, 420);
}

QWidget *WelcomeDialog::makeChoicePage()
{
    auto *page = new QWidget(this);
    auto *heading =
        new QLabel(tr("<h2>Welcome to Threadline</h2><p>Every request also lives in Slack: each "
                      "follower gets their own thread, and Threadline keeps the desk and all those "
                      "threads in step. How do you want to start?</p>"),
                   page);
    heading->setWordWrap(true);
    m_sandbox =
        new QCommandLinkButton(tr("Try it with a sandbox workspace"),
                               tr("An emulated Slack workspace on this computer with three demo colleagues "
                                  "who answer in their threads. Nothing reaches real Slack."),
                               page);
    m_slack = new QCommandLinkButton(
        tr("Connect to Slack"), tr("Use your own Slack app: you need its bot token and app-level token."),
        page);
    m_server =
        new QCommandLinkButton(tr("Connect to a Threadline server"),
                               tr("Work on a desk that a threadlined server keeps, with its address and your "
                                  "agent token."),
                               page);
    m_sandbox->setIcon(QIcon(QStringLiteral(":/icons/sandbox.svg")));
    m_slack->setIcon(QIcon(QStringLiteral(":/icons/slack.svg")));
    m_server->setIcon(QIcon(QStringLiteral(":/icons/server.svg")));
    m_sandbox->setDefault(true);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(heading);
    layout->addWidget(m_sandbox);
    layout->addWidget(m_slack);
    layout->addWidget(m_server);
    layout->addStretch();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, page);
    buttons->button(QDialogButtonBox::Cancel)->setText(tr("&Later"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_sandbox, &QCommandLinkButton::clicked, this, [this] {
        Q_EMIT sandboxChosen();
        accept();
    });
    connect(m_slack, &QCommandLinkButton::clicked, this, [this] {
        m_pages->setCurrentIndex(1);
        m_botToken->setFocus();
    });
    connect(m_server, &QCommandLinkButton::clicked, this, [this] {
        m_pages->setCurrentIndex(2);
        m_serverUrl->setFocus();
    });
    return page;
}

QWidget *WelcomeDialog::makeSlackPage()
{
    auto *page = new QWidget(this);
    auto *text = new QLabel(
        tr("<h3>Connect to Slack</h3>"
           "<p>Create a Slack app for your workspace at api.slack.com/apps, turn on Socket Mode and install "
           "it. Threadline needs:</p><ul>"
           "<li>a <b>bot token</b> (<tt>xoxb-…</tt>) with the scopes <tt>chat:write</tt>, <tt>im:write</tt>, "
           "<tt>im:history</tt>, <tt>users:read</tt>, <tt>users:read.email</tt>, <tt>files:read</tt> and "
           "<tt>files:write</tt>, to post and keep each follower's thread;</li>"
           "<li>an <b>app-level token</b> (<tt>xapp-…</tt>) with <tt>connections:write</tt>, to receive "
           "replies "
           "through Socket Mode without a public address.</li></ul>"
           "<p>The tokens are stored on this computer only and never shown again.</p>"),
        page);
    text->setWordWrap(true);
    text->setTextFormat(Qt::RichText);
    m_botToken = new QLineEdit(page);
    m_botToken->setEchoMode(QLineEdit::Password);
    m_botToken->setPlaceholderText(QStringLiteral("xoxb-…"));
    m_botToken->setAccessibleName(tr("Bot token"));
    m_appToken = new QLineEdit(page);
    m_appToken->setEchoMode(QLineEdit::Password);
    m_appToken->setPlaceholderText(QStringLiteral("xapp-…"));
    m_appToken->setAccessibleName(tr("App-level token"));
    m_slackError = new QLabel(page);
    m_slackError->setWordWrap(true);
    m_slackError->hide();
    auto *form = new QFormLayout;
    form->addRow(tr("&Bot token:"), m_botToken);
    form->addRow(tr("&App-level token:"), m_appToken);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok, page);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Connect"));
    QPushButton *back = buttons->addButton(tr("Bac&k"), QDialogButtonBox::ResetRole);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(text);
    layout->addLayout(form);
    layout->addWidget(m_slackError);
    layout->addStretch();
    layout->addWidget(buttons);
    connect(back, &QPushButton::clicked, this, [this] { m_pages->setCurrentIndex(0); });
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        const QString bot = m_botToken->text().trimmed();
        const QString app = m_appToken->text().trimmed();
        if (!bot.startsWith(QLatin1String("xoxb-")) || !app.startsWith(QLatin1String("xapp-"))) {
            m_slackError->setText(
                tr("The bot token starts with xoxb- and the app-level token with xapp-: copy "
                   "them from your Slack app's settings."));
            m_slackError->show();
            return;
        }
        Q_EMIT slackChosen(bot, app);
        m_botToken->clear();
        m_appToken->clear();
        accept();
    });
    return page;
}

QWidget *WelcomeDialog::makeServerPage()
{
    auto *page = new QWidget(this);
    auto *text = new QLabel(tr("<h3>Connect to a Threadline server</h3><p>The address of the threadlined "
                               "server and the agent token your administrator gave you.</p>"),
                            page);
    text->setWordWrap(true);
    m_serverUrl = new QLineEdit(page);
    m_serverUrl->setPlaceholderText(QStringLiteral("https://threadline.example.com"));
    m_serverUrl->setAccessibleName(tr("Server address"));
    m_serverToken = new QLineEdit(page);
    m_serverToken->setEchoMode(QLineEdit::Password);
    m_serverToken->setAccessibleName(tr("Agent token"));
    m_serverError = new QLabel(page);
    m_serverError->setWordWrap(true);
    m_serverError->hide();
    auto *form = new QFormLayout;
    form->addRow(tr("Server &address:"), m_serverUrl);
    form->addRow(tr("Agent &token:"), m_serverToken);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok, page);
    m_serverConnect = buttons->button(QDialogButtonBox::Ok);
    m_serverConnect->setText(tr("&Connect"));
    QPushButton *back = buttons->addButton(tr("Bac&k"), QDialogButtonBox::ResetRole);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(text);
    layout->addLayout(form);
    layout->addWidget(m_serverError);
    layout->addStretch();
    layout->addWidget(buttons);
    connect(back, &QPushButton::clicked, this, [this] { m_pages->setCurrentIndex(0); });
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        const QUrl url = QUrl::fromUserInput(m_serverUrl->text().trimmed());
        if (!url.isValid() ||
            (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")) ||
            url.host().isEmpty() || m_serverToken->text().trimmed().isEmpty()) {
            m_serverError->setText(tr("Enter the server's http(s) address and your agent token."));
            m_serverError->show();
            return;
        }
        // The token leaves the field at once; the owner accepts the dialog once connected.
        const QString token = m_serverToken->text().trimmed();
        m_serverToken->clear();
        m_serverError->setText(tr("Connecting to %1…").arg(url.host()));
        m_serverError->show();
        m_serverConnect->setEnabled(false);
        Q_EMIT serverChosen(url.toString(), token);
    });
    return page;
}

void WelcomeDialog::showServerError(const QString &message)
{
    m_serverError->setText(message);
    m_serverError->show();
    m_serverConnect->setEnabled(true);
    m_serverToken->setFocus();
}

} // namespace threadline::gui
