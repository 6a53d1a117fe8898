// SPDX-License-Identifier: MIT
// External validators: `promtool check metrics` (Prometheus 2.42; text format only — it
// rejects OpenMetrics input outright) for the text writer, and the Python client's strict
// OpenMetrics parser for the OpenMetrics writer.
#include <promqt/exposition.h>

#include "expositionparser.h"
#include "testregistry.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace promqt;

namespace {

struct RunResult {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

RunResult run(const QString& program, const QStringList& arguments, const QByteArray& input) {
    QProcess process;
    process.start(program, arguments);
    RunResult result;
    if (!process.waitForStarted(10000))
        return result;
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(20000)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

// A registry that satisfies promtool's linter (counters end in _total, every family has HELP,
// units as suffixes) while keeping the awkward label values and numbers.
std::vector<prometheus::MetricFamily> lintCleanFamilies() {
    auto families = test::makeAwkwardRegistry(true)->Collect();
    prometheus::MetricFamily untyped;
    untyped.name = "test_untyped_ratio";
    untyped.help = "Hand-made \"untyped\" family\nwith a timestamp.";
    untyped.type = prometheus::MetricType::Untyped;
    untyped.metric.resize(2);
    untyped.metric[0].untyped.value = 0.25;
    untyped.metric[0].timestamp_ms = 1712345678901;
    untyped.metric[0].label = {{"x", "1"}};
    untyped.metric[1].untyped.value = -0.0;
    untyped.metric[1].label = {{"x", "\xE2\x82\xAC"}};
    families.push_back(untyped);
    return families;
}

} // namespace

class TestExpositionLint : public QObject {
    Q_OBJECT

private slots:
    void promtoolAcceptsText() {
        const QString promtool = QStringLiteral("/usr/bin/promtool");
        if (!QFileInfo::exists(promtool))
            QSKIP("promtool not installed (Debian package prometheus)");
        std::string text;
        writeText(lintCleanFamilies(), text);
        const RunResult result = run(promtool, {"check", "metrics"}, QByteArray::fromStdString(text));
        QVERIFY2(result.exitCode == 0, (result.out + result.err + "\n--- input ---\n" +
                                        QByteArray::fromStdString(text)).constData());
        QVERIFY(result.out.trimmed().isEmpty()); // no lint findings at all
    }

    void promtoolFlagsBrokenInput() {
        // The check can fail: an unescaped newline in a label value is rejected.
        const QString promtool = QStringLiteral("/usr/bin/promtool");
        if (!QFileInfo::exists(promtool))
            QSKIP("promtool not installed (Debian package prometheus)");
        const RunResult result = run(promtool, {"check", "metrics"},
                                     "# HELP x_total x\n# TYPE x_total counter\nx_total{a=\"b\nc\"} 1\n");
        QVERIFY(result.exitCode != 0);
    }

    void pythonOpenMetricsParserAccepts() {
        const QString python = QStringLiteral("/usr/bin/python3");
        const QString script = qEnvironmentVariable("PROMQT_SOURCE_DIR") + "/tests/exposition/check_openmetrics.py";
        if (!QFileInfo::exists(python))
            QSKIP("python3 not installed");
        QVERIFY2(QFileInfo::exists(script), qPrintable(script));
        std::string om;
        writeOpenMetrics(lintCleanFamilies(), om);
        const RunResult result = run(python, {script}, QByteArray::fromStdString(om));
        if (result.exitCode == 77)
            QSKIP("python3-prometheus-client not installed");
        QVERIFY2(result.exitCode == 0, (result.err + "\n--- input ---\n" + QByteArray::fromStdString(om)).constData());

        // The Python parser's samples equal ours, value for value.
        const auto ours = test::parseExposition(om, test::Dialect::OpenMetrics);
        QVERIFY2(ours.ok(), ours.error.c_str());
        std::vector<test::ParsedSample> theirs;
        for (const QByteArray& line : result.out.split('\n')) {
            if (line.isEmpty())
                continue;
            const QList<QByteArray> fields = line.split('\t');
            QCOMPARE(fields.size(), 3);
            test::ParsedSample sample;
            sample.name = fields[0].toStdString();
            const QJsonObject labels = QJsonDocument::fromJson(fields[1]).object();
            for (auto it = labels.begin(); it != labels.end(); ++it)
                sample.labels[it.key().toStdString()] = it.value().toString().toStdString();
            const auto value = test::parser_detail::parseNumber(fields[2].toStdString());
            QVERIFY2(value.has_value(), fields[2].constData());
            sample.value = *value;
            theirs.push_back(sample);
        }
        QCOMPARE(theirs.size(), ours.samples.size());
        const auto a = test::canonicalSamples(ours.samples);
        const auto b = test::canonicalSamples(theirs);
        QCOMPARE(a.size(), b.size());
        for (const auto& [key, value] : a) {
            QVERIFY2(b.count(key), key.name.c_str());
            QVERIFY2(test::sameValue(value, b.at(key)), key.name.c_str());
        }
    }

    void pythonParserRejectsBrokenInput() {
        const QString python = QStringLiteral("/usr/bin/python3");
        const QString script = qEnvironmentVariable("PROMQT_SOURCE_DIR") + "/tests/exposition/check_openmetrics.py";
        if (!QFileInfo::exists(python))
            QSKIP("python3 not installed");
        const RunResult result = run(python, {script}, "# TYPE x counter\nx_total 1\n"); // no # EOF
        if (result.exitCode == 77)
            QSKIP("python3-prometheus-client not installed");
        QCOMPARE(result.exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestExpositionLint)
#include "tst_expositionlint.moc"
