#include "core/result.h"
#include "core/version.h"

#include <QRegularExpression>
#include <QTest>

using namespace threadline;

class TestCore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void versionComesFromTheBuild()
    {
        QVERIFY(QRegularExpression(QStringLiteral("^\\d+\\.\\d+\\.\\d+$")).match(versionString()).hasMatch());
    }

    void resultCarriesValueOrError()
    {
        Result<int> good(42);
        QVERIFY(good.ok());
        QCOMPARE(*good, 42);

        Result<int> bad(makeError(ErrorCode::Conflict, QStringLiteral("stale"), QStringLiteral("version")));
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::Conflict);
        QCOMPARE(bad.error().toString(), QStringLiteral("conflict: stale (field: version)"));

        Result<void> done;
        QVERIFY(done.ok());
        Result<void> failed(makeError(ErrorCode::NotFound, QStringLiteral("gone")));
        QVERIFY(!failed.ok());
        QCOMPARE(errorCodeName(failed.error().code), QStringLiteral("not_found"));
    }
};

QTEST_APPLESS_MAIN(TestCore)
#include "tst_core.moc"
