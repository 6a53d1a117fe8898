// SPDX-License-Identifier: MIT
// Pusher against a recording loopback endpoint: URLs, methods, bodies, headers, coalescing,
// ordering, intervals, failures and lifetime. (tst_pusher_pushgateway runs a real Pushgateway.)
#include "fakehttp.h"

#include <promqt/push.h>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <QThreadPool>
#include <QTimer>

#include <memory>
#include <stdexcept>

using namespace std::chrono_literals;
using promqt::Pusher;
using promqt::test::RecordedRequest;
using promqt::test::RecordingHttpServer;

namespace {

struct Metrics {
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    prometheus::Counter& jobs =
        prometheus::BuildCounter().Name("jobs_total").Help("Jobs done.").Register(*registry).Add({});
};

/// A collectable whose Collect() throws.
class ThrowingCollectable : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override { throw std::runtime_error("sensor offline"); }
};

/// A collectable whose Collect() blocks until released (a slow registry).
class BlockingCollectable : public prometheus::Collectable {
public:
    mutable QSemaphore entered;
    mutable QSemaphore release;
    std::vector<prometheus::MetricFamily> Collect() const override {
        entered.release();
        release.acquire();
        prometheus::MetricFamily f;
        f.name = "slow_metric";
        f.type = prometheus::MetricType::Gauge;
        prometheus::ClientMetric m;
        m.gauge.value = 7;
        f.metric.push_back(m);
        return {f};
    }
};

QList<QByteArray> methods(const QList<RecordedRequest>& reqs) {
    QList<QByteArray> out;
    for (const auto& r : reqs)
        out.append(r.method);
    return out;
}

} // namespace

class tst_Pusher : public QObject {
    Q_OBJECT

private slots:
    void groupUrlEncoding();
    void invalidGroupFails();
    void pushPutsTextFormat();
    void pushAddPosts();
    void deleteGroupDeletes();
    void basicAuthAndCustomManager();
    void coalescesWhileInFlight();
    void keepsOrderWithDelete();
    void intervalPushes();
    void refusedConnection();
    void errorAnswer();
    void hangingGatewayTimesOut();
    void collectThrows();
    void collectionDoesNotBlockLoop();
    void destroyedWhileCollecting();
    void destroyedWhileInFlight();
    void expiredCollectableSkipped();
};

void tst_Pusher::groupUrlEncoding() {
    Pusher p(QUrl(QStringLiteral("http://127.0.0.1:9091")), QStringLiteral("batch"));
    QCOMPARE(p.groupUrl(), QUrl(QStringLiteral("http://127.0.0.1:9091/metrics/job/batch")));
    p.setGroupingLabels({{QStringLiteral("instance"), QStringLiteral("db1")},
                         {QStringLiteral("path"), QStringLiteral("/var/tmp")},
                         {QStringLiteral("empty"), QString()},
                         {QStringLiteral("space"), QStringLiteral("a b%ü")}});
    // Key order; '/' and empty values base64url; others percent-encoded.
    QCOMPARE(p.groupUrl().toEncoded(),
             QByteArray("http://127.0.0.1:9091/metrics/job/batch/empty@base64/=/instance/db1"
                        "/path@base64/L3Zhci90bXA=/space/a%20b%25%C3%BC"));
    p.setJob(QStringLiteral("nightly/backup"));
    p.setGroupingLabels({});
    p.setGatewayUrl(QUrl(QStringLiteral("https://gw.example/prefix/")));
    QCOMPARE(p.groupUrl().toEncoded(),
             QByteArray("https://gw.example/prefix/metrics/job@base64/bmlnaHRseS9iYWNrdXA="));
}

void tst_Pusher::invalidGroupFails() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    Pusher p(gw.url(), QString());
    QSignalSpy failed(&p, &Pusher::failed);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("job name is empty"));
    p.push(); // never signals from inside push()
    QCOMPARE(failed.size(), 0);
    QVERIFY(failed.wait(2000));
    QVERIFY(p.groupUrl().isEmpty());

    p.setJob(QStringLiteral("j"));
    p.setGroupingLabels({{QStringLiteral("bad-name"), QStringLiteral("x")}});
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("invalid grouping label name"));
    p.pushAdd();
    QVERIFY(failed.wait(2000));
    QVERIFY(failed.last().first().toString().contains(QLatin1String("bad-name")));
    p.setGroupingLabels({{QStringLiteral("job"), QStringLiteral("x")}});
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("invalid grouping label name"));
    p.deleteGroup();
    QVERIFY(failed.wait(2000));
    QVERIFY(gw.requests().isEmpty());
}

