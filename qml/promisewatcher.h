// SPDX-License-Identifier: MIT
#pragma once

// Glue between a JavaScript thenable and a C++ callback, for time(promise) and friends.

#include <QJSValue>
#include <QObject>

#include <functional>

QT_BEGIN_NAMESPACE
class QJSEngine;
QT_END_NAMESPACE

namespace promqt::detail {

/// Handed to JavaScript with JavaScriptOwnership: the two reaction functions passed to
/// `promise.then()` capture it, so it lives exactly as long as the promise can still settle
/// and is garbage-collected afterwards. It never refers to the QML object that created it.
class PromiseWatcher : public QObject {
    Q_OBJECT

public:
    explicit PromiseWatcher(std::function<void(bool fulfilled)> onSettled);

    /// Runs the callback once; later calls do nothing.
    Q_INVOKABLE void settle(bool fulfilled);

private:
    std::function<void(bool)> m_onSettled;
};

/// Calls `promise.then(onFulfilled, onRejected)` with reactions that call `onSettled`.
/// Returns an empty string on success, else why it failed (not a thenable, then() threw).
/// The reactions return undefined and never throw, so the promise returned by then() always
/// fulfils: watching a promise adds no unhandled rejection.
QString watchThenable(QJSEngine* engine, const QJSValue& promise,
                      std::function<void(bool fulfilled)> onSettled);

} // namespace promqt::detail
