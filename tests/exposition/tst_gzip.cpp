// SPDX-License-Identifier: MIT
// gzipCompress: RFC 1952 framing, round trips, levels.
#include <promqt/exposition.h>

#include "httpclient.h" // promqt::test::gunzip
#include "testregistry.h"

#include <QRandomGenerator>
#include <QTest>

using namespace promqt;

class TestGzip : public QObject {
    Q_OBJECT

private slots:
    void roundTrip_data() {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<int>("level");
        std::string exposition;
        writeText(test::makeAwkwardRegistry()->Collect(), exposition);
        const QByteArray text = QByteArray::fromStdString(exposition);
        QByteArray random(100000, Qt::Uninitialized);
        QRandomGenerator generator(42);
        for (auto& c : random)
            c = static_cast<char>(generator.generate());
        for (const int level : {0, 1, 6, 9}) {
            QTest::addRow("empty, level %d", level) << QByteArray() << level;
            QTest::addRow("one byte, level %d", level) << QByteArray("x") << level;
            QTest::addRow("exposition, level %d", level) << text << level;
            QTest::addRow("random, level %d", level) << random << level;
            QTest::addRow("large repetitive, level %d", level) << text.repeated(200) << level;
        }
    }
    void roundTrip() {
        QFETCH(QByteArray, data);
        QFETCH(int, level);
        const QByteArray compressed = gzipCompress(data, level);
        QVERIFY(compressed.size() >= 18); // 10-byte header + 8-byte trailer at least
        // RFC 1952: magic, CM = deflate.
        QCOMPARE(static_cast<unsigned char>(compressed[0]), 0x1f);
        QCOMPARE(static_cast<unsigned char>(compressed[1]), 0x8b);
        QCOMPARE(static_cast<unsigned char>(compressed[2]), 8);
        // Trailer: ISIZE = input length mod 2^32, little-endian.
        const auto* tail = reinterpret_cast<const unsigned char*>(compressed.constData() + compressed.size() - 4);
        const quint32 isize = tail[0] | (tail[1] << 8) | (tail[2] << 16) | (quint32(tail[3]) << 24);
        QCOMPARE(isize, quint32(data.size()));
        const QByteArray restored = test::gunzip(compressed);
        QCOMPARE(restored.size(), data.size());
        QVERIFY(restored == data);
    }

    void levelsTradeSizeForSpeed() {
        std::string exposition;
        writeText(test::makeAwkwardRegistry()->Collect(), exposition);
        const QByteArray data = QByteArray::fromStdString(exposition).repeated(50);
        const auto stored = gzipCompress(data, 0).size();
        const auto fast = gzipCompress(data, 1).size();
        const auto small = gzipCompress(data, 9).size();
        QVERIFY(stored > data.size()); // level 0 only frames the bytes
        QVERIFY(fast < data.size() / 4);
        QVERIFY(small <= fast);
        QCOMPARE(gzipCompress(data).size(), fast); // the default is level 1
    }

    void outOfRangeLevelsAreClamped() {
        const QByteArray data = QByteArray("metric 1\n").repeated(1000);
        QCOMPARE(gzipCompress(data, -1), gzipCompress(data, 0));
        QCOMPARE(gzipCompress(data, 42), gzipCompress(data, 9));
        QCOMPARE(test::gunzip(gzipCompress(data, -5)), data);
    }
};

QTEST_GUILESS_MAIN(TestGzip)
#include "tst_gzip.moc"
