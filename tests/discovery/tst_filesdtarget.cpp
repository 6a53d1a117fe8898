// SPDX-License-Identifier: MIT
// FileSdTarget: the file_sd JSON it writes, when it writes and deletes it, and how it fails.
#include "fakehttp.h"

#include <promqt/discovery.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <memory>

using promqt::FileSdTarget;
using promqt::test::FakeMetricsServer;

namespace {

QJsonArray readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).array();
}

ino_t inode(const QString& path) {
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_ino : 0;
}

} // namespace

class tst_FileSdTarget : public QObject {
    Q_OBJECT

private slots:
    void writesWhileServerListens();
    void defaultFileName();
    void rewritesAtomicallyOnChange();
    void removedOnStopAndWrittenAgain();
    void removedWhenServerDestroyed();
    void removedOnDestruction();
    void removeOnStopOff();
    void sharedDirectory();
    void fixedServiceWithPathAndScheme();
    void anyAddressAndIpv6();
    void fileNameChangeMovesTheFile();
    void invalidLabelName();
    void unwritableDirectory();
    void createsDirectory();
};

void tst_FileSdTarget::writesWhileServerListens() {
    QTemporaryDir dir;
    FakeMetricsServer server;
    FileSdTarget target(dir.path());
    target.setFileName(QStringLiteral("app.json"));
    target.setLabels({{QStringLiteral("app"), QStringLiteral("demo")}, {QStringLiteral("env"), QStringLiteral("test ü")}});
    QSignalSpy written(&target, &FileSdTarget::written);
    target.setServer(&server);
    QVERIFY(!written.wait(200)); // not listening: no file
    QVERIFY(!QFile::exists(target.filePath()));

    QVERIFY(server.listen());
    QVERIFY(written.wait(5000));
    QCOMPARE(written.first().first().toString(), dir.filePath(QStringLiteral("app.json")));
    QVERIFY(target.isWritten());
    const QJsonArray groups = readJson(target.filePath());
    QCOMPARE(groups.size(), 1);
    const QJsonObject g = groups.first().toObject();
    QCOMPARE(g.value("targets").toArray(), QJsonArray{QStringLiteral("127.0.0.1:%1").arg(server.serverPort())});
    const QJsonObject labels = g.value("labels").toObject();
    QCOMPARE(labels.size(), 2);
    QCOMPARE(labels.value("app").toString(), QStringLiteral("demo"));
    QCOMPARE(labels.value("env").toString(), QStringLiteral("test ü"));
    QCOMPARE(target.contents(), [&] {
        QFile f(target.filePath());
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }());
    // Only the target file: no temporary file left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("app.json")});
}

void tst_FileSdTarget::defaultFileName() {
    FileSdTarget target(QStringLiteral("/tmp/sd"));
    const QString expected =
        QStringLiteral("%1-%2.json").arg(QCoreApplication::applicationName()).arg(QCoreApplication::applicationPid());
    QCOMPARE(target.fileName(), expected);
    QCOMPARE(target.filePath(), QStringLiteral("/tmp/sd/") + expected);
}

void tst_FileSdTarget::rewritesAtomicallyOnChange() {
    QTemporaryDir dir;
    FakeMetricsServer server;
    QVERIFY(server.listen());
    FileSdTarget target(dir.path());
    QSignalSpy written(&target, &FileSdTarget::written);
    target.setServer(&server);
    QVERIFY(written.wait(5000));
    const ino_t before = inode(target.filePath());
    QVERIFY(before != 0);

    target.setLabels({{QStringLiteral("zone"), QStringLiteral("b")}});
    QVERIFY(written.wait(5000));
    QCOMPARE(readJson(target.filePath()).first().toObject().value("labels").toObject().value("zone").toString(),
             QStringLiteral("b"));
    // A new inode: the new contents were renamed over the old file, not written into it, so a
    // reader never sees a half-written file.
    QVERIFY(inode(target.filePath()) != before);

    // Nothing changed: nothing written.
    QVERIFY(target.sync());
    QCOMPARE(written.size(), 2);
}

