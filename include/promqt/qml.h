// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// C++ side of the `PromQt` QML module: the default registry QML metrics record into, and the
/// `Registry` QML type, so C++ and QML metrics can be served together.
///
/// CMake: `target_link_libraries(app PRIVATE promqt::qml)`; QML: `import PromQt`.
///
/// Plain prometheus-cpp from C++ and a hand-written QObject bridge for QML:
/// @code
///   auto registry = std::make_shared<prometheus::Registry>();
///   exposer.RegisterCollectable(registry);
///   // ... plus a QObject with Q_INVOKABLE inc() per metric, exposed as a context property
/// @endcode
/// With promqt: QML declares `Counter { name: "clicks_total" }` and C++ serves both worlds:
/// @code
///   promqt::MetricsServer server;
///   server.registerCollectable(promqt::Qml::defaultRegistry()); // every QML metric without
///   server.registerCollectable(myCppRegistry);                  // an explicit `registry`
///   server.listen(QHostAddress::LocalHost, 9464);
/// @endcode
/// To hand a C++ registry to QML, wrap it in a promqt::QmlRegistry (e.g. as a context property
/// or an initial property) and set it as the `registry` of QML metrics.

#include <QObject>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace prometheus {
class Registry;
}

namespace promqt {

namespace Qml {
/// The registry every QML metric (Counter, Gauge, Histogram, Summary, WindowMetrics) records
/// into when its `registry` property is not set, and that QML `MetricsServer` serves by default.
/// Created on first use and alive until the process exits; the same object for every QML engine.
/// Thread-safe (prometheus-cpp registries are).
std::shared_ptr<prometheus::Registry> defaultRegistry();
} // namespace Qml

/// The QML `Registry` type: a handle on a prometheus-cpp Registry.
///
/// Declared in QML (`Registry { id: registry }`) it creates a fresh prometheus::Registry; created
/// from C++ it can wrap an existing one, so QML metrics land in a registry C++ already serves.
/// The wrapped registry never changes after construction.
///
/// Lifetime: QML metrics bound to a registry keep the prometheus::Registry alive (they share
/// ownership), so destroying this QObject never invalidates a series that is still used.
/// Thread affinity: an ordinary QObject; the wrapped registry itself is thread-safe.
class QmlRegistry : public QObject {
    Q_OBJECT
    QML_NAMED_ELEMENT(Registry)
    /// True when this object wraps Qml::defaultRegistry().
    Q_PROPERTY(bool isDefault READ isDefault CONSTANT)

public:
    /// A new, empty prometheus::Registry.
    explicit QmlRegistry(QObject* parent = nullptr);
    /// Wraps `registry` (a null pointer means Qml::defaultRegistry()).
    explicit QmlRegistry(std::shared_ptr<prometheus::Registry> registry, QObject* parent = nullptr);
    ~QmlRegistry() override;

    /// The wrapped registry; never null. Register it with a MetricsServer to serve it.
    std::shared_ptr<prometheus::Registry> registry() const { return m_registry; }
    bool isDefault() const;

private:
    std::shared_ptr<prometheus::Registry> m_registry;
};

} // namespace promqt
