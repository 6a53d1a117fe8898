// SPDX-License-Identifier: MIT
#include "promisewatcher.h"

#include <QHash>
#include <QJSEngine>

#include <mutex>
#include <utility>

namespace promqt::detail {

PromiseWatcher::PromiseWatcher(std::function<void(bool)> onSettled)
    : m_onSettled(std::move(onSettled))
{
}

void PromiseWatcher::settle(bool fulfilled)
{
    if (auto f = std::exchange(m_onSettled, nullptr))
        f(fulfilled);
}

namespace {

// One compiled factory per engine; dropped when the engine is destroyed.
QJSValue reactionFactory(QJSEngine* engine)
{
    static std::mutex mutex;
    static QHash<QJSEngine*, QJSValue> factories;
    std::lock_guard lock(mutex);
    auto it = factories.find(engine);
    if (it == factories.end()) {
        const QJSValue factory = engine->evaluate(QStringLiteral(
                "(function (watcher) {\n"
                "    return [function () { watcher.settle(true); },\n"
                "            function () { watcher.settle(false); }];\n"
                "})"));
        it = factories.insert(engine, factory);
        QObject::connect(engine, &QObject::destroyed, [engine] {
            std::lock_guard lock(mutex);
            factories.remove(engine);
        });
    }
    return *it;
}

} // namespace

QString watchThenable(QJSEngine* engine, const QJSValue& promise,
                      std::function<void(bool fulfilled)> onSettled)
{
    if (!engine)
        return QStringLiteral("the object has no QML engine");
    const QJSValue then = promise.isObject() ? promise.property(QStringLiteral("then")) : QJSValue();
    if (!then.isCallable())
        return QStringLiteral("argument is not a promise or thenable (%1)").arg(promise.toString());

    auto* watcher = new PromiseWatcher(std::move(onSettled));
    QJSEngine::setObjectOwnership(watcher, QJSEngine::JavaScriptOwnership);
    const QJSValue reactions = reactionFactory(engine).call({engine->newQObject(watcher)});
    const QJSValue result = then.callWithInstance(
            promise, {reactions.property(0), reactions.property(1)});
    if (result.isError())
        return QStringLiteral("then() threw: %1").arg(result.toString());
    return {};
}

} // namespace promqt::detail
