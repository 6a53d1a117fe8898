// SPDX-License-Identifier: MIT
// The scrape engine: off-loop collection, shared collections that never serve state older than
// the request, inline scrapes for cheap registries, and failures.
#include "server/scrapeengine.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <condition_variable>
#include <mutex>

using promqt::detail::ScrapeEngine;
using promqt::detail::ScrapeRequest;
using promqt::detail::ScrapeResult;

namespace {

// A registry whose first Collect() waits at a gate, so a test can make requests arrive while a
// collection is running.
class GatedCollectable : public prometheus::Collectable {
public:
    GatedCollectable() {
        gauge = &prometheus::BuildGauge().Name("gated_value").Register(*registry).Add({});
    }
    std::vector<prometheus::MetricFamily> Collect() const override {
        const int n = ++calls;
        {
            // Collect() runs on several pool threads at once (see differentFormatsAreNotShared).
            std::lock_guard<std::mutex> lock(mutex);
            collectThreads.push_back(QThread::currentThread());
        }
        auto families = registry->Collect(); // the state this collection reports
        if (n == 1) {
            std::unique_lock<std::mutex> lock(mutex);
            entered = true;
            cv.notify_all();
            cv.wait(lock, [this] { return open; });
        }
        return families;
    }
    void release() {
        std::lock_guard<std::mutex> lock(mutex);
        open = true;
        cv.notify_all();
    }
    bool waitEntered() {
        std::unique_lock<std::mutex> lock(mutex);
        return cv.wait_for(lock, std::chrono::seconds(10), [this] { return entered; });
    }

    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    prometheus::Gauge* gauge = nullptr;
    mutable std::atomic<int> calls{0};
    mutable std::vector<QThread*> collectThreads;
    mutable std::mutex mutex;
    mutable std::condition_variable cv;
    mutable bool entered = false;
    bool open = false;
};

class Throwing : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override { throw std::runtime_error("collect broke"); }
};

} // namespace

class TestScrapeEngine : public QObject {
    Q_OBJECT
private slots:
    void concurrentRequestsJoinTheNextCollection() {
        auto gated = std::make_shared<GatedCollectable>();
        ScrapeEngine engine([gated](const QString&) { return ScrapeEngine::Collectables{gated}; });
        engine.setInlineBudget(std::chrono::microseconds(0)); // always the pool: off the loop
        ScrapeRequest request;
        request.path = QStringLiteral("/metrics");
        gated->gauge->Set(1);

        std::vector<ScrapeResult> results(3);
        int done = 0;
        engine.scrape(request, [&](const ScrapeResult& r) { results[0] = r; ++done; });
        QVERIFY(gated->waitEntered()); // collection 1 is running on the pool
        // State changes after request A arrived; B and C arrive while A's collection runs.
        gated->gauge->Set(2);
        engine.scrape(request, [&](const ScrapeResult& r) { results[1] = r; ++done; });
        engine.scrape(request, [&](const ScrapeResult& r) { results[2] = r; ++done; });
        QCOMPARE(done, 0); // nothing answered from the running (older) collection
        gated->release();
        QTRY_COMPARE_WITH_TIMEOUT(done, 3, 10000);

        QCOMPARE(gated->calls.load(), 2); // B and C shared one collection
        QVERIFY(results[0].body.contains("gated_value 1\n"));
        QVERIFY(results[1].body.contains("gated_value 2\n"));
        QCOMPARE(results[2].body, results[1].body);
        QVERIFY(results[1].body.isSharedWith(results[2].body)); // the bytes themselves are shared
        for (QThread* t : gated->collectThreads)
            QVERIFY(t != QThread::currentThread()); // Collect() never ran on the event loop
    }

