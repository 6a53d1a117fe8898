// SPDX-License-Identifier: MIT
// ConsulAgent against a Consul-shaped HTTP endpoint on loopback that records every request.
// (Debian has no Consul package; the agent's HTTP API is small and documented, and what matters
// here is what promqt sends and how it copes with a failing agent.)
#include "fakehttp.h"
#include "httpclient.h"

#include <promqt/discovery.h>
#include <promqt/metricsserver.h>
#include <promqt/threadedmetricsserver.h>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkInterface>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace std::chrono_literals;
using promqt::ConsulAgent;
using promqt::test::FakeMetricsServer;
using promqt::test::RecordedRequest;
using promqt::test::RecordingHttpServer;
using promqt::test::ThreadedRecordingHttpServer;

namespace {

QJsonObject json(const RecordedRequest& r) { return QJsonDocument::fromJson(r.body).object(); }

/// The metrics server answers a scrape (it keeps serving whatever the agent does).
bool scrapes(quint16 port) {
    const auto r = promqt::test::httpRequest(port, "GET", "/metrics");
    return r && r->status == 200 && (r->body.contains("fake_metric 1") || r->body.contains("app_requests_total 1"));
}

/// promqt's own MetricsServer on loopback with one counter.
struct RealServer {
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    promqt::MetricsServer server;
    RealServer() {
        prometheus::BuildCounter().Name("app_requests_total").Register(*registry).Add({}).Increment();
        server.registerCollectable(registry);
    }
    bool listen() { return server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return server.serverPort(); }
};

} // namespace

class tst_ConsulAgent : public QObject {
    Q_OBJECT

private slots:
    void defaultAdvertiseAddress();
    void defaults();
    void registersWhenServerListens();
    void registersServerAlreadyListening();
    void tokenOmittedWhenEmpty();
    void payloadOptions();
    void advertiseAddressForAnyAddress();
    void fixedService();
    void reregistersOnChange();
    void serviceIdChangeDeregistersOldId();
    void deregistersOnStop();
    void deregistersWhenServerDestroyed();
    void deregistersOnDestruction();
    void destructionBoundedWhenAgentHangs();
    void deregisterOff();
    void explicitDeregisterAndRegister();
    void explicitDeregisterWithNothingRegistered();
    void refusedConnection();
    void errorAnswerThenRetrySucceeds();
    void hangingAgentTimesOut();
    void agentUrlPathPrefix();
    void customNetworkAccessManager();
    void rejectsObjectWithoutContract();
    void realMetricsServer();
    void threadedMetricsServer();
};

void tst_ConsulAgent::defaultAdvertiseAddress() {
    const QHostAddress a = promqt::defaultAdvertiseAddress();
    QCOMPARE(a.protocol(), QAbstractSocket::IPv4Protocol);
    if (a.isLoopback())
        return; // allowed only when no interface qualifies
    bool found = false;
    for (const QNetworkInterface& i : QNetworkInterface::allInterfaces()) {
        if (i.flags().testFlag(QNetworkInterface::IsLoopBack) || !i.flags().testFlag(QNetworkInterface::IsUp))
            continue;
        for (const auto& e : i.addressEntries())
            found = found || e.ip() == a;
    }
    QVERIFY2(found, qPrintable(a.toString()));
}

void tst_ConsulAgent::defaults() {
    ConsulAgent agent;
    QCOMPARE(agent.agentUrl(), QUrl(QStringLiteral("http://127.0.0.1:8500")));
    QCOMPARE(agent.serviceName(), QCoreApplication::applicationName());
    QCOMPARE(agent.serviceId(), agent.serviceName());
    QCOMPARE(agent.checkInterval(), 10s);
    QVERIFY(agent.deregisterOnStop());
    QVERIFY(agent.retryEnabled());
    QVERIFY(!agent.isRegistered());
    QVERIFY(agent.registrationPayload().isEmpty());
}