void tst_Pusher::pushPutsTextFormat() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    Metrics m;
    m.jobs.Increment(3);
    Pusher p(gw.url(), QStringLiteral("batch"));
    p.setGroupingLabels({{QStringLiteral("instance"), QStringLiteral("db1")}});
    p.registerCollectable(m.registry);
    p.registerCollectable(m.registry); // twice: pushed once
    QSignalSpy pushed(&p, &Pusher::pushed);
    QSignalSpy busy(&p, &Pusher::busyChanged);
    p.push();
    QVERIFY(p.isBusy());
    QVERIFY(pushed.wait(5000));
    QVERIFY(!p.isBusy());
    QCOMPARE(busy.size(), 2);
    const auto reqs = gw.requests();
    QCOMPARE(reqs.size(), 1);
    QCOMPARE(reqs[0].method, QByteArray("PUT"));
    QCOMPARE(reqs[0].path(), QByteArray("/metrics/job/batch/instance/db1"));
    QCOMPARE(reqs[0].header("Content-Type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
    QVERIFY(reqs[0].header("Authorization").isNull());
    QVERIFY2(reqs[0].body.contains("# TYPE jobs_total counter\n"), reqs[0].body.constData());
    QVERIFY2(reqs[0].body.contains("\njobs_total 3\n"), reqs[0].body.constData());
    QCOMPARE(reqs[0].body.count("jobs_total 3"), 1);
}

void tst_Pusher::pushAddPosts() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    Metrics m;
    Pusher p(gw.url(), QStringLiteral("batch"));
    p.registerCollectable(m.registry);
    QSignalSpy pushed(&p, &Pusher::pushed);
    p.pushAdd();
    QVERIFY(pushed.wait(5000));
    QCOMPARE(gw.requests().first().method, QByteArray("POST"));
    QVERIFY(gw.requests().first().body.contains("jobs_total 0"));
}

void tst_Pusher::deleteGroupDeletes() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    Pusher p(gw.url(), QStringLiteral("batch"));
    p.setGroupingLabels({{QStringLiteral("instance"), QStringLiteral("db1")}});
    QSignalSpy deleted(&p, &Pusher::deleted);
    QSignalSpy pushed(&p, &Pusher::pushed);
    p.deleteGroup();
    QVERIFY(deleted.wait(5000));
    QCOMPARE(pushed.size(), 0);
    const RecordedRequest r = gw.requests().first();
    QCOMPARE(r.method, QByteArray("DELETE"));
    QCOMPARE(r.path(), QByteArray("/metrics/job/batch/instance/db1"));
    QVERIFY(r.body.isEmpty());
}

void tst_Pusher::basicAuthAndCustomManager() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    QNetworkAccessManager nam;
    int seen = 0;
    connect(&nam, &QNetworkAccessManager::finished, this, [&] { ++seen; });
    Pusher p(gw.url(), QStringLiteral("batch"));
    p.setNetworkAccessManager(&nam);
    p.setBasicAuth(QStringLiteral("user"), QStringLiteral("pa:ss"));
    QSignalSpy pushed(&p, &Pusher::pushed);
    p.push();
    QVERIFY(pushed.wait(5000));
    QCOMPARE(gw.requests().first().header("Authorization"), "Basic " + QByteArray("user:pa:ss").toBase64());
    QCOMPARE(seen, 1);
}

