// SPDX-License-Identifier: MIT
// Runs the real Prometheus server (/usr/bin/prometheus) for integration tests: a temporary
// config and storage, a free loopback port, and helpers to query its HTTP API.
#pragma once

#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>

namespace promqt::test {

/// A free TCP port on 127.0.0.1 (bound, then released; good enough for tests).
quint16 freePort();

class PrometheusRunner {
public:
    PrometheusRunner();
    ~PrometheusRunner();

    /// `scrapeConfigs` is the YAML list under `scrape_configs:` (indented by two spaces).
    /// Global scrape and evaluation intervals are 1 s. Returns false with a message on failure.
    bool start(const QByteArray& scrapeConfigs, QString* error = nullptr);
    void stop();
    quint16 port() const { return m_port; }
    QString dataDir() const { return m_dir.path(); }

    /// GET on the API (path like "/api/v1/targets"); the parsed JSON, or null on failure.
    QJsonDocument get(const QByteArray& pathAndQuery);
    /// Instant query; the "result" array of the answer.
    QJsonArray query(const QString& expr);
    /// Waits (processing events) until `expr` returns at least one sample; false on timeout.
    bool waitForQuery(const QString& expr, int timeoutMs = 30000);
    QByteArray log() const;

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
};

/// Runs `promtool check metrics` on `body`; returns its exit code and puts its output in `output`.
int promtoolCheckMetrics(const QByteArray& body, QByteArray* output = nullptr);

} // namespace promqt::test
