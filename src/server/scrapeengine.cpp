// SPDX-License-Identifier: MIT
#include "server/scrapeengine.h"

#include <QPointer>

#include <chrono>
#include <exception>

namespace promqt::detail {

namespace {
QString keyOf(const ScrapeRequest& r) {
    return r.path + QChar(0) + QChar(r.format == ExpositionFormat::OpenMetrics ? 'o' : 't') +
           QChar(r.gzip ? 'g' : 'i') + QChar(0) + r.names.join(QChar(0));
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
        const auto cost = m_lastCost.constFind(key);
        const double budget = std::chrono::duration<double>(m_inlineBudget).count();
        if (cost != m_lastCost.constEnd() && *cost < budget) {
            const ScrapeResult result = run(request, m_source(request.path), m_level);
            m_lastCost[key] = result.seconds;
            if (result.status != 200)
                emit collectFailed(result.error);
            done(result);
            return;
        }
        it = m_states.insert(key, KeyState{request, false, {}, {}});
    }
    KeyState& state = *it;
    if (state.running) {
        state.next.push_back(std::move(done));
        return;
    }
    state.current.push_back(std::move(done));
    start(key);
}

void ScrapeEngine::start(const QString& key) {
    KeyState& state = m_states[key];
    state.running = true;
    // Collectables are read now, so a collectable registered meanwhile is included.
    Collectables collectables = m_source(state.request.path);
    QPointer<ScrapeEngine> self(this);
    m_pool.start([self, key, request = state.request, collectables = std::move(collectables), level = m_level] {
        ScrapeResult result = run(request, collectables, level);
        // Back to the engine's thread; dropped if the engine is gone.
        QMetaObject::invokeMethod(
            self.data(),
            [self, key, result = std::move(result)] {
                if (self)
                    self->finished(key, result);
            },
            Qt::QueuedConnection);
    });
}

void ScrapeEngine::finished(const QString& key, const ScrapeResult& result) {
    auto it = m_states.find(key);
    if (it == m_states.end())
        return;
    m_lastCost[key] = result.seconds;
    if (result.status != 200)
        emit collectFailed(result.error);
    std::vector<Done> waiters = std::move(it->current);
    it->current.clear();
    if (!it->next.empty()) {
        it->current = std::move(it->next);
        it->next.clear();
        start(key);
    } else {
        m_states.erase(it);
    }
    // Callbacks last: one may close a connection, which must not disturb the state above.
    for (const Done& done : waiters)
        done(result);
}

} // namespace promqt::detail
