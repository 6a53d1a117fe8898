// SPDX-License-Identifier: MIT
#include <promqt/metricsserver.h>
#include <promqt/threadedmetricsserver.h>

#include <QCoreApplication>
#include <QMutex>
#include <QSslConfiguration>
#include <QThread>

#include <algorithm>
#include <future>
#include <optional>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

namespace promqt {

namespace {

/// Hosts a QCoreApplication in a std::thread for processes that have none, shared by every
/// ThreadedMetricsServer of the process and ended when the last one releases it. Qt runs no
/// event loop — not even a QThread's — without an application object.
QtMessageHandler s_previousHandler = nullptr;

void filterMainThreadWarning(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (message.contains(QLatin1String("was not created in the main() thread")))
        return;
    if (s_previousHandler) // Qt 6 returns its default handler when none was installed
        s_previousHandler(type, context, message);
}

class ApplicationHost {
public:
    static ApplicationHost& instance() {
        static ApplicationHost host;
        return host;
    }

    /// Returns the hosted application (starting it if needed), or nullptr when the process has
    /// an application of its own. A server that finds *our* application must share it, not
    /// treat it as the program's: it would die with the last of our users.
    QObject* acquireUnlessApplicationExists() {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_users == 0 && QCoreApplication::instance())
            return nullptr;
        if (m_users++ == 0) {
            std::promise<QCoreApplication*> started;
            auto future = started.get_future();
            m_thread = std::thread([&started] {
                static int argc = 1;
                static char name[] = "promqt-metrics";
                static char* argv[] = {name, nullptr};
                // Qt warns that the application is not created in main()'s thread. Here that
                // is the point: the program's own main thread runs no Qt event loop.
                const QtMessageHandler previous = qInstallMessageHandler(filterMainThreadWarning);
                s_previousHandler = previous;
                QCoreApplication app(argc, argv);
                qInstallMessageHandler(previous);
                s_previousHandler = nullptr;
                started.set_value(&app);
                app.exec();
            });
            m_app = future.get();
        }
        return m_app;
    }

    void release() {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (--m_users > 0)
            return;
        QMetaObject::invokeMethod(m_app, [] { QCoreApplication::quit(); }, Qt::QueuedConnection);
        m_thread.join();
        m_app = nullptr;
    }

private:
    std::mutex m_mutex;
    int m_users = 0;
    std::thread m_thread;
    QCoreApplication* m_app = nullptr;
};

} // namespace

class ThreadedMetricsServerPrivate {
public:
    explicit ThreadedMetricsServerPrivate(ThreadedMetricsServer* qq) : q(qq) {}

    /// Runs `f` in the server thread and waits for it (directly when already there).
    template <typename F> void call(F&& f) {
        if (QThread::currentThread() == server->thread())
            f();
        else
            QMetaObject::invokeMethod(server, std::forward<F>(f), Qt::BlockingQueuedConnection);
    }

    void ensureStarted();
    void cacheState();

    ThreadedMetricsServer* q;
    std::recursive_mutex lifecycle; // serialises start, listen, close and stop across threads
    mutable QMutex mutex; // guards everything below except `server`'s internals
    MetricsServerOptions options;
    // optional: default-constructing a QSslConfiguration loads Qt's TLS backend, which warns
    // when there is no application object yet — as in programs without Qt's event loop.
    std::optional<QSslConfiguration> ssl;
    std::tuple<QString, QString, QString> auth;
    std::vector<std::pair<QString, std::weak_ptr<prometheus::Collectable>>> registrations;
    std::shared_ptr<prometheus::Collectable> selfMetrics;

    MetricsServer* server = nullptr; // lives in the server thread
    QThread* thread = nullptr;       // ours, when the process has an application
    bool hosted = false;             // server lives in ApplicationHost's thread (holds a use)
    bool listening = false;
    quint16 port = 0;
    QHostAddress address;
    QUrl url;
    QString errorString;
};

void ThreadedMetricsServerPrivate::ensureStarted() {
    if (server)
        return;
    QObject* home = ApplicationHost::instance().acquireUnlessApplicationExists();
    hosted = home != nullptr;
    if (!hosted) {
        thread = new QThread;
        thread->setObjectName(QStringLiteral("promqt-metrics"));
        thread->start();
    }
    // Create the server in its thread so that every member QObject (the scrape engine, sockets,
    // timers) is born there: moveToThread() would not move the members it does not parent.
    auto create = [this] {
        server = new MetricsServer;
        QObject::connect(server, &MetricsServer::listeningChanged, server, [this](bool on) {
            {
                QMutexLocker lock(&mutex);
                listening = on;
                port = on ? server->serverPort() : 0;
                address = on ? server->serverAddress() : QHostAddress();
                url = on ? server->url() : QUrl();
            }
            emit q->listeningChanged(on);
        }, Qt::DirectConnection);
        QObject::connect(server, &MetricsServer::errorOccurred, server, [this](const QString& message) {
            emit q->errorOccurred(message);
        }, Qt::DirectConnection);
        QMutexLocker lock(&mutex);
        selfMetrics = server->selfMetrics();
        for (const auto& r : registrations)
            server->registerCollectable(r.second, r.first);
    };
    if (thread) {
        QObject context; // only a handle to post into the thread; no events remain when it dies
        context.moveToThread(thread);
        QMetaObject::invokeMethod(&context, create, Qt::BlockingQueuedConnection);
    } else {
        QMetaObject::invokeMethod(home, create, Qt::BlockingQueuedConnection);
    }
}

