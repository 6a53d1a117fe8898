// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// QNetworkAccessManager instrumentation: every request's duration, from the get()/post()/…
/// call until the reply finishes, in a histogram labelled by method, outcome and host — with
/// no change at the call sites.
///
/// Plain Qt:
/// @code
///   QElapsedTimer t; t.start();
///   QNetworkReply* reply = nam->get(request);             // ...at every call site
///   connect(reply, &QNetworkReply::finished, [=, &family] {
///       family.Add({{"code", ...}, {"host", ...}}).Observe(t.nsecsElapsed() / 1e9); });
/// @endcode
/// With promqt (once, next to where the manager is created):
/// @code
///   new promqt::NetworkInstrumentation(nam, *registry, nam);
/// @endcode
///
/// Metrics:
/// - `promqt_network_request_duration_seconds` (histogram, seconds) with labels
///   - `method`: GET, HEAD, POST, PUT, DELETE, or the custom verb of sendCustomRequest() if it is
///     one of PATCH, OPTIONS, CONNECT, TRACE — otherwise OTHER;
///   - `code`: the HTTP status code of the final response ("200", "404", "302" with a manual
///     redirect policy…); "error" when no HTTP status was received; "ok" for a successful
///     non-HTTP request (file:, data:, qrc:);
///   - `error`: "" when the request completed at the protocol level (whatever the status);
///     otherwise the QNetworkReply::NetworkError name without its "Error" suffix:
///     "ConnectionRefused", "HostNotFound", "Timeout", "OperationCanceled" (abort(), a transfer
///     timeout, a reply deleted unfinished), "SslHandshakeFailed", "InsecureRedirect"…;
///   - `host`: the host of the URL the call site requested (before redirects), lower case;
///     "" for URLs without one. Change it with setHostLabel() (e.g. to fold many hosts into
///     one value) if the set of hosts is not small and fixed.
///   All labels but `host` have a small fixed set of values.
/// - `promqt_network_requests_in_flight` (gauge): requests started and not yet finished.
///   The number of requests per label set is the histogram's `_count`.
///
/// How it measures from the start: the manager creates every reply as its own child, so the
/// instrumentation watches the manager's QEvent::ChildAdded, which Qt sends from inside
/// get()/post()/… before the request is even queued — the clock starts there. The finish is the
/// manager's `finished(QNetworkReply*)`. Works for Qt's own replies and for subclasses whose
/// createRequest() parents its replies to the manager, as Qt's do. Not measured: replies not
/// parented to the manager, and synchronous requests (QNetworkRequest::SynchronousRequestAttribute).
/// A redirect followed automatically is part of one request (one observation).
///
/// Thread-safety: the instrumentation must live in the manager's thread (as the manager's
/// replies do); create it there. It does all its work in that thread. Several managers, in
/// several threads, may be instrumented into the same registry (their series add up).
///
/// Lifetime: the registry must outlive the instrumentation. The manager may be destroyed
/// first (its unfinished requests are then observed as "OperationCanceled"); deleting the
/// instrumentation first stops measuring and brings the in-flight gauge back down.

#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <vector>

class QNetworkAccessManager;

namespace prometheus {
class Registry;
}

namespace promqt {

class NetworkInstrumentationPrivate;

/// Instruments one QNetworkAccessManager (see the file comment for metrics and labels).
class NetworkInstrumentation : public QObject {
    Q_OBJECT
public:
    /// Default buckets, in seconds: 5 ms … 30 s.
    static std::vector<double> defaultBuckets();

    /// Starts measuring every request `nam` makes from now on, into families registered in
    /// `registry`. `nam` must live in the current thread. Pass `nam` as `parent` to tie the
    /// instrumentation's lifetime to the manager.
    explicit NetworkInstrumentation(QNetworkAccessManager* nam, prometheus::Registry& registry,
                                    QObject* parent = nullptr);
    /// Same, with the histogram's bucket boundaries in seconds (ascending).
    NetworkInstrumentation(QNetworkAccessManager* nam, prometheus::Registry& registry,
                           const std::vector<double>& buckets, QObject* parent = nullptr);
    ~NetworkInstrumentation() override;

    /// The instrumented manager, or null once it has been destroyed.
    QNetworkAccessManager* manager() const;

    /// Sets how the `host` label is derived from the requested URL (default: `url.host()` in
    /// lower case). Called in the manager's thread once per request.
    void setHostLabel(std::function<QString(const QUrl&)> hostLabel);

    /// Requests currently in flight (the gauge's contribution of this instrumentation).
    int inFlight() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    std::unique_ptr<NetworkInstrumentationPrivate> d;
};

} // namespace promqt
