// bench_gui: the console on a large desk. Seeds a SQLite desk of 100,000 requests once (with the
// store API; the file is kept and reused), then starts the real console on it several times and
// measures, offscreen:
//   - start to first paint: from constructing the console to the request list's first paint with
//     the first page of requests in it;
//   - filter latency: from changing a filter (status, team, assigned to me, text search, a column
//     sort) to its first page being listed.
// Prints one JSON document with the median, min and max of each (milliseconds).
//
//   bench_gui [--requests N] [--runs K] [--data-dir DIR]
//
// The console starts in Slack mode without tokens, so no sync engine or sandbox runs beside it: the
// figures are the console's own (database, models, widgets).

#include "console.h"
#include "mainwindow.h"
#include "newrequestdialog.h"
#include "requestlistmodel.h"

#include "store/store.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSettings>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>

using namespace threadline;
using namespace threadline::gui;

namespace {

constexpr int kPeople = 500;
constexpr int kTeams = 12;
constexpr qint64 kStart = 1700000000000;

//! Seeds the desk when it holds fewer than `requests` requests; returns the seconds it took (0:
//! reused).
double seed(const QString &dataDir, int requests)
{
    Store store;
    const QString db = QDir(dataDir).filePath(QStringLiteral("threadline.db"));
    if (auto opened = store.open(QStringLiteral("sqlite:") + db); !opened) {
        std::fprintf(stderr, "bench_gui: %s\n", qPrintable(opened.error().toString()));
        std::exit(2);
    }
    auto have = store.scalar(QStringLiteral("SELECT COUNT(*) FROM requests"));
    if (have && have->has_value() && have->value().toInt() >= requests)
        return 0;
    QElapsedTimer timer;
    timer.start();
    QRandomGenerator rng(42);
    static const char *words[] = {"VPN",     "laptop",   "printer", "payroll", "badge",    "monitor",
                                  "account", "password", "leave",   "expense", "contract", "onboarding",
                                  "desk",    "keyboard", "license", "phone",   "travel",   "benefits"};
    auto seeded = store.transaction([&]() -> Result<void> {
        QList<qint64> people;
        for (int i = 0; i < kPeople; ++i) {
            auto p = store.upsertPerson(PersonInput{QStringLiteral("U%1").arg(100000 + i),
                                                    QStringLiteral("Person %1").arg(i),
                                                    QStringLiteral("person%1@example.com").arg(i), i < 40});
            if (!p)
                return p.error();
            people << p->id;
        }
        QList<qint64> teams;
        for (int i = 0; i < kTeams; ++i) {
            auto t = store.upsertTeam(QStringLiteral("Team %1").arg(i));
            if (!t)
                return t.error();
            teams << t->id;
        }
        for (int i = 0; i < requests; ++i) {
            NewRequest r;
            r.title = QStringLiteral("%1 %2 request %3")
                          .arg(QLatin1String(words[rng.bounded(int(std::size(words)))]),
                               QLatin1String(words[rng.bounded(int(std::size(words)))]))
                          .arg(i);
            r.body = QStringLiteral("Details of request %1 about the %2.")
                         .arg(i)
                         .arg(QLatin1String(words[rng.bounded(int(std::size(words)))]));
            r.requesterId = people.at(rng.bounded(int(people.size())));
            r.assigneeId = people.at(rng.bounded(40)); // one of the agents
            r.teamId = teams.at(rng.bounded(int(teams.size())));
            r.actorId = r.requesterId;
            auto created = store.createRequest(r);
            if (!created)
                return created.error();
            if (i % 3 == 0)
                if (auto s = store.setStatus(created->id, i % 2 ? RequestStatus::Open : RequestStatus::Closed,
                                             created->version, r.assigneeId);
                    !s)
                    return s.error();
        }
        return {};
    });
    if (!seeded) {
        std::fprintf(stderr, "bench_gui: seeding failed: %s\n", qPrintable(seeded.error().toString()));
        std::exit(2);
    }
    return timer.elapsed() / 1000.0;
}

QJsonObject stats(QList<double> v)
{
    std::sort(v.begin(), v.end());
    QJsonObject o;
    if (v.isEmpty())
        return o;
    const qsizetype n = v.size();
    o.insert(QStringLiteral("median_ms"), n % 2 ? v.at(n / 2) : (v.at(n / 2 - 1) + v.at(n / 2)) / 2);
    o.insert(QStringLiteral("min_ms"), v.first());
    o.insert(QStringLiteral("max_ms"), v.last());
    o.insert(QStringLiteral("samples"), int(n));
    return o;
}

//! Paint events of a widget, observed.
class PaintWatch : public QObject
{
public:
    std::function<void()> onPaint;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && onPaint)
            onPaint();
        return QObject::eventFilter(watched, event);
    }
};

