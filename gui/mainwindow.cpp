#include "mainwindow.h"

#include "core/version.h"

#include <QLabel>

namespace threadline::gui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Threadline"));
    setCentralWidget(new QLabel(tr("Threadline %1").arg(versionString()), this));
}

} // namespace threadline::gui
