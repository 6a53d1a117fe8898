// SPDX-License-Identifier: MIT
// Produces response bodies for metrics paths: Collect(), filter, write, gzip.
//
// Why this class exists: for a large registry that work takes tens of milliseconds, so it runs
// on a private thread pool and the event loop only writes the finished bytes. Concurrent
// requests for the same (path, format, encoding, filter) share one collection — but a request
// only ever joins a collection that *starts after it arrived*, never one already running, so
// every response reflects state at least as new as its request. Scrapes whose last run was
// cheaper than the inline budget run on the event loop itself (a thread hop would cost more than
// the work) — at the end of the current loop iteration, so that requests arriving on several
// connections in the same iteration share that one collection too.
#pragma once

#include <promqt/exposition.h>

#include <QHash>
#include <QObject>
#include <QThreadPool>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace promqt::detail {

struct ScrapeRequest {
    QString path;
    ExpositionFormat format = ExpositionFormat::Text;
    bool gzip = false;
    QStringList names; ///< name[] filter, empty: everything
};

struct ScrapeResult {
    int status = 200;            ///< 500 when a Collect() threw
    QByteArray body;
    QByteArray contentType;
    bool gzip = false;
    QString error;               ///< set with status 500
    double seconds = 0;          ///< collect + write + compress
};

class ScrapeEngine : public QObject {
    Q_OBJECT
public:
    using Collectables = std::vector<std::weak_ptr<prometheus::Collectable>>;
    using Source = std::function<Collectables(const QString& path)>;
    using Done = std::function<void(const ScrapeResult&)>;

    ScrapeEngine(Source source, QObject* parent = nullptr);
    ~ScrapeEngine() override;

    void setThreads(int threads) { m_pool.setMaxThreadCount(qMax(1, threads)); }
    void setInlineBudget(std::chrono::microseconds budget) { m_inlineBudget = budget; }
    void setCompressionLevel(int level) { m_level = level; }

    /// Calls `done` later, on this object's thread, with the result.
    void scrape(const ScrapeRequest& request, Done done);

    /// Entries in the cost table (bounded by paths × formats × encodings); for tests.
    qsizetype costEntries() const { return m_lastCost.size(); }

    /// Runs one scrape synchronously in the calling thread.
    static ScrapeResult run(const ScrapeRequest& request, const Collectables& collectables, int level);

signals:
    void collectFailed(const QString& message);

private:
    struct KeyState {
        ScrapeRequest request;
        bool started = false;      ///< the collection for `current` has begun
        std::vector<Done> current; ///< waiting for the scheduled or running collection
        std::vector<Done> next;    ///< arrived after it began: share the next one
    };
    void launch(const QString& key);
    void runInline(const QString& key);
    void startOnPool(const QString& key);
    void finished(const QString& key, const ScrapeResult& result);

    Source m_source;
    QThreadPool m_pool;
    QHash<QString, KeyState> m_states;
    QHash<QString, double> m_lastCost; ///< seconds of the last unfiltered run per cost key
    std::chrono::microseconds m_inlineBudget{500};
    int m_level = 1;
};

} // namespace promqt::detail