void tst_ConsulAgent::registersWhenServerListens() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    FakeMetricsServer server;
    agent.setAgentUrl(consul.url());
    agent.setServiceName(QStringLiteral("svc"));
    agent.setTags({QStringLiteral("a"), QStringLiteral("b")});
    agent.setToken(QStringLiteral("s3cret"));
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    QSignalSpy changed(&agent, &ConsulAgent::registeredChanged);
    agent.setServer(&server);
    QVERIFY(!registered.wait(200)); // not listening yet: nothing to register
    QVERIFY(consul.requests().isEmpty());

    QVERIFY(server.listen());
    QVERIFY(registered.wait(5000));
    QVERIFY(agent.isRegistered());
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().first().toBool(), true);

    const auto reqs = consul.requests();
    QCOMPARE(reqs.size(), 1);
    const RecordedRequest& r = reqs.first();
    QCOMPARE(r.method, QByteArray("PUT"));
    QCOMPARE(r.path(), QByteArray("/v1/agent/service/register"));
    QCOMPARE(r.query(), QByteArray("replace-existing-checks=true"));
    QCOMPARE(r.header("X-Consul-Token"), QByteArray("s3cret"));
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
    const QJsonObject body = json(r);
    QCOMPARE(body.value("ID").toString(), QStringLiteral("svc")); // id defaults to the name
    QCOMPARE(body.value("Name").toString(), QStringLiteral("svc"));
    QCOMPARE(body.value("Tags").toArray(), (QJsonArray{"a", "b"}));
    QCOMPARE(body.value("Address").toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(body.value("Port").toInt(), int(server.serverPort()));
    QCOMPARE(body.value("Meta").toObject().value("metrics_path").toString(), QStringLiteral("/metrics"));
    const QJsonObject check = body.value("Check").toObject();
    const QString checkUrl = QStringLiteral("http://127.0.0.1:%1/").arg(server.serverPort());
    QCOMPARE(check.value("HTTP").toString(), checkUrl);
    QCOMPARE(check.value("Interval").toString(), QStringLiteral("10s"));
    QCOMPARE(check.value("Method").toString(), QStringLiteral("GET"));
    QVERIFY(!check.contains("DeregisterCriticalServiceAfter"));
    QCOMPARE(agent.registrationPayload(), r.body);

    // The check URL really reaches the metrics server's "/".
    const int before = server.hits();
    const auto answer = promqt::test::httpRequest(QUrl(checkUrl).port(), "GET", "/");
    QVERIFY(answer && answer->status == 200);
    QCOMPARE(server.http().requests().value(before).path(), QByteArray("/"));
}

void tst_ConsulAgent::registersServerAlreadyListening() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    agent.setAgentUrl(consul.url());
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    agent.setServer(&server);
    QVERIFY(registered.wait(5000));
    QCOMPARE(json(consul.requests().first()).value("Port").toInt(), int(server.serverPort()));
    QCOMPARE(json(consul.requests().first()).value("Name").toString(), QCoreApplication::applicationName());
}

void tst_ConsulAgent::tokenOmittedWhenEmpty() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    agent.setAgentUrl(consul.url());
    agent.setServer(&server);
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    QVERIFY(registered.wait(5000));
    QVERIFY(consul.requests().first().header("X-Consul-Token").isNull());
    QSignalSpy deregistered(&agent, &ConsulAgent::deregistered);
    server.close();
    QVERIFY(deregistered.wait(5000));
    QVERIFY(consul.requests().last().header("X-Consul-Token").isNull());
}

