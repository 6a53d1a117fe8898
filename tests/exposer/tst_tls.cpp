// SPDX-License-Identifier: MIT
// HTTPS and mutual TLS with certificates generated for this run by the openssl CLI (nothing
// committed, nothing that can expire in the repository).
#include <promqt/metricsserver.h>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

namespace {

bool openssl(const QString& dir, const QStringList& args, QByteArray* out = nullptr) {
    QProcess p;
    p.setWorkingDirectory(dir);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("openssl"), args);
    if (!p.waitForFinished(30000))
        return false;
    const QByteArray output = p.readAll();
    if (out)
        *out = output;
    if (p.exitCode() != 0)
        qWarning("openssl %s: %s", qPrintable(args.join(' ')), output.constData());
    return p.exitCode() == 0;
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

struct Fetch {
    bool encrypted = false;
    QByteArray response;
    QList<QSslError> errors;
    QString socketError;
};

// One HTTPS GET; the event loop keeps running so the server in this thread can answer.
Fetch httpsGet(quint16 port, const QSslCertificate& ca, const QSslCertificate& clientCert = QSslCertificate(),
               const QSslKey& clientKey = QSslKey()) {
    Fetch result;
    QSslSocket socket;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setCaCertificates({ca});
    if (!clientCert.isNull()) {
        config.setLocalCertificate(clientCert);
        config.setPrivateKey(clientKey);
    }
    socket.setSslConfiguration(config);
    bool done = false;
    QObject::connect(&socket, &QSslSocket::encrypted, [&] {
        result.encrypted = true;
        socket.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    });
    QObject::connect(&socket, &QSslSocket::readyRead, [&] { result.response += socket.readAll(); });
    QObject::connect(&socket, &QSslSocket::sslErrors, [&](const QList<QSslError>& e) { result.errors = e; });
    QObject::connect(&socket, &QSslSocket::disconnected, [&] { done = true; });
    QObject::connect(&socket, &QSslSocket::errorOccurred, [&](QAbstractSocket::SocketError) {
        result.socketError = socket.errorString();
        if (socket.error() != QAbstractSocket::RemoteHostClosedError)
            done = true;
    });
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    (void)QTest::qWaitFor([&] { return done; }, 10000);
    return result;
}

} // namespace

class TestTls : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    QSslCertificate ca, serverCert, clientCert;
    QSslKey serverKey, clientKey;
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

private slots:
    void initTestCase() {
        if (!QSslSocket::supportsSsl())
            QFAIL("Qt has no TLS backend");
        const QString d = dir.path();
        // A CA, and a server and a client certificate it signs; valid for one day.
        QVERIFY(openssl(d, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                            "-days", "1", "-subj", "/CN=promqt test CA"}));
        QFile ext(dir.filePath(QStringLiteral("server.ext")));
        QVERIFY(ext.open(QIODevice::WriteOnly));
        ext.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        ext.close();
        QFile cext(dir.filePath(QStringLiteral("client.ext")));
        QVERIFY(cext.open(QIODevice::WriteOnly));
        cext.write("extendedKeyUsage=clientAuth\n");
        cext.close();
        for (const char* who : {"server", "client"}) {
            const QString name = QString::fromLatin1(who);
            QVERIFY(openssl(d, {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                                "-subj", "/CN=promqt test " + name}));
            QVERIFY(openssl(d, {"x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                                "-CAcreateserial", "-out", name + ".pem", "-days", "1", "-extfile", name + ".ext"}));
        }
        ca = QSslCertificate(readFile(dir.filePath(QStringLiteral("ca.pem"))));
        serverCert = QSslCertificate(readFile(dir.filePath(QStringLiteral("server.pem"))));
        clientCert = QSslCertificate(readFile(dir.filePath(QStringLiteral("client.pem"))));
        serverKey = QSslKey(readFile(dir.filePath(QStringLiteral("server.key"))), QSsl::Rsa);
        clientKey = QSslKey(readFile(dir.filePath(QStringLiteral("client.key"))), QSsl::Rsa);
        QVERIFY(!ca.isNull() && !serverCert.isNull() && !clientCert.isNull());
        QVERIFY(!serverKey.isNull() && !clientKey.isNull());
        prometheus::BuildGauge().Name("tls_value").Register(*registry).Add({}).Set(9);
    }

    QSslConfiguration serverConfig() {
        QSslConfiguration c = QSslConfiguration::defaultConfiguration();
        c.setLocalCertificate(serverCert);
        c.setPrivateKey(serverKey);
        return c;
    }

    void https() {
        promqt::MetricsServer server;
        server.registerCollectable(registry);
        server.setSslConfiguration(serverConfig());
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QCOMPARE(server.url().scheme(), QStringLiteral("https"));
        const Fetch f = httpsGet(server.serverPort(), ca);
        QVERIFY2(f.encrypted, qPrintable(f.socketError));
        QVERIFY(f.response.startsWith("HTTP/1.1 200 OK\r\n"));
        QVERIFY(f.response.contains("tls_value 9\n"));
    }

    void plainHttpToTlsPortIsRefused() {
        promqt::MetricsServer server;
        server.registerCollectable(registry);
        server.setSslConfiguration(serverConfig());
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket plain;
        plain.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(plain.waitForConnected(5000));
        plain.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        QByteArray got;
        QObject::connect(&plain, &QTcpSocket::readyRead, [&] { got += plain.readAll(); });
        QVERIFY(QTest::qWaitFor([&] { return plain.state() == QAbstractSocket::UnconnectedState; }, 10000));
        QVERIFY(!got.contains("tls_value"));
        // ...and the server keeps serving TLS clients.
        QVERIFY(httpsGet(server.serverPort(), ca).response.contains("tls_value 9\n"));
    }

    void mutualTls() {
        promqt::MetricsServer server;
        server.registerCollectable(registry);
        QSslConfiguration c = serverConfig();
        c.setPeerVerifyMode(QSslSocket::VerifyPeer);
        c.setCaCertificates({ca});
        server.setSslConfiguration(c);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));

        const Fetch withCert = httpsGet(server.serverPort(), ca, clientCert, clientKey);
        QVERIFY2(withCert.response.contains("tls_value 9\n"), qPrintable(withCert.socketError));

        QSignalSpy errors(&server, &promqt::MetricsServer::errorOccurred);
        const Fetch without = httpsGet(server.serverPort(), ca);
        QVERIFY(!without.response.contains("tls_value"));

        // A client certificate from another CA is refused too.
        QVERIFY(openssl(dir.path(), {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key",
                                     "-out", "rogue.pem", "-days", "1", "-subj", "/CN=rogue"}));
        const QSslCertificate rogue(readFile(dir.filePath(QStringLiteral("rogue.pem"))));
        const QSslKey rogueKey(readFile(dir.filePath(QStringLiteral("rogue.key"))), QSsl::Rsa);
        const Fetch wrong = httpsGet(server.serverPort(), ca, rogue, rogueKey);
        QVERIFY(!wrong.response.contains("tls_value"));
        QVERIFY(errors.count() >= 1); // reported, not silent

        const Fetch again = httpsGet(server.serverPort(), ca, clientCert, clientKey);
        QVERIFY(again.response.contains("tls_value 9\n"));
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