void tst_FileSdTarget::removedOnStopAndWrittenAgain() {
    QTemporaryDir dir;
    FakeMetricsServer server;
    QVERIFY(server.listen());
    FileSdTarget target(dir.path());
    QSignalSpy written(&target, &FileSdTarget::written);
    QSignalSpy removed(&target, &FileSdTarget::removed);
    QSignalSpy writtenChanged(&target, &FileSdTarget::writtenChanged);
    target.setServer(&server);
    QVERIFY(written.wait(5000));
    const QString path = target.filePath();

    server.close();
    QVERIFY(removed.wait(5000));
    QCOMPARE(removed.first().first().toString(), path);
    QVERIFY(!QFile::exists(path));
    QVERIFY(!target.isWritten());
    QCOMPARE(writtenChanged.size(), 2);

    QVERIFY(server.listen());
    QVERIFY(written.wait(5000));
    QCOMPARE(readJson(path).first().toObject().value("targets").toArray().first().toString(),
             QStringLiteral("127.0.0.1:%1").arg(server.serverPort()));
}

void tst_FileSdTarget::removedWhenServerDestroyed() {
    QTemporaryDir dir;
    auto server = std::make_unique<FakeMetricsServer>();
    QVERIFY(server->listen());
    FileSdTarget target(dir.path());
    QSignalSpy written(&target, &FileSdTarget::written);
    QSignalSpy removed(&target, &FileSdTarget::removed);
    target.setServer(server.get());
    QVERIFY(written.wait(5000));
    server.reset();
    QVERIFY(removed.wait(5000));
    QVERIFY(!QFile::exists(target.filePath()));
}

void tst_FileSdTarget::removedOnDestruction() {
    QTemporaryDir dir;
    FakeMetricsServer server;
    QVERIFY(server.listen());
    auto target = std::make_unique<FileSdTarget>(dir.path());
    QSignalSpy written(target.get(), &FileSdTarget::written);
    target->setServer(&server);
    QVERIFY(written.wait(5000));
    const QString path = target->filePath();
    QVERIFY(QFile::exists(path));
    target.reset();
    QVERIFY(!QFile::exists(path));
}

void tst_FileSdTarget::removeOnStopOff() {
    QTemporaryDir dir;
    FakeMetricsServer server;
    QVERIFY(server.listen());
    auto target = std::make_unique<FileSdTarget>(dir.path());
    target->setRemoveOnStop(false);
    QSignalSpy written(target.get(), &FileSdTarget::written);
    target->setServer(&server);
    QVERIFY(written.wait(5000));
    const QString path = target->filePath();
    server.close();
    QVERIFY(target->sync()); // what the queued reaction to the stop does, done now
    QVERIFY(QFile::exists(path));
    target.reset();
    QVERIFY(QFile::exists(path));
    // An explicit remove() still works.
    FileSdTarget other(dir.path());
    other.setRemoveOnStop(false);
    other.setService(QStringLiteral("127.0.0.1"), 1234);
    QVERIFY(other.sync());
    QVERIFY(QFile::exists(other.filePath()));
    other.remove();
    QVERIFY(!QFile::exists(other.filePath()));
}

void tst_FileSdTarget::sharedDirectory() {
    QTemporaryDir dir;
    FakeMetricsServer a, b;
    QVERIFY(a.listen());
    QVERIFY(b.listen());
    FileSdTarget ta(dir.path()), tb(dir.path());
    ta.setFileName(QStringLiteral("a.json"));
    tb.setFileName(QStringLiteral("b.json"));
    ta.setServer(&a);
    tb.setServer(&b);
    QVERIFY(ta.sync());
    QVERIFY(tb.sync());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), (QStringList{"a.json", "b.json"}));
    QCOMPARE(readJson(ta.filePath()).first().toObject().value("targets").toArray().first().toString(),
             QStringLiteral("127.0.0.1:%1").arg(a.serverPort()));
    QCOMPARE(readJson(tb.filePath()).first().toObject().value("targets").toArray().first().toString(),
             QStringLiteral("127.0.0.1:%1").arg(b.serverPort()));
    a.close();
    QVERIFY(ta.sync());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"b.json"});
}