//! One run: starts a console, waits for its first paint, then applies each filter in turn.
class Run : public QObject
{
public:
    Run(const QString &dataDir, QJsonObject *out, std::function<void()> done)
        : m_dataDir(dataDir)
        , m_out(out)
        , m_done(std::move(done))
    {}

    void start()
    {
        ConsoleOptions options;
        options.dataDir = m_dataDir;
        m_timer.start();
        m_console = std::make_unique<Console>(options);
        connect(m_console.get(), &Console::failed, this, [](const Error &e) {
            std::fprintf(stderr, "bench_gui: %s\n", qPrintable(e.toString()));
            std::exit(2);
        });
        connect(m_console.get(), &Console::ready, this, [this] {
            m_readyMs = m_timer.nsecsElapsed() / 1e6;
            MainWindow *w = m_console->mainWindow();
            m_watch.onPaint = [this, w] {
                if (m_paintMs >= 0 || w->requestModel()->rowCount() == 0)
                    return;
                m_paintMs = m_timer.nsecsElapsed() / 1e6;
                QTimer::singleShot(0, this, [this] { nextFilter(); });
            };
            w->requestList()->viewport()->installEventFilter(&m_watch);
            w->requestList()->viewport()->update();
        });
        m_console->start();
    }

private:
    void nextFilter()
    {
        MainWindow *w = m_console->mainWindow();
        const QList<std::pair<QString, std::function<void()>>> steps = {
            {QStringLiteral("status_open"),
             [w] {
                 w->statusFilter()->setCurrentIndex(w->statusFilter()->findData(QStringLiteral("open")));
             }},
            {QStringLiteral("status_any"), [w] { w->statusFilter()->setCurrentIndex(0); }},
            {QStringLiteral("team"), [w] { w->teamFilter()->setCurrentIndex(3); }},
            {QStringLiteral("team_any"), [w] { w->teamFilter()->setCurrentIndex(0); }},
            {QStringLiteral("assigned_to_me"), [w] { w->assignedToMe()->setChecked(true); }},
            {QStringLiteral("assigned_any"), [w] { w->assignedToMe()->setChecked(false); }},
            {QStringLiteral("text_search"),
             [w] {
                 w->searchEdit()->setText(QStringLiteral("printer bad"));
                 QMetaObject::invokeMethod(w->searchEdit(), "returnPressed");
             }},
            {QStringLiteral("text_clear"),
             [w] {
                 w->searchEdit()->clear();
                 QMetaObject::invokeMethod(w->searchEdit(), "returnPressed");
             }},
            {QStringLiteral("sort_title"),
             [w] {
                 w->requestList()->horizontalHeader()->setSortIndicator(RequestListModel::TitleColumn,
                                                                        Qt::AscendingOrder);
             }},
            {QStringLiteral("sort_assignee"),
             [w] {
                 w->requestList()->horizontalHeader()->setSortIndicator(RequestListModel::AssigneeColumn,
                                                                        Qt::AscendingOrder);
             }},
            {QStringLiteral("sort_updated"),
             [w] {
                 w->requestList()->horizontalHeader()->setSortIndicator(RequestListModel::UpdatedColumn,
                                                                        Qt::DescendingOrder);
             }},
        };
        if (m_step >= steps.size()) {
            m_out->insert(QStringLiteral("ready_ms"), m_readyMs);
            m_out->insert(QStringLiteral("first_paint_ms"), m_paintMs);
            m_out->insert(QStringLiteral("filters"), m_filters);
            m_console->mainWindow()->close();
            QTimer::singleShot(0, this, [this] {
                m_console.reset();
                m_done();
            });
            return;
        }
        const auto &[name, apply] = steps.at(m_step++);
        RequestListModel *model = w->requestModel();
        QElapsedTimer t;
        t.start();
        connect(
            model, &RequestListModel::pageLoaded, this,
            [this, name, t](int, bool first) {
                if (!first)
                    return;
                m_filters.insert(name, t.nsecsElapsed() / 1e6);
                QTimer::singleShot(0, this, [this] { nextFilter(); });
            },
            Qt::SingleShotConnection);
        apply();
    }

