#include "console.h"

#include "guilogging.h"
#include "keyring.h"
#include "mainwindow.h"
#include "newrequestdialog.h"
#include "requestlistmodel.h"
#include "requestview.h"
#include "secretfile.h"
#include "session.h"
#include "welcomedialog.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QLinearGradient>
#include <QLineEdit>
#include <QMessageBox>
#include <QPainter>
#include <QPlainTextEdit>
#include <QStandardPaths>
#include <QTableView>
#include <QTabWidget>
#include <QTimer>

namespace threadline::gui {

Console::Console(ConsoleOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    if (m_options.dataDir.isEmpty())
        m_options.dataDir = defaultDataDir();
    m_session = std::make_unique<Session>(m_options.dataDir);
    connect(m_session.get(), &Session::opened, this, &Console::onOpened);
    connect(m_session.get(), &Session::failed, this, &Console::onFailed);
}

Console::~Console()
{
    m_window.reset();
    delete m_welcome;
}

QString Console::defaultDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

void Console::start()
{
    qCInfo(lcGui) << "data folder" << QDir::toNativeSeparators(m_options.dataDir);
    m_session->open();
}

void Console::onOpened()
{
    if (m_options.sandbox) {
        startSandbox();
        return;
    }
    switch (m_session->mode()) {
    case Session::Mode::Unset:
        showWelcome();
        return;
    case Session::Mode::Sandbox:
        startSandbox();
        return;
    case Session::Mode::Slack:
        startSlack();
        return;
    case Session::Mode::Remote:
        startRemote();
        return;
    }
}

void Console::onFailed(const Error &error)
{
    qCWarning(lcGui) << "console error:" << error.toString();
    Q_EMIT failed(error);
    if (m_connecting && m_welcome) {
        // A first connection that did not work: say why in the welcome dialog, keep the local desk.
        m_connecting = false;
        disconnect(m_session.get(), &Session::agentReady, this, nullptr);
        m_session->stopRemote();
        m_welcome->showServerError(
            error.code == ErrorCode::Unauthorized
                ? tr("The server refused the agent token: check it, or ask your administrator for a new one.")
                : tr("Could not open the server's desk: %1").arg(error.message));
        return;
    }
    QWidget *parent = m_window ? static_cast<QWidget *>(m_window.get()) : nullptr;
    auto *box =
        new QMessageBox(QMessageBox::Critical, tr("Threadline"), error.message, QMessageBox::Close, parent);
    box->setDetailedText(error.toString());
    box->setAttribute(Qt::WA_DeleteOnClose);
    if (!m_shown)
        connect(box, &QMessageBox::finished, qApp, &QApplication::quit, Qt::QueuedConnection);
    box->open();
}

void Console::showWelcome()
{
    m_welcome = new WelcomeDialog;
    m_welcome->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_welcome, &WelcomeDialog::sandboxChosen, this, [this] {
        m_session->setMode(Session::Mode::Sandbox);
        startSandbox();
    });
    connect(m_welcome, &WelcomeDialog::slackChosen, this, [this](const QString &bot, const QString &app) {
        Keyring &secrets = m_session->secrets();
        auto saved = secrets.setValue(SecretFile::slackBotTokenKey(), bot);
        if (saved)
            saved = secrets.setValue(SecretFile::slackAppTokenKey(), app);
        if (!saved) {
            onFailed(saved.error());
            return;
        }
        m_session->setMode(Session::Mode::Slack);
        startSlack();
    });
    connect(m_welcome, &WelcomeDialog::serverChosen, this, [this](const QString &url, const QString &token) {
        // The dialog stays open until the server's desk is mirrored; a refusal shows there.
        if (auto saved = m_session->secrets().setValue(SecretFile::serverTokenKey(), token); !saved) {
            m_welcome->showServerError(saved.error().message);
            return;
        }
        m_session->settings().setValue(QStringLiteral("server/url"), url);
        m_connecting = true;
        connect(
            m_session.get(), &Session::agentReady, this,
            [this] {
                if (!m_connecting)
                    return;
                m_connecting = false;
                m_session->setMode(Session::Mode::Remote); // kept once the server answered
                if (m_welcome)
                    m_welcome->accept();
                showMain();
            },
            Qt::SingleShotConnection);
        m_session->startRemote();
    });
    connect(m_welcome, &QDialog::rejected, this, [this] {
        startLocal(
            tr("Nothing is connected yet: choose a workspace in Settings, or restart with --sandbox."));
    });
    m_welcome->show();
    Q_EMIT welcomeShown();
}

void Console::startSandbox()
{
    connect(m_session.get(), &Session::sandboxStarted, this, &Console::showMain, Qt::SingleShotConnection);
    m_session->startSandbox();
}

