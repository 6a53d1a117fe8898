// SPDX-License-Identifier: MIT
#include "promisewatcher.h"

#include <QHash>
#include <QJSEngine>
#include <QMetaMethod>
#include <QMetaType>

#include <algorithm>
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

// The JavaScript glue, compiled once per engine and dropped with the engine.
struct Glue {
    QJSValue reactions; // (watcher) -> [onFulfilled, onRejected]
    QJSValue adopt;     // (watcher, thenable, arity) -> new Promise settling like thenable
    QJSValue promisePrototype;
};

Glue glue(QJSEngine* engine)
{
    static std::mutex mutex;
    static QHash<QJSEngine*, Glue> glues;
    std::lock_guard lock(mutex);
    auto it = glues.find(engine);
    if (it == glues.end()) {
        Glue g;
        g.reactions = engine->evaluate(QStringLiteral(
                "(function (watcher) {\n"
                "    return [function () { watcher.settle(true); },\n"
                "            function () { watcher.settle(false); }];\n"
                "})"));
        g.adopt = engine->evaluate(QStringLiteral(
                "(function (watcher, thenable, arity) {\n"
                "    return new Promise(function (resolve, reject) {\n"
                "        function fulfilled(value) { watcher.settle(true); resolve(value); }\n"
                "        function rejected(reason) { watcher.settle(false); reject(reason); }\n"
                "        try {\n"
                "            if (arity === 1) thenable.then(fulfilled);\n"
                "            else thenable.then(fulfilled, rejected);\n"
                "        } catch (e) {\n"
                "            rejected(e);\n"
                "        }\n"
                "    });\n"
                "})"));
        g.promisePrototype = engine->globalObject()
                                     .property(QStringLiteral("Promise"))
                                     .property(QStringLiteral("prototype"));
        it = glues.insert(engine, g);
        QObject::connect(engine, &QObject::destroyed, [engine] {
            std::lock_guard lock(mutex);
            glues.remove(engine);
        });
    }
    return *it;
}

// Parameters of the widest C++ then() of a QObject or gadget thenable; -1 for JavaScript.
int cppThenArity(const QJSValue& thenable)
{
    const QMetaObject* meta = nullptr;
    if (thenable.isQObject() && thenable.toQObject()) {
        meta = thenable.toQObject()->metaObject();
    } else if (!thenable.isCallable()) {
        const QMetaType type = thenable.toVariant().metaType();
        if (type.flags() & QMetaType::IsGadget)
            meta = type.metaObject();
    }
    if (!meta)
        return -1;
    int arity = -1;
    for (int i = 0; i < meta->methodCount(); ++i) {
        const QMetaMethod method = meta->method(i);
        if (method.name() == "then")
            arity = std::max(arity, method.parameterCount());
    }
    return arity;
}

} // namespace

WatchedThenable watchThenable(QJSEngine* engine, const QJSValue& thenable,
                              std::function<void(bool fulfilled)> onSettled)
{
    if (!engine)
        return {thenable, QStringLiteral("the object has no QML engine")};
    const QJSValue then = thenable.isObject() ? thenable.property(QStringLiteral("then")) : QJSValue();
    if (!then.isCallable())
        return {thenable, QStringLiteral("argument is not a promise or thenable (%1)").arg(thenable.toString())};

    const Glue g = glue(engine);
    auto* watcher = new PromiseWatcher(std::move(onSettled));
    QJSEngine::setObjectOwnership(watcher, QJSEngine::JavaScriptOwnership);
    const QJSValue watcherValue = engine->newQObject(watcher);

    if (thenable.prototype().strictlyEquals(g.promisePrototype)) {
        const QJSValue reactions = g.reactions.call({watcherValue});
        const QJSValue result = then.callWithInstance(thenable, {reactions.property(0), reactions.property(1)});
        if (result.isError())
            return {thenable, QStringLiteral("then() threw: %1").arg(result.toString())};
        return {thenable, {}};
    }

    int arity = cppThenArity(thenable);
    if (arity < 0) // a JavaScript then(): trust its declared length, if it declares one
        arity = then.property(QStringLiteral("length")).toInt() == 1 ? 1 : 2;
    const QJSValue adopted = g.adopt.call({watcherValue, thenable, arity});
    if (adopted.isError())
        return {thenable, QStringLiteral("cannot watch the thenable: %1").arg(adopted.toString())};
    return {adopted, {}};
}

} // namespace promqt::detail