void tst_Pusher::coalescesWhileInFlight() {
    RecordingHttpServer gw;
    gw.setBehaviour(RecordingHttpServer::Behaviour::Hold);
    QVERIFY(gw.listen());
    Metrics m;
    m.jobs.Increment(1);
    Pusher p(gw.url(), QStringLiteral("batch"));
    p.registerCollectable(m.registry);
    QSignalSpy pushed(&p, &Pusher::pushed);
    p.push();
    QTRY_COMPARE_WITH_TIMEOUT(gw.heldCount(), 1, 5000);

    // Three more requests while the first is in flight, with a new value.
    m.jobs.Increment(1);
    p.pushAdd();
    p.push();
    p.pushAdd();
    QTest::qWait(200); // give a wrongly started second request time to show up
    QCOMPARE(gw.requests().size(), 1);
    QVERIFY(p.isBusy());

    gw.release();
    QVERIFY(pushed.wait(5000));
    // Exactly one follow-up, started after the first finished: a PUT (push wins) with the
    // values collected when it started.
    QTRY_COMPARE_WITH_TIMEOUT(gw.heldCount(), 1, 5000);
    m.jobs.Increment(1); // after the follow-up collected: not in it
    const auto reqs = gw.requests();
    QCOMPARE(methods(reqs), (QList<QByteArray>{"PUT", "PUT"}));
    QVERIFY(reqs[0].body.contains("jobs_total 1\n"));
    QVERIFY(reqs[1].body.contains("jobs_total 2\n"));
    gw.release();
    QVERIFY(pushed.wait(5000));
    QCOMPARE(pushed.size(), 2);
    QTRY_VERIFY(!p.isBusy());
    QCOMPARE(gw.requests().size(), 2);
}

void tst_Pusher::keepsOrderWithDelete() {
    RecordingHttpServer gw;
    gw.setBehaviour(RecordingHttpServer::Behaviour::Hold);
    QVERIFY(gw.listen());
    Pusher p(gw.url(), QStringLiteral("batch"));
    QSignalSpy pushed(&p, &Pusher::pushed);
    QSignalSpy deleted(&p, &Pusher::deleted);
    p.push();
    QTRY_COMPARE_WITH_TIMEOUT(gw.heldCount(), 1, 5000);
    p.deleteGroup();
    p.deleteGroup(); // merged with the waiting delete
    p.pushAdd();
    for (int i = 0; i < 3; ++i) {
        gw.release();
        QTRY_COMPARE_WITH_TIMEOUT(pushed.size() + deleted.size(), i + 1, 5000);
        if (i < 2)
            QTRY_COMPARE_WITH_TIMEOUT(gw.heldCount(), 1, 5000);
    }
    QCOMPARE(methods(gw.requests()), (QList<QByteArray>{"PUT", "DELETE", "POST"}));
    QCOMPARE(pushed.size(), 2);
    QCOMPARE(deleted.size(), 1);
}

void tst_Pusher::intervalPushes() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    Pusher p(gw.url(), QStringLiteral("periodic"));
    QSignalSpy pushed(&p, &Pusher::pushed);
    p.setInterval(100ms, Pusher::Method::Post);
    QCOMPARE(p.interval(), 100ms);
    QTRY_VERIFY_WITH_TIMEOUT(pushed.size() >= 3, 5000);
    p.setInterval(0ms);
    QCOMPARE(p.interval(), 0ms);
    QTRY_VERIFY(!p.isBusy());
    const int sent = gw.requests().size();
    QTest::qWait(300); // three intervals: nothing more may arrive
    QCOMPARE(gw.requests().size(), sent);
    for (const auto& r : gw.requests())
        QCOMPARE(r.method, QByteArray("POST"));
}

void tst_Pusher::refusedConnection() {
    Pusher p(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(promqt::test::freeLoopbackPort())),
             QStringLiteral("batch"));
    QSignalSpy failed(&p, &Pusher::failed);
    p.push();
    QVERIFY(failed.wait(5000));
    const QString reason = failed.first().first().toString();
    QVERIFY2(reason.contains(QLatin1String("refused"), Qt::CaseInsensitive) && reason.startsWith(QLatin1String("PUT ")),
             qPrintable(reason));
    QVERIFY(!p.isBusy());
}

void tst_Pusher::errorAnswer() {
    RecordingHttpServer gw;
    gw.setResponse(400, "pushed metrics are invalid or inconsistent with existing metrics");
    QVERIFY(gw.listen());
    Pusher p(gw.url(), QStringLiteral("batch"));
    QSignalSpy failed(&p, &Pusher::failed);
    QSignalSpy pushed(&p, &Pusher::pushed);
    p.push();
    QVERIFY(failed.wait(5000));
    const QString reason = failed.first().first().toString();
    QVERIFY2(reason.contains(QLatin1String("HTTP 400")) && reason.contains(QLatin1String("inconsistent")),
             qPrintable(reason));
    QCOMPARE(pushed.size(), 0);
    // The next push works once the gateway does.
    gw.setResponse(200);
    p.push();
    QVERIFY(pushed.wait(5000));
}

