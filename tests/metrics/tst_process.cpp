// SPDX-License-Identifier: MIT
// promqt::ProcessCollector, checked against what this test process can observe itself.
#include <promqt/process.h>

#include <QDateTime>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <ctime>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include <sys/resource.h>

namespace {

std::map<std::string, prometheus::MetricFamily> collect() {
    promqt::ProcessCollector collector;
    std::map<std::string, prometheus::MetricFamily> byName;
    for (auto& f : collector.Collect())
        byName.emplace(f.name, std::move(f));
    return byName;
}

double value(const std::string& name) {
    const auto families = collect();
    const auto it = families.find(name);
    if (it == families.end() || it->second.metric.size() != 1)
        return -1;
    const auto& m = it->second.metric.front();
    return it->second.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
}

// Burns CPU in this thread for about `ms` of wall time; the work being measured.
// Burns `ms` of this process's CPU time (not wall time: on a loaded machine the two differ).
double spin(int ms) {
    auto cpuMs = [] {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
    };
    const double start = cpuMs();
    volatile double x = 0;
    while (cpuMs() - start < ms)
        for (int i = 0; i < 10000; ++i)
            x = x + i * 0.5;
    return x;
}

} // namespace

class TestProcess : public QObject {
    Q_OBJECT
private slots:
    void standardNamesTypesAndHelp() {
        const auto families = collect();
#ifdef __linux__
        const std::vector<std::pair<std::string, prometheus::MetricType>> expected{
            {"process_cpu_seconds_total", prometheus::MetricType::Counter},
            {"process_resident_memory_bytes", prometheus::MetricType::Gauge},
            {"process_virtual_memory_bytes", prometheus::MetricType::Gauge},
            {"process_open_fds", prometheus::MetricType::Gauge},
            {"process_max_fds", prometheus::MetricType::Gauge},
            {"process_start_time_seconds", prometheus::MetricType::Gauge},
        };
        QCOMPARE(families.size(), expected.size());
        for (const auto& [name, type] : expected) {
            const auto it = families.find(name);
            QVERIFY2(it != families.end(), name.c_str());
            QCOMPARE(it->second.type, type);
            QVERIFY(!it->second.help.empty());
            QCOMPARE(it->second.metric.size(), std::size_t(1));
            QVERIFY(it->second.metric.front().label.empty());
        }
#else
        QSKIP("the full set is Linux-only");
#endif
    }

    void openFdsFollowsOpenFiles() {
#ifndef __linux__
        QSKIP("Linux only");
#endif
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const double before = value("process_open_fds");
        QVERIFY(before >= 3); // stdin, stdout, stderr at least
        std::vector<std::FILE*> files;
        for (int i = 0; i < 20; ++i) {
            std::FILE* f = std::fopen(dir.filePath(QString::number(i)).toLocal8Bit().constData(), "w");
            QVERIFY(f);
            files.push_back(f);
        }
        QCOMPARE(value("process_open_fds"), before + 20);
        for (std::FILE* f : files)
            std::fclose(f);
        QCOMPARE(value("process_open_fds"), before);
    }

    void maxFdsIsTheSoftLimit() {
        rlimit limit{};
        QCOMPARE(::getrlimit(RLIMIT_NOFILE, &limit), 0);
        if (limit.rlim_cur == RLIM_INFINITY)
            QSKIP("unlimited descriptors");
        QCOMPARE(value("process_max_fds"), static_cast<double>(limit.rlim_cur));
    }

    void residentMemoryGrowsWhenPagesAreTouched() {
#ifndef __linux__
        QSKIP("Linux only");
#endif
        constexpr std::size_t size = 64u << 20;
        const double rssBefore = value("process_resident_memory_bytes");
        const double virtBefore = value("process_virtual_memory_bytes");
        QVERIFY(rssBefore > 0);
        std::unique_ptr<char[]> block(new char[size]);
        std::memset(block.get(), 1, size); // touch every page so it becomes resident
        const double rssAfter = value("process_resident_memory_bytes");
        QVERIFY2(rssAfter - rssBefore >= 60.0 * (1 << 20),
                 qPrintable(QStringLiteral("%1 -> %2").arg(rssBefore).arg(rssAfter)));
        QVERIFY(value("process_virtual_memory_bytes") >= virtBefore + 60.0 * (1 << 20));
        QVERIFY(block[size - 1] == 1);
    }

    void cpuSecondsGrowWithBusyWork() {
        const double before = value("process_cpu_seconds_total");
        QVERIFY(before >= 0);
        spin(300);
        const double after = value("process_cpu_seconds_total");
        // 300 ms of CPU time burnt; the counter has clock-tick (10 ms) resolution.
        QVERIFY2(after - before >= 0.15, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
        QVERIFY(after - before <= 5);
    }

    void startTimeIsNow() {
#ifndef __linux__
        QSKIP("Linux only");
#endif
        const double start = value("process_start_time_seconds");
        const double now = static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
        // This process started moments ago; tick resolution and boot-time rounding give ≈ 1 s.
        QVERIFY2(start <= now + 2 && start >= now - 30,
                 qPrintable(QStringLiteral("start %1, now %2").arg(start, 0, 'f', 2).arg(now, 0, 'f', 2)));
    }

    void collectIsStateless() {
        promqt::ProcessCollector collector;
        const auto a = collector.Collect();
        const auto b = collector.Collect();
        QCOMPARE(a.size(), b.size());
    }
};

QTEST_GUILESS_MAIN(TestProcess)
#include "tst_process.moc"