void tst_ConsulAgent::payloadOptions() {
    FakeMetricsServer server;
    QVERIFY(server.listen());
    ConsulAgent agent;
    agent.setServer(&server);
    agent.setServiceName(QStringLiteral("api"));
    agent.setServiceId(QStringLiteral("api-1"));
    agent.setMeta({{QStringLiteral("version"), QStringLiteral("1.2")}});
    agent.setCheckInterval(1500ms);
    agent.setCheckTimeout(2s);
    agent.setDeregisterCriticalServiceAfter(90s);
    const QJsonObject body = QJsonDocument::fromJson(agent.registrationPayload()).object();
    QCOMPARE(body.value("ID").toString(), QStringLiteral("api-1"));
    QCOMPARE(body.value("Name").toString(), QStringLiteral("api"));
    QCOMPARE(body.value("Tags").toArray(), QJsonArray());
    QCOMPARE(body.value("Meta").toObject().value("version").toString(), QStringLiteral("1.2"));
    QCOMPARE(body.value("Meta").toObject().value("scheme").toString(), QStringLiteral("http"));
    const QJsonObject check = body.value("Check").toObject();
    QCOMPARE(check.value("Interval").toString(), QStringLiteral("1500ms"));
    QCOMPARE(check.value("Timeout").toString(), QStringLiteral("2s"));
    QCOMPARE(check.value("DeregisterCriticalServiceAfter").toString(), QStringLiteral("90s"));
}

void tst_ConsulAgent::advertiseAddressForAnyAddress() {
    FakeMetricsServer server;
    server.setReportedAddress(QHostAddress(QHostAddress::Any));
    QVERIFY(server.listen());
    ConsulAgent agent;
    agent.setServer(&server);
    const QString expected = promqt::defaultAdvertiseAddress().toString();
    QJsonObject body = QJsonDocument::fromJson(agent.registrationPayload()).object();
    QCOMPARE(body.value("Address").toString(), expected);
    QCOMPARE(body.value("Check").toObject().value("HTTP").toString(),
             QStringLiteral("http://%1:%2/").arg(expected).arg(server.serverPort()));

    agent.setAdvertiseAddress(QStringLiteral("metrics.example.org"));
    body = QJsonDocument::fromJson(agent.registrationPayload()).object();
    QCOMPARE(body.value("Address").toString(), QStringLiteral("metrics.example.org"));
    QCOMPARE(body.value("Check").toObject().value("HTTP").toString(),
             QStringLiteral("http://metrics.example.org:%1/").arg(server.serverPort()));

    agent.setAdvertiseAddress(QStringLiteral("::1"));
    body = QJsonDocument::fromJson(agent.registrationPayload()).object();
    QCOMPARE(body.value("Address").toString(), QStringLiteral("::1"));
    QCOMPARE(body.value("Check").toObject().value("HTTP").toString(),
             QStringLiteral("http://[::1]:%1/").arg(server.serverPort()));
}

void tst_ConsulAgent::fixedService() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    agent.setAgentUrl(consul.url());
    agent.setServiceName(QStringLiteral("fixed"));
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    agent.setService(QStringLiteral("10.1.2.3"), 9464, QStringLiteral("https"), QStringLiteral("/prom"));
    QVERIFY(registered.wait(5000));
    const QJsonObject body = json(consul.requests().first());
    QCOMPARE(body.value("Address").toString(), QStringLiteral("10.1.2.3"));
    QCOMPARE(body.value("Port").toInt(), 9464);
    QCOMPARE(body.value("Meta").toObject().value("metrics_path").toString(), QStringLiteral("/prom"));
    QCOMPARE(body.value("Meta").toObject().value("scheme").toString(), QStringLiteral("https"));
    QCOMPARE(body.value("Check").toObject().value("HTTP").toString(), QStringLiteral("https://10.1.2.3:9464/"));
}

void tst_ConsulAgent::reregistersOnChange() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    agent.setAgentUrl(consul.url());
    agent.setServer(&server);
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    QVERIFY(registered.wait(5000));
    // Several setters in one go: one request.
    agent.setTags({QStringLiteral("x")});
    agent.setMeta({{QStringLiteral("k"), QStringLiteral("v")}});
    QVERIFY(registered.wait(5000));
    const auto reqs = consul.requests();
    QCOMPARE(reqs.size(), 2);
    QCOMPARE(json(reqs[1]).value("Tags").toArray(), QJsonArray{"x"});
    QCOMPARE(json(reqs[1]).value("Meta").toObject().value("k").toString(), QStringLiteral("v"));
    // Nothing changed: registerService() still sends again (e.g. after the agent lost state).
    agent.registerService();
    QVERIFY(registered.wait(5000));
    QCOMPARE(consul.requests().size(), 3);
}

