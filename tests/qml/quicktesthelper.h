// SPDX-License-Identifier: MIT
#pragma once

// `PromQtTest`, a singleton the Quick Test suites use to look at what QML recorded from the C++
// side (the prometheus-cpp registries themselves), and to do what QML cannot: block the GUI
// thread, hold a port busy.

#include <QObject>
#include <QTcpServer>
#include <QVariantMap>

#include <memory>

namespace prometheus {
class Registry;
}

namespace promqt {
class QmlRegistry;
}

class QuickTestHelper : public QObject {
    Q_OBJECT

public:
    explicit QuickTestHelper(QObject* parent = nullptr);
    ~QuickTestHelper() override;

    /// Text exposition (prometheus-cpp's TextSerializer) of `registry`, or of the default
    /// registry (promqt::Qml::defaultRegistry(), the C++ API) when it is null.
    Q_INVOKABLE QString text(promqt::QmlRegistry* registry = nullptr) const;
    /// The value of the sample `name{labels}` (labels matched exactly, in any order), or
    /// undefined when there is no such sample.
    Q_INVOKABLE QVariant sample(promqt::QmlRegistry* registry, const QString& name,
                                const QVariantMap& labels = {}) const;
    /// Number of families called `name` (# TYPE lines) and of samples named `sampleName`.
    Q_INVOKABLE int familyCount(promqt::QmlRegistry* registry, const QString& name) const;
    Q_INVOKABLE int sampleCount(promqt::QmlRegistry* registry, const QString& sampleName) const;

    /// A Registry wrapping a registry created in C++; cppCounterValue() reads it from C++.
    Q_INVOKABLE promqt::QmlRegistry* cppRegistry();
    Q_INVOKABLE double cppCounterValue(const QString& name) const;

    /// Keeps `registry`'s prometheus registry alive from C++; retainedSample() reads it.
    Q_INVOKABLE void retain(promqt::QmlRegistry* registry);
    Q_INVOKABLE QVariant retainedSample(const QString& name, const QVariantMap& labels = {}) const;

    /// The fenced code block that follows `<!-- test: <name> -->` in docs/<file>.
    Q_INVOKABLE QString docExample(const QString& file, const QString& name) const;

    /// Blocks the GUI thread (the work being measured, not synchronisation).
    Q_INVOKABLE void block(int milliseconds) const;
    /// Listens on a free loopback port and keeps it busy until the helper dies; returns it.
    Q_INVOKABLE int occupyPort();

private:
    QVariant sampleOf(const std::shared_ptr<prometheus::Registry>& registry, const QString& name,
                      const QVariantMap& labels) const;

    std::shared_ptr<prometheus::Registry> m_cppRegistry;
    std::shared_ptr<prometheus::Registry> m_retained;
    promqt::QmlRegistry* m_cppRegistryObject = nullptr;
    QTcpServer m_busy;
};