    void differentFormatsAreNotShared() {
        auto gated = std::make_shared<GatedCollectable>();
        gated->release();
        ScrapeEngine engine([gated](const QString&) { return ScrapeEngine::Collectables{gated}; });
        ScrapeRequest text;
        text.path = QStringLiteral("/m");
        ScrapeRequest om = text;
        om.format = promqt::ExpositionFormat::OpenMetrics;
        ScrapeRequest gz = text;
        gz.gzip = true;
        int done = 0;
        ScrapeResult a, b, c;
        engine.scrape(text, [&](const ScrapeResult& r) { a = r; ++done; });
        engine.scrape(om, [&](const ScrapeResult& r) { b = r; ++done; });
        engine.scrape(gz, [&](const ScrapeResult& r) { c = r; ++done; });
        QTRY_COMPARE_WITH_TIMEOUT(done, 3, 10000);
        QVERIFY(!a.body.endsWith("# EOF\n"));
        QVERIFY(b.body.endsWith("# EOF\n"));
        QVERIFY(c.gzip && c.body.startsWith("\x1f\x8b"));
        QCOMPARE(gated->calls.load(), 3);
    }

    void cheapScrapesRunOnTheLoopAndShareAnIteration() {
        auto gated = std::make_shared<GatedCollectable>();
        gated->release();
        ScrapeEngine engine([gated](const QString&) { return ScrapeEngine::Collectables{gated}; });
        engine.setInlineBudget(std::chrono::milliseconds(50));
        ScrapeRequest request;
        request.path = QStringLiteral("/m");
        bool done = false;
        engine.scrape(request, [&](const ScrapeResult&) { done = true; });
        QTRY_VERIFY(done); // first scrape of a key: cost unknown, so it went to the pool
        QVERIFY(gated->collectThreads.back() != QThread::currentThread());

        // Now known to be cheap: three requests in one loop iteration share one collection,
        // run on this (the engine's) thread once the iteration ends.
        int answered = 0;
        for (int i = 0; i < 3; ++i)
            engine.scrape(request, [&](const ScrapeResult& r) {
                ++answered;
                QVERIFY(r.body.contains("gated_value"));
            });
        QCOMPARE(answered, 0);
        QTRY_COMPARE(answered, 3);
        QCOMPARE(gated->calls.load(), 2);
        QCOMPARE(gated->collectThreads.back(), QThread::currentThread());
    }

    void arbitraryFiltersDoNotGrowTheCostTable() {
        auto registry = std::make_shared<prometheus::Registry>();
        prometheus::BuildGauge().Name("cheap").Register(*registry).Add({}).Set(1);
        ScrapeEngine engine([registry](const QString&) { return ScrapeEngine::Collectables{registry}; });
        int done = 0;
        for (int i = 0; i < 200; ++i) {
            ScrapeRequest request;
            request.path = QStringLiteral("/m");
            request.names = {QStringLiteral("n%1").arg(i)}; // a client inventing filters
            engine.scrape(request, [&](const ScrapeResult&) { ++done; });
        }
        QTRY_COMPARE_WITH_TIMEOUT(done, 200, 10000);
        QCOMPARE(engine.costEntries(), qsizetype(0)); // filtered runs record no cost
        ScrapeRequest plain;
        plain.path = QStringLiteral("/m");
        engine.scrape(plain, [&](const ScrapeResult&) { ++done; });
        QTRY_COMPARE(done, 201);
        QCOMPARE(engine.costEntries(), qsizetype(1));
    }

    void collectExceptionBecomes500() {
        auto bad = std::make_shared<Throwing>();
        ScrapeEngine engine([bad](const QString&) { return ScrapeEngine::Collectables{bad}; });
        QSignalSpy failed(&engine, &ScrapeEngine::collectFailed);
        ScrapeRequest request;
        ScrapeResult result;
        bool done = false;
        engine.scrape(request, [&](const ScrapeResult& r) { result = r; done = true; });
        QTRY_VERIFY(done);
        QCOMPARE(result.status, 500);
        QCOMPARE(result.error, QStringLiteral("collect broke"));
        QCOMPARE(failed.count(), 1);
    }

    void destroyingTheEngineWhileAScrapeRuns() {
        auto gated = std::make_shared<GatedCollectable>();
        bool called = false;
        {
            ScrapeEngine engine([gated](const QString&) { return ScrapeEngine::Collectables{gated}; });
            ScrapeRequest request;
            engine.scrape(request, [&](const ScrapeResult&) { called = true; });
            QVERIFY(gated->waitEntered());
            gated->release(); // the destructor waits for the pool; nothing is delivered after it
        }
        QCoreApplication::processEvents();
        QVERIFY(!called);
    }
};

QTEST_GUILESS_MAIN(TestScrapeEngine)
#include "tst_scrapeengine.moc"
