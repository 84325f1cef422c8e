// bench_store: seeds the request desk store and measures the operations the console leans on.
// Prints one JSON document. Default seed: 100,000 requests and 1,000,000 updates on SQLite, and on
// PostgreSQL beside it when THREADLINE_TEST_POSTGRES or --postgres names a server.
//
//   bench_store [--requests N] [--updates M] [--samples K] [--postgres URL] [--no-sqlite] [--no-postgres]
//               [--without-sort-indexes]

#include "store/store.h"

#include "core/logging.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace threadline;

namespace {

constexpr int kPeople = 2000;
constexpr int kAgents = 200;
constexpr int kTeams = 20;
constexpr int kVocabulary = 20000;
constexpr int kStopwords = 50; // the most frequent words; searches do not ask for them
constexpr int kTimelineUpdates = 1000;
constexpr qint64 kStart = 1700000000000;

// Synthetic words with a Zipf distribution, so word frequencies look like real text.
class Words
{
public:
    Words()
    {
        static const char *syllables[] = {"ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe",  "da",
                                          "gu", "ri", "so", "ba", "fe", "zu", "no", "ti",  "ma",  "le",
                                          "ko", "wa", "xe", "yo", "he", "ju", "ci", "po",  "qua", "de",
                                          "sa", "nu", "ro", "be", "li", "ga", "mo", "te",  "vi",  "fa"};
        const int n = int(std::size(syllables));
        double total = 0;
        for (int i = 0; i < kVocabulary; ++i) {
            QString w;
            int v = i + n; // at least two syllables
            while (v > 0) {
                w += QLatin1String(syllables[v % n]);
                v /= n;
            }
            m_words << w;
            total += 1.0 / (i + 1);
            m_cdf << total;
        }
        for (double &c : m_cdf)
            c /= total;
    }
    const QString &zipf(QRandomGenerator &rng) const
    {
        const double x = rng.generateDouble();
        const auto it = std::lower_bound(m_cdf.begin(), m_cdf.end(), x);
        return m_words.at(std::min<qsizetype>(it - m_cdf.begin(), kVocabulary - 1));
    }
    const QString &searchWord(QRandomGenerator &rng) const
    {
        // Words people search for: drawn like the text, but not the stop-word-like top ranks.
        while (true) {
            const double x = rng.generateDouble();
            const auto rank = std::lower_bound(m_cdf.begin(), m_cdf.end(), x) - m_cdf.begin();
            if (rank >= kStopwords && rank < kVocabulary)
                return m_words.at(rank);
        }
    }
    QString text(QRandomGenerator &rng, int minWords, int maxWords) const
    {
        const int n = minWords + int(rng.bounded(maxWords - minWords + 1));
        QStringList out;
        for (int i = 0; i < n; ++i)
            out << zipf(rng);
        return out.join(QLatin1Char(' '));
    }

private:
    QStringList m_words;
    QList<double> m_cdf;
};

struct Stats
{
    QList<double> ms;
    QJsonObject json() const
    {
        QList<double> s = ms;
        std::sort(s.begin(), s.end());
        auto pct = [&](double p) {
            if (s.isEmpty())
                return 0.0;
            const qsizetype i =
                std::clamp<qsizetype>(qsizetype(std::ceil(p * s.size())) - 1, 0, s.size() - 1);
            return s.at(i);
        };
        auto round3 = [](double v) { return std::round(v * 1000.0) / 1000.0; };
        return {{QStringLiteral("samples"), s.size()},
                {QStringLiteral("p50_ms"), round3(pct(0.50))},
                {QStringLiteral("p99_ms"), round3(pct(0.99))},
                {QStringLiteral("max_ms"), round3(s.isEmpty() ? 0.0 : s.constLast())}};
    }
};

double elapsedMs(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

bool fail(const Error &e, const char *what)
{
    std::fprintf(stderr, "bench_store: %s: %s\n", what, qPrintable(e.toString()));
    return false;
}

// Multi-row INSERT in batches, inside transactions of one batch each.
bool bulkInsert(Store &store, const QString &head, int columns, qint64 rows,
                const std::function<void(qint64 row, QVariantList &binds)> &fill)
{
    constexpr int kBatch = 500;
    QString fullSql;
    int fullRows = 0;
    for (qint64 first = 0; first < rows; first += kBatch) {
        const int n = int(std::min<qint64>(kBatch, rows - first));
        if (n != fullRows) {
            QStringList tuples;
            const QString tuple = QLatin1Char('(') +
                                  QStringList(columns, QStringLiteral("?")).join(QLatin1Char(',')) +
                                  QLatin1Char(')');
            for (int i = 0; i < n; ++i)
                tuples << tuple;
            fullSql = head + QStringLiteral(" VALUES ") + tuples.join(QLatin1Char(','));
            fullRows = n;
        }
        QVariantList binds;
        binds.reserve(n * columns);
        for (int i = 0; i < n; ++i)
            fill(first + i, binds);
        auto r = store.transaction([&]() -> Result<int> { return store.execAffected(fullSql, binds); });
        if (!r)
            return fail(r.error(), "bulk insert");
    }
    return true;
}

QJsonObject runBackend(const QString &name, const QString &url, qint64 requests, qint64 updates, int samples,
                       bool withoutSortIndexes, bool *ok)
{
    *ok = false;
    QJsonObject out;
    out.insert(QStringLiteral("backend"), name);
    Store store;
    if (auto r = store.open(url); !r) {
        fail(r.error(), "open");
        return out;
    }
    QRandomGenerator rng(20240601);
    const Words words;

    // ---- seed ----------------------------------------------------------------------------------
    QElapsedTimer seedTimer;
    seedTimer.start();
    bool good = bulkInsert(
        store, QStringLiteral("INSERT INTO people (slack_id, name, email, is_agent, created_at, updated_at)"),
        6, kPeople, [&](qint64 i, QVariantList &b) {
            b << QStringLiteral("U%1").arg(i + 1, 8, 10, QLatin1Char('0'))
              << QStringLiteral("Person %1").arg(i + 1) << QStringLiteral("person%1@example.com").arg(i + 1)
              << bool(i < kAgents) << kStart << kStart;
        });
    good = good && bulkInsert(store, QStringLiteral("INSERT INTO teams (name, created_at)"), 2, kTeams,
                              [&](qint64 i, QVariantList &b) {
                                  b << QStringLiteral("Team %1").arg(i + 1) << kStart;
                              });
    // Request 1 is the long one for the timeline; the others get the remaining updates at random.
    static const char *statuses[] = {"new", "open", "waiting", "resolved", "closed"};
    good = good &&
           bulkInsert(store,
                      QStringLiteral("INSERT INTO requests (title, body, status, requester_id, assignee_id, "
                                     "team_id, created_at, updated_at, version)"),
                      9, requests, [&](qint64 i, QVariantList &b) {
                          const qint64 created = kStart + i * 60000;
                          const qint64 assignee = rng.bounded(4) == 0 ? 0 : 1 + rng.bounded(kAgents);
                          b << words.text(rng, 3, 8) << words.text(rng, 10, 40)
                            << QString::fromLatin1(statuses[rng.bounded(5)])
                            << qint64(kAgents + 1 + rng.bounded(kPeople - kAgents))
                            << (assignee ? QVariant(assignee) : QVariant(QMetaType::fromType<qint64>()))
                            << qint64(1 + rng.bounded(kTeams)) << created
                            << created + qint64(rng.bounded(30 * 24 * 3600)) * 1000 << 1;
                      });
    if (good) {
        auto r = store.transaction([&]() -> Result<int> {
            auto a = store.execAffected(
                QStringLiteral("INSERT INTO followers (request_id, person_id, reason, created_at) "
                               "SELECT id, requester_id, 'requester', created_at FROM requests"),
                {});
            if (!a)
                return a;
            return store.execAffected(
                QStringLiteral("INSERT INTO followers (request_id, person_id, reason, created_at) "
                               "SELECT id, assignee_id, 'assignee', created_at FROM requests "
                               "WHERE assignee_id IS NOT NULL AND assignee_id <> requester_id"),
                {});
        });
        good = r.ok() || fail(r.error(), "followers");
    }
    const qint64 seededRequestsMs = seedTimer.elapsed();
    const qint64 timelineUpdates = std::min<qint64>(kTimelineUpdates, updates);
    good = good &&
           bulkInsert(store,
                      QStringLiteral("INSERT INTO updates (request_id, author_id, text, source, created_at)"),
                      5, updates, [&](qint64 i, QVariantList &b) {
                          const qint64 request = i < timelineUpdates ? 1 : 1 + qint64(rng.bounded(requests));
                          b << request << qint64(1 + rng.bounded(kPeople)) << words.text(rng, 5, 25)
                            << QString::fromLatin1(rng.bounded(2) ? "desk" : "slack") << kStart + i * 1000;
                      });
    // Attachment metadata on every tenth update of the long request.
    good = good &&
           bulkInsert(store,
                      QStringLiteral("INSERT INTO attachments (update_id, name, mime_type, size, sha256, "
                                     "storage_key, created_at)"),
                      7, timelineUpdates / 10, [&](qint64 i, QVariantList &b) {
                          b << qint64(i * 10 + 1) << QStringLiteral("file-%1.png").arg(i)
                            << QStringLiteral("image/png") << qint64(1000 + i)
                            << QString(64, QLatin1Char('a')) << QStringLiteral("blobs/%1").arg(i) << kStart;
                      });
    if (!good)
        return out;
    const double seedSeconds = double(seedTimer.elapsed()) / 1000.0;
    {
        QSqlQuery analyze(store.database());
        analyze.exec(QStringLiteral("ANALYZE"));
    }
    const double analyzeSeconds = double(seedTimer.elapsed()) / 1000.0 - seedSeconds;
    if (withoutSortIndexes) {
        // The sorted lists as they were before schema version 6: no index on their keys.
        QSqlQuery drop(store.database());
        for (const char *index : {"requests_title_sort", "requests_assignee_sort"}) {
            if (!drop.exec(QStringLiteral("DROP INDEX ") + QLatin1String(index))) {
                std::fprintf(stderr, "bench_store: drop index: %s\n", qPrintable(drop.lastError().text()));
                return out;
            }
        }
    }

    // Per-operation throughput through the desk API: postUpdate, 100 per transaction.
    constexpr int kApiUpdates = 2000;
    QElapsedTimer apiTimer;
    apiTimer.start();
    for (int batch = 0; batch < kApiUpdates / 100; ++batch) {
        auto r = store.transaction([&]() -> Result<int> {
            for (int i = 0; i < 100; ++i) {
                auto u = store.postUpdate({2 + qint64(rng.bounded(requests - 1)),
                                           1 + qint64(rng.bounded(kPeople)),
                                           words.text(rng, 5, 25),
                                           UpdateSource::Desk,
                                           {}});
                if (!u)
                    return u.error();
            }
            return 0;
        });
        if (!r) {
            fail(r.error(), "postUpdate");
            return out;
        }
    }
    const double apiSeconds = double(apiTimer.elapsed()) / 1000.0;

    out.insert(
        QStringLiteral("seed"),
        QJsonObject{{QStringLiteral("requests"), requests},
                    {QStringLiteral("updates"), updates},
                    {QStringLiteral("seconds"), seedSeconds},
                    {QStringLiteral("requests_seconds"), double(seededRequestsMs) / 1000.0},
                    {QStringLiteral("rows_per_second"), std::round(double(requests + updates) / seedSeconds)},
                    {QStringLiteral("analyze_seconds"), analyzeSeconds},
                    {QStringLiteral("api_post_update_per_second"), std::round(kApiUpdates / apiSeconds)}});

    // ---- filtered list pages -------------------------------------------------------------------
    Stats listFirst, listNext;
    for (int i = 0; i < samples; ++i) {
        RequestQuery q;
        q.limit = 50;
        switch (i % 4) {
        case 0:
            q.statuses = {RequestStatus(rng.bounded(5))};
            break;
        case 1:
            q.statuses = {RequestStatus::Open, RequestStatus::Waiting};
            q.teamId = 1 + rng.bounded(kTeams);
            break;
        case 2:
            q.assigneeId = 1 + rng.bounded(kAgents);
            break;
        case 3:
            q.statuses = {RequestStatus(rng.bounded(5))};
            q.assigneeId = qint64(0);
            break;
        }
        QElapsedTimer t;
        t.start();
        auto page = store.listRequests(q);
        listFirst.ms << elapsedMs(t);
        if (!page) {
            fail(page.error(), "list");
            return out;
        }
        if (page->nextCursor.isEmpty())
            continue;
        q.cursor = page->nextCursor;
        t.restart();
        auto next = store.listRequests(q);
        listNext.ms << elapsedMs(t);
    }
    Stats listAll;
    listAll.ms = listFirst.ms + listNext.ms;

    // ---- sorted lists (the console's column sorts) ------------------------------------------------
    // By title and by assignee, ascending and descending in turn, no filter: the first page and
    // the page after it (50 rows, as listRequestsSorted() reads them).
    Stats sortedTitle, sortedAssignee, sortedNext;
    for (int i = 0; i < samples; ++i) {
        RequestQuery q;
        q.limit = 50;
        const RequestSortKey key = i % 2 ? RequestSortKey::Assignee : RequestSortKey::Title;
        const bool ascending = (i / 2) % 2 == 0;
        QElapsedTimer t;
        t.start();
        auto page = store.listRequestsSorted(q, key, ascending);
        (key == RequestSortKey::Title ? sortedTitle : sortedAssignee).ms << elapsedMs(t);
        if (!page) {
            fail(page.error(), "sorted list");
            return out;
        }
        if (page->atEnd)
            continue;
        t.restart();
        auto next = store.listRequestsSorted(q, key, ascending, page->lastKey, page->lastId);
        sortedNext.ms << elapsedMs(t);
        if (!next) {
            fail(next.error(), "sorted list next page");
            return out;
        }
    }

    // ---- text search ---------------------------------------------------------------------------
    // The same query mix as always (one word, two words, a word typed without its last letters;
    // every fifth with a status filter), reported together and by kind, plus the next page of each.
    Stats search, searchWord, searchTwoWords, searchPrefix, searchNext;
    qint64 hits = 0;
    for (int i = 0; i < samples; ++i) {
        RequestQuery q;
        q.limit = 50;
        q.text = words.searchWord(rng);
        if (i % 3 == 1)
            q.text += QLatin1Char(' ') + words.searchWord(rng);
        if (i % 3 == 2)
            q.text = q.text.left(std::max<qsizetype>(3, q.text.size() - 2)); // a prefix, as typed
        if (i % 5 == 4)
            q.statuses = {RequestStatus::Open};
        QElapsedTimer t;
        t.start();
        auto page = store.listRequests(q);
        const double ms = elapsedMs(t);
        search.ms << ms;
        (i % 3 == 0 ? searchWord : i % 3 == 1 ? searchTwoWords : searchPrefix).ms << ms;
        if (!page) {
            fail(page.error(), "search");
            return out;
        }
        hits += page->requests.size();
        if (page->nextCursor.isEmpty())
            continue;
        q.cursor = page->nextCursor;
        t.restart();
        auto next = store.listRequests(q);
        searchNext.ms << elapsedMs(t);
        if (!next) {
            fail(next.error(), "search next page");
            return out;
        }
    }
    // Short prefixes, as the first letters of a word are typed: 2, 3 and 4 letters.
    Stats shortPrefix;
    qint64 shortPrefixHits = 0;
    for (int i = 0; i < samples; ++i) {
        RequestQuery q;
        q.limit = 50;
        q.text = words.searchWord(rng).left(2 + i % 3);
        QElapsedTimer t;
        t.start();
        auto page = store.listRequests(q);
        shortPrefix.ms << elapsedMs(t);
        if (!page) {
            fail(page.error(), "prefix search");
            return out;
        }
        shortPrefixHits += page->requests.size();
    }

    // ---- timeline ------------------------------------------------------------------------------
    Stats timeline;
    qint64 timelineSize = 0;
    for (int i = 0; i < std::max(10, samples / 4); ++i) {
        QElapsedTimer t;
        t.start();
        auto tl = store.timeline(1);
        timeline.ms << elapsedMs(t);
        if (!tl) {
            fail(tl.error(), "timeline");
            return out;
        }
        timelineSize = tl->updates.size();
    }

    QJsonObject list = listAll.json();
    list.insert(QStringLiteral("first_page"), listFirst.json());
    list.insert(QStringLiteral("next_page"), listNext.json());
    list.insert(QStringLiteral("page_size"), 50);
    out.insert(QStringLiteral("list_page"), list);
    QJsonObject sorted{{QStringLiteral("title_first_page"), sortedTitle.json()},
                       {QStringLiteral("assignee_first_page"), sortedAssignee.json()},
                       {QStringLiteral("next_page"), sortedNext.json()},
                       {QStringLiteral("sort_indexes"), !withoutSortIndexes}};
    out.insert(QStringLiteral("sorted_list"), sorted);
    QJsonObject s = search.json();
    s.insert(QStringLiteral("mean_hits"), double(hits) / samples);
    s.insert(QStringLiteral("one_word"), searchWord.json());
    s.insert(QStringLiteral("two_words"), searchTwoWords.json());
    s.insert(QStringLiteral("typed_prefix"), searchPrefix.json());
    s.insert(QStringLiteral("next_page"), searchNext.json());
    out.insert(QStringLiteral("search"), s);
    QJsonObject sp = shortPrefix.json();
    sp.insert(QStringLiteral("mean_hits"), double(shortPrefixHits) / samples);
    out.insert(QStringLiteral("search_short_prefix"), sp);
    QJsonObject tj = timeline.json();
    tj.insert(QStringLiteral("updates"), timelineSize);
    out.insert(QStringLiteral("timeline"), tj);
    *ok = true;
    return out;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bench_store"));
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.engine.store.info=false"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Threadline store benchmark (JSON on stdout)"));
    parser.addHelpOption();
    QCommandLineOption requestsOpt(QStringLiteral("requests"), QStringLiteral("Requests to seed."),
                                   QStringLiteral("N"), QStringLiteral("100000"));
    QCommandLineOption updatesOpt(QStringLiteral("updates"), QStringLiteral("Updates to seed."),
                                  QStringLiteral("M"), QStringLiteral("1000000"));
    QCommandLineOption samplesOpt(QStringLiteral("samples"), QStringLiteral("Samples per measurement."),
                                  QStringLiteral("K"), QStringLiteral("400"));
    QCommandLineOption pgOpt(QStringLiteral("postgres"),
                             QStringLiteral("PostgreSQL URL (default: THREADLINE_TEST_POSTGRES)."),
                             QStringLiteral("url"));
    QCommandLineOption noSqliteOpt(QStringLiteral("no-sqlite"), QStringLiteral("Skip SQLite."));
    QCommandLineOption noPgOpt(QStringLiteral("no-postgres"), QStringLiteral("Skip PostgreSQL."));
    QCommandLineOption noSortIndexesOpt(
        QStringLiteral("without-sort-indexes"),
        QStringLiteral("Drop the title and assignee sort indexes after seeding "
                       "(the sorted lists as before schema version 6)."));
    parser.addOptions({requestsOpt, updatesOpt, samplesOpt, pgOpt, noSqliteOpt, noPgOpt, noSortIndexesOpt});
    parser.process(app);