void tst_ConsulAgent::serviceIdChangeDeregistersOldId() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    agent.setAgentUrl(consul.url());
    agent.setServiceId(QStringLiteral("one"));
    agent.setServer(&server);
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    QVERIFY(registered.wait(5000));
    agent.setServiceId(QStringLiteral("two"));
    QVERIFY(registered.wait(5000));
    const auto reqs = consul.requests();
    QCOMPARE(reqs.size(), 3);
    QCOMPARE(reqs[1].path(), QByteArray("/v1/agent/service/deregister/one"));
    QCOMPARE(json(reqs[2]).value("ID").toString(), QStringLiteral("two"));
}

void tst_ConsulAgent::deregistersOnStop() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    agent.setAgentUrl(consul.url());
    agent.setServiceId(QStringLiteral("my app/1")); // escaped in the path
    agent.setToken(QStringLiteral("tok"));
    agent.setServer(&server);
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    QSignalSpy deregistered(&agent, &ConsulAgent::deregistered);
    QVERIFY(registered.wait(5000));
    server.close();
    QVERIFY(deregistered.wait(5000));
    QVERIFY(!agent.isRegistered());
    const RecordedRequest r = consul.requests().last();
    QCOMPARE(r.method, QByteArray("PUT"));
    QCOMPARE(r.path(), QByteArray("/v1/agent/service/deregister/my%20app%2F1"));
    QCOMPARE(r.header("X-Consul-Token"), QByteArray("tok"));
    // Listening again registers again (with the new port).
    QVERIFY(server.listen());
    QVERIFY(registered.wait(5000));
    QCOMPARE(json(consul.requests().last()).value("Port").toInt(), int(server.serverPort()));
}

void tst_ConsulAgent::deregistersWhenServerDestroyed() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    auto server = std::make_unique<FakeMetricsServer>();
    QVERIFY(server->listen());
    agent.setAgentUrl(consul.url());
    agent.setServer(server.get());
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    QSignalSpy deregistered(&agent, &ConsulAgent::deregistered);
    QVERIFY(registered.wait(5000));
    server.reset(); // destroyed without emitting listeningChanged(false)
    QVERIFY(deregistered.wait(5000));
    QCOMPARE(agent.server(), nullptr);
    QCOMPARE(consul.requests().last().path(), QByteArray("/v1/agent/service/deregister/") +
                                                  QCoreApplication::applicationName().toUtf8());
}

void tst_ConsulAgent::deregistersOnDestruction() {
    // The agent answers from its own thread, like a real agent in another process.
    ThreadedRecordingHttpServer consul;
    QVERIFY(consul.start());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    auto agent = std::make_unique<ConsulAgent>();
    agent->setAgentUrl(consul.url());
    agent->setServiceId(QStringLiteral("gone"));
    agent->setToken(QStringLiteral("tok"));
    agent->setServer(&server);
    QSignalSpy registered(agent.get(), &ConsulAgent::registered);
    QVERIFY(registered.wait(5000));
    QCOMPARE(consul.requests().size(), 1);

    QElapsedTimer t;
    t.start();
    agent.reset();
    // No event loop ran since: the destructor itself delivered the deregistration.
    const auto reqs = consul.requests();
    QCOMPARE(reqs.size(), 2);
    QCOMPARE(reqs[1].method, QByteArray("PUT"));
    QCOMPARE(reqs[1].path(), QByteArray("/v1/agent/service/deregister/gone"));
    QCOMPARE(reqs[1].header("X-Consul-Token"), QByteArray("tok"));
    QVERIFY2(t.elapsed() < 1500, qPrintable(QString::number(t.elapsed())));
    QVERIFY(scrapes(server.serverPort()));
}

