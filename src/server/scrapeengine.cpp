// SPDX-License-Identifier: MIT
#include "server/scrapeengine.h"

#include "server/tsanhandoff.h"

#include <QPointer>

#if defined(Q_OS_LINUX)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <chrono>
#include <exception>

namespace promqt::detail {

namespace {

// Names the pool hand-offs for ThreadSanitizer (see tsanhandoff.h); its value is never used.
char s_handoff = 0;

// Scrape threads yield the CPU to the application's threads: on a small (2-core) device a
// 100,000-series collection would otherwise compete with the GUI thread for a whole scheduler
// slice. Linux applies nice values per thread; QThread::setPriority() does not (SCHED_OTHER).
void lowerThisThreadsPriority() {
#if defined(Q_OS_LINUX)
    thread_local bool done = false;
    if (!done) {
        done = true;
        (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
    }
#endif
}

// What a collection produces: requests with equal keys can share one.
QString keyOf(const ScrapeRequest& r) {
    return r.path + QChar(0) + QChar(r.format == ExpositionFormat::OpenMetrics ? 'o' : 't') +
           QChar(r.gzip ? 'g' : 'i') + QChar(0) + r.names.join(QChar(0));
}

// What decides a collection's cost: the name[] filter is left out, so that clients choosing
// arbitrary filters cannot grow the cost table without bound. A filtered scrape runs the same
// Collect() and writes less, so the unfiltered cost is a safe upper bound for it.
QString costKeyOf(const ScrapeRequest& r) {
    return r.path + QChar(0) + QChar(r.format == ExpositionFormat::OpenMetrics ? 'o' : 't') +
           QChar(r.gzip ? 'g' : 'i');
}
} // namespace

ScrapeEngine::ScrapeEngine(Source source, QObject* parent) : QObject(parent), m_source(std::move(source)) {
    m_pool.setMaxThreadCount(2);
    m_pool.setObjectName(QStringLiteral("promqt-scrape"));
}

ScrapeEngine::~ScrapeEngine() {
    // Jobs hold no pointer to us (results come back through a QPointer), but waiting keeps
    // Collect() calls from outliving the server that promised to stop serving.
    m_pool.waitForDone();
}

ScrapeResult ScrapeEngine::run(const ScrapeRequest& request, const Collectables& collectables, int level) {
    const auto start = std::chrono::steady_clock::now();
    ScrapeResult result;
    result.contentType = contentType(request.format);
    try {
        auto families = filterFamilies(collectAll(collectables), request.names);
        const std::string text = serialize(families, request.format);
        if (request.gzip) {
            result.body = gzipCompress(QByteArrayView(text.data(), qsizetype(text.size())), level);
            result.gzip = true;
        } else {
            result.body = QByteArray(text.data(), qsizetype(text.size()));
        }
    } catch (const std::exception& e) {
        result = ScrapeResult();
        result.status = 500;
        result.error = QString::fromUtf8(e.what());
    } catch (...) {
        result = ScrapeResult();
        result.status = 500;
        result.error = QStringLiteral("unknown exception from Collect()");
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

void ScrapeEngine::scrape(const ScrapeRequest& request, Done done) {
    const QString key = keyOf(request);
    auto it = m_states.find(key);
    if (it == m_states.end()) {
        it = m_states.insert(key, KeyState{request, false, {}, {}});
        it->current.push_back(std::move(done));
        launch(key);
        return;
    }
    // Join the pending collection only if it has not begun: its result will then reflect state
    // collected after this request arrived. Otherwise wait for the next one.
    if (it->started)
        it->next.push_back(std::move(done));
    else
        it->current.push_back(std::move(done));
}

void ScrapeEngine::launch(const QString& key) {
    const auto cost = m_lastCost.constFind(costKeyOf(m_states[key].request));
    const double budget = std::chrono::duration<double>(m_inlineBudget).count();
    if (cost != m_lastCost.constEnd() && *cost < budget) {
        QMetaObject::invokeMethod(this, [this, key] { runInline(key); }, Qt::QueuedConnection);
    } else {
        startOnPool(key); // unknown (first scrape) or expensive
    }
}

void ScrapeEngine::runInline(const QString& key) {
    auto it = m_states.find(key);
    if (it == m_states.end())
        return;
    it->started = true;
    const ScrapeRequest request = it->request;
    finished(key, run(request, m_source(request.path), m_level));
}

void ScrapeEngine::startOnPool(const QString& key) {
    KeyState& state = m_states[key];
    // Conservatively "begun" at submission: the pool may start it at any moment.
    state.started = true;
    // Collectables are read now, so a collectable registered meanwhile is included.
    Collectables collectables = m_source(state.request.path);
    QPointer<ScrapeEngine> self(this);
    std::function<void()> task = [self, key, request = state.request, collectables = std::move(collectables),
                                  level = m_level] {
        tsanAcquire(&s_handoff); // first: before the task reads its own captures
        lowerThisThreadsPriority();
        ScrapeResult result = run(request, collectables, level);
        // Back to the engine's thread; dropped if the engine is gone.
        std::function<void()> deliver = [self, key, result = std::move(result)] {
            tsanAcquire(&s_handoff);
            if (self)
                self->finished(key, result);
        };
        tsanRelease(&s_handoff); // after the closure is built, before Qt hands it over
        QMetaObject::invokeMethod(self.data(), std::move(deliver), Qt::QueuedConnection);
    };
    tsanRelease(&s_handoff);
    m_pool.start(std::move(task));
}

void ScrapeEngine::finished(const QString& key, const ScrapeResult& result) {
    auto it = m_states.find(key);
    if (it == m_states.end())
        return;
    if (it->request.names.isEmpty()) // only unfiltered runs set the bound (see costKeyOf)
        m_lastCost[costKeyOf(it->request)] = result.seconds;
    std::vector<Done> waiters = std::move(it->current);
    it->current.clear();
    if (!it->next.empty()) {
        it->current = std::move(it->next);
        it->next.clear();
        it->started = false;
        launch(key);
    } else {
        m_states.erase(it);
    }
    // Signal and callbacks last, with our state consistent: a slot may delete the server (and
    // this engine with it) or start another scrape. Re-check we still exist after each.
    QPointer<ScrapeEngine> self(this);
    if (result.status != 200) {
        emit collectFailed(result.error);
        if (!self)
            return;
    }
    for (const Done& done : waiters) {
        done(result);
        if (!self)
            return;
    }
}

} // namespace promqt::detail