    const qint64 requests = std::max<qint64>(2, parser.value(requestsOpt).toLongLong());
    const qint64 updates = std::max<qint64>(1, parser.value(updatesOpt).toLongLong());
    const int samples = std::max(10, parser.value(samplesOpt).toInt());
    QString pgUrl =
        parser.isSet(pgOpt) ? parser.value(pgOpt) : qEnvironmentVariable("THREADLINE_TEST_POSTGRES");
    if (parser.isSet(noPgOpt))
        pgUrl.clear();
    const bool withoutSortIndexes = parser.isSet(noSortIndexesOpt);

    QJsonArray results;
    bool allOk = true;
    QTemporaryDir dir;
    if (!parser.isSet(noSqliteOpt)) {
        bool ok = false;
        results << runBackend(QStringLiteral("sqlite"),
                              QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db")), requests,
                              updates, samples, withoutSortIndexes, &ok);
        allOk = allOk && ok;
    }
    if (!pgUrl.isEmpty()) {
        const QString schema = QStringLiteral("tl_bench_%1").arg(QCoreApplication::applicationPid());
        const QString url =
            pgUrl +
            (pgUrl.contains(QLatin1Char('?')) ? QStringLiteral("&schema=") : QStringLiteral("?schema=")) +
            schema;
        bool ok = false;
        results << runBackend(QStringLiteral("postgresql"), url, requests, updates, samples,
                              withoutSortIndexes, &ok);
        allOk = allOk && ok;
        Store cleanup;
        if (cleanup.open(url)) {
            QSqlQuery drop(cleanup.database());
            drop.exec(QStringLiteral("DROP SCHEMA \"%1\" CASCADE").arg(schema));
        }
    }
    const QJsonObject doc{
        {QStringLiteral("benchmark"), QStringLiteral("store")},
        {QStringLiteral("version"), QStringLiteral(THREADLINE_VERSION_STRING)},
        {QStringLiteral("targets_sqlite_ms"), QJsonObject{{QStringLiteral("list_page_p99"), 20},
                                                          {QStringLiteral("timeline"), 50},
                                                          {QStringLiteral("search_p99"), 100}}},
        {QStringLiteral("results"), results}};
    std::fputs(QJsonDocument(doc).toJson(QJsonDocument::Indented).constData(), stdout);
    return allOk ? 0 : 1;
}