void tst_ConsulAgent::destructionBoundedWhenAgentHangs() {
    ThreadedRecordingHttpServer consul;
    consul.server().setHandler([](const RecordedRequest& r, int& status, QByteArray&) {
        status = 200;
        return r.path().startsWith("/v1/agent/service/register"); // deregistrations hang
    });
    consul.server().setBehaviour(RecordingHttpServer::Behaviour::Hang);
    QVERIFY(consul.start());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    auto agent = std::make_unique<ConsulAgent>();
    agent->setAgentUrl(consul.url());
    agent->setShutdownTimeout(300ms);
    agent->setServer(&server);
    QSignalSpy registered(agent.get(), &ConsulAgent::registered);
    QVERIFY(registered.wait(5000));
    QElapsedTimer t;
    t.start();
    agent.reset();
    const qint64 ms = t.elapsed();
    QVERIFY2(ms >= 250 && ms < 2000, qPrintable(QString::number(ms)));
    QCOMPARE(consul.requests().size(), 2); // it was sent, just never answered
    QVERIFY(scrapes(server.serverPort()));
}

void tst_ConsulAgent::deregisterOff() {
    ThreadedRecordingHttpServer consul;
    QVERIFY(consul.start());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    auto agent = std::make_unique<ConsulAgent>();
    agent->setAgentUrl(consul.url());
    agent->setDeregisterOnStop(false);
    agent->setServer(&server);
    QSignalSpy registered(agent.get(), &ConsulAgent::registered);
    QVERIFY(registered.wait(5000));

    // Stop, let the agent react (its reaction is queued to the next loop turn), then listen on a
    // new port: the agent works through its wishes in order, so a deregistration caused by the
    // stop would be recorded before the re-registration.
    server.close();
    bool turned = false;
    QTimer::singleShot(0, this, [&] { turned = true; });
    QVERIFY(QTest::qWaitFor([&] { return turned; }, 1000));
    QVERIFY(server.listen());
    QVERIFY(registered.wait(5000));
    auto reqs = consul.requests();
    QCOMPARE(reqs.size(), 2);
    QCOMPARE(reqs[1].path(), QByteArray("/v1/agent/service/register"));

    // Destruction sends nothing either (it would be recorded by now: the destructor waits).
    agent.reset();
    QCOMPARE(consul.requests().size(), 2);
}

void tst_ConsulAgent::explicitDeregisterAndRegister() {
    ThreadedRecordingHttpServer consul;
    QVERIFY(consul.start());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    auto agent = std::make_unique<ConsulAgent>();
    agent->setAgentUrl(consul.url());
    agent->setDeregisterOnStop(false); // an explicit deregister() works regardless
    agent->setServer(&server);
    QSignalSpy registered(agent.get(), &ConsulAgent::registered);
    QSignalSpy deregistered(agent.get(), &ConsulAgent::deregistered);
    QVERIFY(registered.wait(5000));
    agent->deregister();
    QVERIFY(deregistered.wait(5000));
    QVERIFY(!agent->isRegistered());
    QCOMPARE(consul.requests().size(), 2);
    QVERIFY(consul.requests()[1].path().startsWith("/v1/agent/service/deregister/"));
    QVERIFY(scrapes(server.serverPort())); // deregistering does not touch the server

    agent->registerService();
    QVERIFY(registered.wait(5000));
    QCOMPARE(consul.requests().size(), 3);
    agent.reset();
    QCOMPARE(consul.requests().size(), 3); // deregisterOnStop is off
}

void tst_ConsulAgent::explicitDeregisterWithNothingRegistered() {
    ConsulAgent agent;
    agent.setAgentUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(promqt::test::freeLoopbackPort())));
    QSignalSpy deregistered(&agent, &ConsulAgent::deregistered);
    QSignalSpy failed(&agent, &ConsulAgent::deregistrationFailed);
    agent.deregister();
    QVERIFY(deregistered.wait(2000)); // nothing to undo: done, still signalled
    QCOMPARE(failed.size(), 0);
}