void Console::startSlack()
{
    connect(
        m_session.get(), &Session::agentReady, this,
        [this] {
            if (auto started = m_session->startSlackEngine(); !started)
                m_pendingNotice = started.error().message;
            showMain();
        },
        Qt::SingleShotConnection);
    m_session->ensureAgent();
}

void Console::startRemote()
{
    connect(m_session.get(), &Session::agentReady, this, &Console::showMain, Qt::SingleShotConnection);
    m_session->startRemote();
}

void Console::startLocal(const QString &notice)
{
    m_pendingNotice = notice;
    connect(m_session.get(), &Session::agentReady, this, &Console::showMain, Qt::SingleShotConnection);
    m_session->ensureAgent();
}

void Console::showMain()
{
    if (m_shown)
        return;
    m_shown = true;
    m_window = std::make_unique<MainWindow>(m_session.get());
    m_window->setSandboxBanner(m_session->isSandbox());
    if (!m_pendingNotice.isEmpty())
        m_window->showMessage(m_pendingNotice, true);
    connect(
        m_window.get(), &MainWindow::firstPageShown, this,
        [this] {
            Q_EMIT ready();
            if (!m_options.screenshotPath.isEmpty())
                takeScreenshots();
        },
        Qt::SingleShotConnection);
    m_window->show();
    m_window->start();
}

void Console::takeScreenshots()
{
    // The first request's timeline is loaded, then each view is grabbed into a sibling file.
    RequestView *view = m_window->requestView();
    auto grabAll = [this] {
        const QFileInfo target(m_options.screenshotPath);
        QDir().mkpath(target.absolutePath());
        const QString base = target.absolutePath() + QLatin1Char('/') + target.completeBaseName();
        bool ok = m_window->grab().save(m_options.screenshotPath);
        m_window->requestView()->tabs()->setCurrentIndex(1);
        ok = m_window->grab().save(base + QStringLiteral("-threads.png")) && ok;
        m_window->requestView()->tabs()->setCurrentIndex(0);
        auto *dialog = new NewRequestDialog(m_session.get(), m_window.get());
        dialog->titleEdit()->setText(tr("New laptop for Chloé"));
        dialog->show();
        ok = dialog->grab().save(base + QStringLiteral("-new-request.png")) && ok;
        dialog->close();
        dialog->deleteLater();
        WelcomeDialog welcome;
        welcome.show();
        ok = welcome.grab().save(base + QStringLiteral("-welcome.png")) && ok;
        welcome.close();
        qCInfo(lcGui) << "screenshots written next to" << m_options.screenshotPath
                      << (ok ? "" : "(with errors)");
        Q_EMIT screenshotsTaken(ok);
        QTimer::singleShot(0, qApp, [ok] { QCoreApplication::exit(ok ? 0 : 1); });
    };
    // Empty timeline: the agent answers through the composer (Ctrl+Enter), like a first reply.
    auto replyThenGrab = [this, view, grabAll] {
        if (!view->timeline().updates.isEmpty()) {
            QTimer::singleShot(300, this, grabAll);
            return;
        }
        connect(
            view, &RequestView::timelineLoaded, this,
            [this, grabAll] { QTimer::singleShot(300, this, grabAll); }, Qt::SingleShotConnection);
        view->composer()->setPlainText(tr("Can you try the new VPN profile? It reconnects on its own."));
        // With a picture, so the timeline shows a thumbnail (screenshot mode only).
        QImage picture(640, 360, QImage::Format_RGB32);
        QPainter painter(&picture);
        QLinearGradient gradient(0, 0, 640, 360);
        gradient.setColorAt(0, QColor(0x2f, 0x6f, 0xb5));
        gradient.setColorAt(1, QColor(0x8a, 0xc4, 0xe8));
        painter.fillRect(picture.rect(), gradient);
        painter.setPen(Qt::white);
        QFont font = painter.font();
        font.setPixelSize(40);
        painter.setFont(font);
        painter.drawText(picture.rect(), Qt::AlignCenter, QStringLiteral("VPN profile 2.1"));
        painter.end();
        const QString picturePath = QDir(m_options.dataDir).filePath(QStringLiteral("vpn-profile.png"));
        if (picture.save(picturePath, "PNG"))
            view->addPendingFiles({picturePath});
        view->sendAction()->trigger();
    };
    if (view->requestId() && !view->timeline().request.id)
        connect(view, &RequestView::timelineLoaded, this, replyThenGrab, Qt::SingleShotConnection);
    else
        replyThenGrab();
}

} // namespace threadline::gui
