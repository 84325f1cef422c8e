#include "mainwindow.h"

#include "core/version.h"

#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>

namespace threadline::gui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Threadline"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/threadline.svg")));
    setCentralWidget(new QLabel(tr("Threadline %1").arg(versionString()), this));

    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    QAction *quit = fileMenu->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("About Threadline"), this, &MainWindow::showAbout);
}

void MainWindow::showAbout()
{
    auto *box = new QMessageBox(
        QMessageBox::NoIcon, tr("About Threadline"),
        tr("<h3>Threadline %1</h3><p>The request desk that lives inside Slack.</p>").arg(versionString()),
        QMessageBox::Close, this);
    box->setIconPixmap(windowIcon().pixmap(64, 64));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace threadline::gui
