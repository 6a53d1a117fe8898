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

/// What watchThenable() hands back to QML.
struct WatchedThenable {
    QJSValue value; ///< what the QML method returns
    QString error;  ///< why nothing is watched (not a thenable, then() threw); empty on success
};

/// Arranges for `onSettled(fulfilled)` to run once when `thenable` settles.
///
/// A JavaScript Promise gets `then(onFulfilled, onRejected)` reactions and is returned itself;
/// the reactions return undefined and never throw, so the promise then() creates always fulfils
/// and watching adds no unhandled rejection. Any other thenable — e.g. QCoro's QmlTask, which
/// can be consumed only once — is adopted by a new Promise that settles like it, and that
/// Promise is returned, so the app still gets the result. A C++ then() taking a single function
/// is called with just the fulfilment reaction.
WatchedThenable watchThenable(QJSEngine* engine, const QJSValue& thenable,
                              std::function<void(bool fulfilled)> onSettled);

} // namespace promqt::detail