void tst_ConsulAgent::refusedConnection() {
    RealServer real;
    QVERIFY(real.listen());
    promqt::MetricsServer& server = real.server;
    auto agent = std::make_unique<ConsulAgent>();
    agent->setAgentUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(promqt::test::freeLoopbackPort())));
    agent->setRetryEnabled(false);
    QSignalSpy failed(agent.get(), &ConsulAgent::registrationFailed);
    agent->setServer(&server);
    QVERIFY(failed.wait(5000));
    const QString reason = failed.first().first().toString();
    QVERIFY2(reason.contains(QLatin1String("refused"), Qt::CaseInsensitive), qPrintable(reason));
    QVERIFY(!agent->isRegistered());
    QVERIFY(scrapes(server.serverPort()));
    // Nothing reached an agent, so there is nothing to deregister: destruction is immediate.
    QElapsedTimer t;
    t.start();
    agent.reset();
    QVERIFY(t.elapsed() < 500);
    QVERIFY(scrapes(server.serverPort()));
}

void tst_ConsulAgent::errorAnswerThenRetrySucceeds() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    consul.setResponse(500, "rpc error: No cluster leader");
    QVERIFY(consul.listen());
    RealServer real;
    QVERIFY(real.listen());
    promqt::MetricsServer& server = real.server;
    agent.setAgentUrl(consul.url());
    agent.setRetryBackoff(50ms, 200ms);
    QSignalSpy failed(&agent, &ConsulAgent::registrationFailed);
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    agent.setServer(&server);
    QVERIFY(failed.wait(5000));
    const QString reason = failed.first().first().toString();
    QVERIFY2(reason.contains(QLatin1String("500")) && reason.contains(QLatin1String("No cluster leader")),
             qPrintable(reason));
    QVERIFY(scrapes(server.serverPort()));
    // Retried with back-off: a second failure, then the agent recovers.
    QTRY_VERIFY_WITH_TIMEOUT(failed.size() >= 2, 5000);
    QVERIFY(scrapes(server.serverPort()));
    consul.setResponse(200);
    QVERIFY(registered.wait(5000));
    QVERIFY(agent.isRegistered());
    const auto reqs = consul.requests();
    QVERIFY(reqs.size() >= 3);
    for (const auto& r : reqs)
        QCOMPARE(r.path(), QByteArray("/v1/agent/service/register"));
}

void tst_ConsulAgent::hangingAgentTimesOut() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    consul.setBehaviour(RecordingHttpServer::Behaviour::Hang);
    QVERIFY(consul.listen());
    RealServer real;
    QVERIFY(real.listen());
    promqt::MetricsServer& server = real.server;
    agent.setAgentUrl(consul.url());
    agent.setRequestTimeout(300ms);
    agent.setRetryEnabled(false);
    QSignalSpy failed(&agent, &ConsulAgent::registrationFailed);
    QElapsedTimer t;
    t.start();
    agent.setServer(&server);
    // While the agent hangs, the server keeps serving from the same event loop.
    QVERIFY(scrapes(server.serverPort()));
    QVERIFY(failed.wait(5000));
    QVERIFY(t.elapsed() >= 250);
    const QString reason = failed.first().first().toString();
    QVERIFY2(reason.contains(QLatin1String("no answer within 300 ms")), qPrintable(reason));
    QVERIFY(scrapes(server.serverPort()));
    // It may have registered after all: stopping still deregisters (which hangs, too).
    QSignalSpy deregFailed(&agent, &ConsulAgent::deregistrationFailed);
    server.close();
    QVERIFY(deregFailed.wait(5000));
    QVERIFY(consul.requests().last().path().startsWith("/v1/agent/service/deregister/"));
    agent.setShutdownTimeout(100ms);
}

void tst_ConsulAgent::agentUrlPathPrefix() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    agent.setAgentUrl(QUrl(consul.url().toString() + QStringLiteral("/consul/")));
    agent.setServer(&server);
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    QVERIFY(registered.wait(5000));
    QCOMPARE(consul.requests().first().path(), QByteArray("/consul/v1/agent/service/register"));
}

