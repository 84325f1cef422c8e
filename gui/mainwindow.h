#pragma once

#include <QMainWindow>

namespace threadline::gui {

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);

private:
    void showAbout();
};

} // namespace threadline::gui