ThreadedMetricsServer::ThreadedMetricsServer(QObject* parent)
    : QObject(parent), d(std::make_unique<ThreadedMetricsServerPrivate>(this)) {}

ThreadedMetricsServer::~ThreadedMetricsServer() { stop(); }

void ThreadedMetricsServer::registerCollectable(const std::weak_ptr<prometheus::Collectable>& collectable,
                                                const QString& path) {
    QMutexLocker lock(&d->mutex);
    d->registrations.emplace_back(path, collectable);
    if (d->server)
        d->server->registerCollectable(collectable, path); // thread-safe
}

void ThreadedMetricsServer::removeCollectable(const std::weak_ptr<prometheus::Collectable>& collectable,
                                              const QString& path) {
    QMutexLocker lock(&d->mutex);
    auto& regs = d->registrations;
    regs.erase(std::remove_if(regs.begin(), regs.end(),
                              [&](const auto& r) {
                                  return r.first == path && !r.second.owner_before(collectable) &&
                                         !collectable.owner_before(r.second);
                              }),
               regs.end());
    if (d->server)
        d->server->removeCollectable(collectable, path);
}

bool ThreadedMetricsServer::listen(const QHostAddress& address, quint16 port) {
    std::lock_guard<std::recursive_mutex> guard(d->lifecycle);
    d->ensureStarted();
    bool ok = false;
    d->call([&] {
        MetricsServerOptions options;
        std::optional<QSslConfiguration> ssl;
        std::tuple<QString, QString, QString> auth;
        {
            QMutexLocker lock(&d->mutex);
            options = d->options;
            ssl = d->ssl;
            auth = d->auth;
        }
        d->server->setOptions(options);
        d->server->setSslConfiguration(ssl ? *ssl : QSslConfiguration());
        d->server->setBasicAuth(std::get<0>(auth), std::get<1>(auth), std::get<2>(auth));
        ok = d->server->listen(address, port);
        QMutexLocker lock(&d->mutex);
        d->errorString = d->server->errorString();
    });
    return ok;
}

void ThreadedMetricsServer::close() {
    std::lock_guard<std::recursive_mutex> guard(d->lifecycle);
    if (!d->server)
        return;
    d->call([this] { d->server->close(); });
}

void ThreadedMetricsServer::stop() {
    std::lock_guard<std::recursive_mutex> guard(d->lifecycle);
    if (!d->server)
        return;
    d->call([this] {
        d->server->close();
        delete d->server; // in its own thread, so its sockets and timers die where they live
    });
    d->server = nullptr;
    if (d->thread) {
        d->thread->quit();
        d->thread->wait();
        delete d->thread;
        d->thread = nullptr;
    } else if (d->hosted) {
        ApplicationHost::instance().release();
        d->hosted = false;
    }
    QMutexLocker lock(&d->mutex);
    d->listening = false;
    d->port = 0;
    d->address = QHostAddress();
    d->url = QUrl();
}

bool ThreadedMetricsServer::isListening() const {
    QMutexLocker lock(&d->mutex);
    return d->listening;
}

quint16 ThreadedMetricsServer::serverPort() const {
    QMutexLocker lock(&d->mutex);
    return d->port;
}

QHostAddress ThreadedMetricsServer::serverAddress() const {
    QMutexLocker lock(&d->mutex);
    return d->address;
}

QUrl ThreadedMetricsServer::url() const {
    QMutexLocker lock(&d->mutex);
    return d->url;
}

QString ThreadedMetricsServer::errorString() const {
    QMutexLocker lock(&d->mutex);
    return d->errorString;
}

void ThreadedMetricsServer::setOptions(const MetricsServerOptions& options) {
    QMutexLocker lock(&d->mutex);
    d->options = options;
}

MetricsServerOptions ThreadedMetricsServer::options() const {
    QMutexLocker lock(&d->mutex);
    return d->options;
}

void ThreadedMetricsServer::setSslConfiguration(const QSslConfiguration& configuration) {
    QMutexLocker lock(&d->mutex);
    d->ssl = configuration;
}

void ThreadedMetricsServer::setBasicAuth(const QString& user, const QString& password, const QString& realm) {
    QMutexLocker lock(&d->mutex);
    d->auth = {user, password, realm};
}

std::shared_ptr<prometheus::Collectable> ThreadedMetricsServer::selfMetrics() const {
    std::lock_guard<std::recursive_mutex> guard(d->lifecycle);
    d->ensureStarted();
    QMutexLocker lock(&d->mutex);
    return d->selfMetrics;
}

} // namespace promqt