    QString m_dataDir;
    QJsonObject *m_out;
    std::function<void()> m_done;
    std::unique_ptr<Console> m_console;
    QElapsedTimer m_timer;
    PaintWatch m_watch;
    double m_readyMs = -1;
    double m_paintMs = -1;
    QJsonObject m_filters;
    int m_step = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("bench_gui"));
    QApplication::setQuitOnLastWindowClosed(false); // each run closes its window
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false"));
    QCommandLineParser parser;
    const QCommandLineOption requestsOption(QStringLiteral("requests"), QStringLiteral("Requests to seed."),
                                            QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("Console starts."),
                                        QStringLiteral("k"), QStringLiteral("5"));
    const QCommandLineOption dirOption(
        QStringLiteral("data-dir"), QStringLiteral("Where the seeded desk is kept and reused."),
        QStringLiteral("dir"), QDir::temp().filePath(QStringLiteral("threadline-bench-gui")));
    parser.addOptions({requestsOption, runsOption, dirOption});
    parser.process(app);
    const int requests = parser.value(requestsOption).toInt();
    const int runs = std::max(1, parser.value(runsOption).toInt());
    const QString dataDir = QDir(parser.value(dirOption)).absolutePath();
    QDir().mkpath(dataDir);

    const double seedSeconds = seed(dataDir, requests);
    {
        // Slack mode without tokens: the console alone (no sandbox, no sync engine).
        QSettings ini(QDir(dataDir).filePath(QStringLiteral("threadline.ini")), QSettings::IniFormat);
        ini.clear();
        ini.setValue(QStringLiteral("mode"), QStringLiteral("slack"));
        ini.setValue(QStringLiteral("notifications"), false);
    }
    QFile::remove(QDir(dataDir).filePath(QStringLiteral("secrets.json")));
    qputenv("THREADLINE_NO_KEYCHAIN", "1");

    QJsonArray results;
    std::unique_ptr<Run> current;
    int done = 0;
    std::function<void()> next;
    auto out = std::make_shared<QJsonObject>();
    next = [&] {
        if (done > 0)
            results.append(*out);
        if (done == runs) {
            QList<double> paint, ready;
            QHash<QString, QList<double>> filters;
            for (const QJsonValue &v : std::as_const(results)) {
                const QJsonObject o = v.toObject();
                paint << o.value(QStringLiteral("first_paint_ms")).toDouble();
                ready << o.value(QStringLiteral("ready_ms")).toDouble();
                const QJsonObject f = o.value(QStringLiteral("filters")).toObject();
                for (auto it = f.begin(); it != f.end(); ++it)
                    filters[it.key()] << it.value().toDouble();
            }
            QJsonObject filterStats;
            for (auto it = filters.begin(); it != filters.end(); ++it)
                filterStats.insert(it.key(), stats(it.value()));
            QJsonObject doc{
                {QStringLiteral("benchmark"), QStringLiteral("gui")},
                {QStringLiteral("requests"), requests},
                {QStringLiteral("database"), QDir(dataDir).filePath(QStringLiteral("threadline.db"))},
                {QStringLiteral("database_bytes"),
                 double(QFileInfo(QDir(dataDir).filePath(QStringLiteral("threadline.db"))).size())},
                {QStringLiteral("seed_seconds"), seedSeconds},
                {QStringLiteral("runs"), runs},
                {QStringLiteral("start_to_first_paint"), stats(paint)},
                {QStringLiteral("start_to_ready"), stats(ready)},
                {QStringLiteral("filter_to_first_page"), filterStats},
                {QStringLiteral("qpa"), QApplication::platformName()},
            };
            std::printf("%s\n", QJsonDocument(doc).toJson(QJsonDocument::Indented).constData());
            QTimer::singleShot(0, &app, [] { QCoreApplication::exit(0); });
            return;
        }
        ++done;
        *out = QJsonObject();
        current = std::make_unique<Run>(dataDir, out.get(), [&] { QTimer::singleShot(0, &app, next); });
        current->start();
    };
    QTimer::singleShot(0, &app, next);
    return app.exec();
}