void tst_ConsulAgent::customNetworkAccessManager() {
    ConsulAgent agent; // destroyed last: its shutdown deregistration meets a closed port
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    FakeMetricsServer server;
    QVERIFY(server.listen());
    QNetworkAccessManager nam;
    int seen = 0;
    connect(&nam, &QNetworkAccessManager::finished, this, [&] { ++seen; });
    agent.setNetworkAccessManager(&nam);
    agent.setAgentUrl(consul.url());
    agent.setServer(&server);
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    QVERIFY(registered.wait(5000));
    QCOMPARE(seen, 1);
}

void tst_ConsulAgent::rejectsObjectWithoutContract() {
    QObject notAServer;
    ConsulAgent agent;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("lacks the properties"));
    agent.setServer(&notAServer);
    QCOMPARE(agent.server(), nullptr);
    QVERIFY(agent.registrationPayload().isEmpty());
}

void tst_ConsulAgent::realMetricsServer() {
    ConsulAgent agent;
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    RealServer real;
    agent.setAgentUrl(consul.url());
    agent.setServiceName(QStringLiteral("real"));
    agent.setServer(&real.server);
    QCOMPARE(agent.server(), &real.server);
    QSignalSpy registered(&agent, &ConsulAgent::registered);
    QSignalSpy deregistered(&agent, &ConsulAgent::deregistered);
    QVERIFY(real.listen());
    QVERIFY(registered.wait(5000));
    const QJsonObject body = json(consul.requests().first());
    // Bound to 127.0.0.1 (not "any"): advertised as such.
    QCOMPARE(body.value("Address").toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(body.value("Port").toInt(), int(real.port()));
    const QUrl check(body.value("Check").toObject().value("HTTP").toString());
    const auto health = promqt::test::httpRequest(quint16(check.port()), "GET", check.path().toUtf8());
    QVERIFY(health && health->status == 200);
    QVERIFY(scrapes(real.port()));
    real.server.close();
    QVERIFY(deregistered.wait(5000));
    QCOMPARE(consul.requests().last().path(), QByteArray("/v1/agent/service/deregister/real"));
}

void tst_ConsulAgent::threadedMetricsServer() {
    // The server lives in its own thread and signals from there; the agent reacts on its own.
    ThreadedRecordingHttpServer consul;
    QVERIFY(consul.start());
    auto registry = std::make_shared<prometheus::Registry>();
    prometheus::BuildCounter().Name("app_requests_total").Register(*registry).Add({}).Increment();
    promqt::ThreadedMetricsServer server;
    server.registerCollectable(registry);
    auto agent = std::make_unique<ConsulAgent>();
    agent->setAgentUrl(consul.url());
    agent->setServiceName(QStringLiteral("threaded"));
    agent->setServer(&server);
    QSignalSpy registered(agent.get(), &ConsulAgent::registered);
    QSignalSpy deregistered(agent.get(), &ConsulAgent::deregistered);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QVERIFY(registered.wait(5000));
    QJsonObject body = json(consul.requests().first());
    QCOMPARE(body.value("Port").toInt(), int(server.serverPort()));
    // ThreadedMetricsServer tells its bound address through the serverAddress property.
    QCOMPARE(body.value("Address").toString(), QStringLiteral("127.0.0.1"));
    agent->setAdvertiseAddress(QStringLiteral("192.0.2.7")); // a set address wins
    QVERIFY(registered.wait(5000));
    body = json(consul.requests().last());
    QCOMPARE(body.value("Address").toString(), QStringLiteral("192.0.2.7"));
    QVERIFY(scrapes(server.serverPort()));

    server.stop();
    QVERIFY(deregistered.wait(5000));
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QVERIFY(registered.wait(5000));
    QCOMPARE(json(consul.requests().last()).value("Port").toInt(), int(server.serverPort()));
    const int before = consul.requests().size();
    agent.reset(); // synchronous deregistration
    QCOMPARE(consul.requests().size(), before + 1);
    QVERIFY(consul.requests().last().path().startsWith("/v1/agent/service/deregister/threaded"));
}

QTEST_GUILESS_MAIN(tst_ConsulAgent)
#include "tst_consulagent.moc"
