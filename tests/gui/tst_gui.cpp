#include "mainwindow.h"
#include "translations.h"

#include "core/version.h"

#include <QApplication>
#include <QTest>

using namespace threadline;

class TestGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mainWindowShows()
    {
        gui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.windowTitle().contains(QStringLiteral("Threadline")));
    }

    void translationsAreEmbedded_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("title");
        QTest::newRow("de") << QStringLiteral("de") << QStringLiteral("Über Threadline");
        QTest::newRow("fr") << QStringLiteral("fr") << QStringLiteral("À propos de Threadline");
    }

    void translationsAreEmbedded()
    {
        QFETCH(QString, language);
        QFETCH(QString, title);
        QCOMPARE(gui::installTranslations(qApp, language), language);
        QCOMPARE(QCoreApplication::translate("threadline::gui::MainWindow", "About Threadline"), title);
    }
};

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
