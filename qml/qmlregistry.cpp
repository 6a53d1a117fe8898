// SPDX-License-Identifier: MIT
#include <promqt/qml.h>

#include <prometheus/registry.h>

namespace promqt {

std::shared_ptr<prometheus::Registry> Qml::defaultRegistry()
{
    // Never destroyed before the last QML metric lets go of it: metrics share ownership.
    static const std::shared_ptr<prometheus::Registry> registry =
            std::make_shared<prometheus::Registry>();
    return registry;
}

QmlRegistry::QmlRegistry(QObject* parent)
    : QObject(parent), m_registry(std::make_shared<prometheus::Registry>())
{
}

QmlRegistry::QmlRegistry(std::shared_ptr<prometheus::Registry> registry, QObject* parent)
    : QObject(parent), m_registry(registry ? std::move(registry) : Qml::defaultRegistry())
{
}

QmlRegistry::~QmlRegistry() = default;

bool QmlRegistry::isDefault() const
{
    return m_registry == Qml::defaultRegistry();
}

} // namespace promqt