void tst_FileSdTarget::fixedServiceWithPathAndScheme() {
    QTemporaryDir dir;
    FileSdTarget target(dir.path());
    target.setService(QStringLiteral("host.example"), 8443, QStringLiteral("https"), QStringLiteral("/custom"));
    target.setLabels({{QStringLiteral("job"), QStringLiteral("override")}});
    QVERIFY(target.sync());
    const QJsonObject g = readJson(target.filePath()).first().toObject();
    QCOMPARE(g.value("targets").toArray().first().toString(), QStringLiteral("host.example:8443"));
    const QJsonObject labels = g.value("labels").toObject();
    QCOMPARE(labels.value("__metrics_path__").toString(), QStringLiteral("/custom"));
    QCOMPARE(labels.value("__scheme__").toString(), QStringLiteral("https"));
    QCOMPARE(labels.value("job").toString(), QStringLiteral("override"));
}

void tst_FileSdTarget::anyAddressAndIpv6() {
    FakeMetricsServer server;
    server.setReportedAddress(QHostAddress(QHostAddress::Any));
    QVERIFY(server.listen());
    FileSdTarget target(QStringLiteral("/unused"));
    target.setServer(&server);
    auto targetOf = [&] {
        return QJsonDocument::fromJson(target.contents()).array().first().toObject().value("targets").toArray().first().toString();
    };
    QCOMPARE(targetOf(), QStringLiteral("%1:%2").arg(promqt::defaultAdvertiseAddress().toString()).arg(server.serverPort()));
    target.setAdvertiseAddress(QStringLiteral("::1"));
    QCOMPARE(targetOf(), QStringLiteral("[::1]:%1").arg(server.serverPort()));
    server.close();
    QVERIFY(target.contents().isEmpty());
}

void tst_FileSdTarget::fileNameChangeMovesTheFile() {
    QTemporaryDir dir;
    FileSdTarget target(dir.path());
    target.setFileName(QStringLiteral("one.json"));
    target.setService(QStringLiteral("127.0.0.1"), 9000);
    QVERIFY(target.sync());
    target.setFileName(QStringLiteral("two.json"));
    QVERIFY(target.sync());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"two.json"});
}

void tst_FileSdTarget::invalidLabelName() {
    QTemporaryDir dir;
    FileSdTarget target(dir.path());
    target.setService(QStringLiteral("127.0.0.1"), 9000);
    target.setLabels({{QStringLiteral("bad-name"), QStringLiteral("x")}});
    QSignalSpy error(&target, &FileSdTarget::errorOccurred);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("invalid label name"));
    QVERIFY(!target.sync());
    QCOMPARE(error.size(), 1);
    QVERIFY(error.first().first().toString().contains(QLatin1String("bad-name")));
    QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty());
}

void tst_FileSdTarget::unwritableDirectory() {
    QTemporaryDir dir;
    QFile blocker(dir.filePath(QStringLiteral("file")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    // A directory below a regular file cannot exist (fails even for root).
    FileSdTarget target(dir.filePath(QStringLiteral("file/sub")));
    target.setService(QStringLiteral("127.0.0.1"), 9000);
    QSignalSpy error(&target, &FileSdTarget::errorOccurred);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("cannot create directory"));
    QVERIFY(!target.sync());
    QCOMPARE(error.size(), 1);
    QVERIFY(!target.isWritten());
}

void tst_FileSdTarget::createsDirectory() {
    QTemporaryDir dir;
    FileSdTarget target(dir.filePath(QStringLiteral("a/b")));
    target.setService(QStringLiteral("127.0.0.1"), 9000);
    QVERIFY(target.sync());
    QVERIFY(QFile::exists(target.filePath()));
}

QTEST_GUILESS_MAIN(tst_FileSdTarget)
#include "tst_filesdtarget.moc"