void tst_Pusher::hangingGatewayTimesOut() {
    RecordingHttpServer gw;
    gw.setBehaviour(RecordingHttpServer::Behaviour::Hang);
    QVERIFY(gw.listen());
    Pusher p(gw.url(), QStringLiteral("batch"));
    p.setTimeout(300ms);
    QSignalSpy failed(&p, &Pusher::failed);
    bool loopRan = false;
    QTimer::singleShot(100, this, [&] { loopRan = true; });
    QElapsedTimer t;
    t.start();
    p.push();
    QVERIFY(failed.wait(5000));
    QVERIFY(loopRan); // the event loop kept running while the gateway hung
    QVERIFY(t.elapsed() >= 250);
    QVERIFY2(failed.first().first().toString().contains(QLatin1String("no answer within 300 ms")),
             qPrintable(failed.first().first().toString()));
}

void tst_Pusher::collectThrows() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    auto bad = std::make_shared<ThrowingCollectable>();
    Pusher p(gw.url(), QStringLiteral("batch"));
    p.registerCollectable(bad);
    QSignalSpy failed(&p, &Pusher::failed);
    p.push();
    QVERIFY(failed.wait(5000));
    QVERIFY2(failed.first().first().toString().contains(QLatin1String("sensor offline")),
             qPrintable(failed.first().first().toString()));
    QVERIFY(gw.requests().isEmpty()); // nothing half-collected is pushed
    p.removeCollectable(bad);
    QSignalSpy pushed(&p, &Pusher::pushed);
    p.push();
    QVERIFY(pushed.wait(5000));
}

void tst_Pusher::collectionDoesNotBlockLoop() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    auto slow = std::make_shared<BlockingCollectable>();
    Pusher p(gw.url(), QStringLiteral("batch"));
    p.registerCollectable(slow);
    QSignalSpy pushed(&p, &Pusher::pushed);
    p.push();
    // Collect() is now blocked on another thread, and this loop still runs timers.
    QVERIFY(QTest::qWaitFor([&] { return slow->entered.tryAcquire(); }, 5000));
    bool ticked = false;
    QTimer::singleShot(10, this, [&] { ticked = true; });
    QVERIFY(QTest::qWaitFor([&] { return ticked; }, 2000));
    QCOMPARE(gw.requests().size(), 0);
    slow->release.release();
    QVERIFY(pushed.wait(5000));
    QVERIFY(gw.requests().first().body.contains("slow_metric 7"));
}

void tst_Pusher::destroyedWhileCollecting() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    auto slow = std::make_shared<BlockingCollectable>();
    auto p = std::make_unique<Pusher>(gw.url(), QStringLiteral("batch"));
    p->registerCollectable(slow);
    p->push();
    QVERIFY(QTest::qWaitFor([&] { return slow->entered.tryAcquire(); }, 5000));
    p.reset(); // while Collect() runs on the pool
    slow->release.release();
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::processEvents(); // a dropped continuation must not run
    QCoreApplication::processEvents();
    QVERIFY(gw.requests().isEmpty());
}

void tst_Pusher::destroyedWhileInFlight() {
    RecordingHttpServer gw;
    gw.setBehaviour(RecordingHttpServer::Behaviour::Hold);
    QVERIFY(gw.listen());
    auto p = std::make_unique<Pusher>(gw.url(), QStringLiteral("batch"));
    p->push();
    p->push();
    QTRY_COMPARE_WITH_TIMEOUT(gw.heldCount(), 1, 5000);
    p.reset();
    gw.release();
    QTest::qWait(100); // the aborted request's and queued push's events must not touch freed memory
    QCOMPARE(gw.requests().size(), 1);
}

void tst_Pusher::expiredCollectableSkipped() {
    RecordingHttpServer gw;
    QVERIFY(gw.listen());
    Pusher p(gw.url(), QStringLiteral("batch"));
    {
        Metrics gone;
        p.registerCollectable(gone.registry);
    }
    Metrics m;
    p.registerCollectable(m.registry);
    QSignalSpy pushed(&p, &Pusher::pushed);
    p.push();
    QVERIFY(pushed.wait(5000));
    QCOMPARE(gw.requests().first().body.count("# TYPE jobs_total counter"), 1);
}

QTEST_GUILESS_MAIN(tst_Pusher)
#include "tst_pusher.moc"
