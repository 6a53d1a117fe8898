// SPDX-License-Identifier: MIT
#include "quicktesthelper.h"

#include <promqt/qml.h>

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <QFile>
#include <QRegularExpression>
#include <QThread>

namespace {

std::shared_ptr<prometheus::Registry> resolve(promqt::QmlRegistry* registry)
{
    return registry ? registry->registry() : promqt::Qml::defaultRegistry();
}

struct Sample {
    QString name;
    QVariantMap labels;
    double value = 0;
};

// Enough of a text-format parser for the simple label values the suites use.
QList<Sample> parse(const QString& text)
{
    static const QRegularExpression line(QStringLiteral(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)"));
    static const QRegularExpression label(QStringLiteral(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re"));
    QList<Sample> samples;
    for (const QString& l : text.split(QLatin1Char('\n'))) {
        const auto m = line.match(l);
        if (!m.hasMatch())
            continue;
        Sample s;
        s.name = m.captured(1);
        auto it = label.globalMatch(m.captured(3));
        while (it.hasNext()) {
            const auto lm = it.next();
            s.labels.insert(lm.captured(1), lm.captured(2));
        }
        const QString v = m.captured(4);
        s.value = v == QLatin1String("+Inf") ? qInf() : v.toDouble();
        samples << s;
    }
    return samples;
}

} // namespace

QuickTestHelper::QuickTestHelper(QObject* parent) : QObject(parent) {}

QuickTestHelper::~QuickTestHelper() = default;

QString QuickTestHelper::text(promqt::QmlRegistry* registry) const
{
    return QString::fromStdString(prometheus::TextSerializer().Serialize(resolve(registry)->Collect()));
}

QVariant QuickTestHelper::sampleOf(const std::shared_ptr<prometheus::Registry>& registry,
                                   const QString& name, const QVariantMap& labels) const
{
    QVariantMap wanted;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it)
        wanted.insert(it.key(), it.value().toString());
    const auto text = QString::fromStdString(prometheus::TextSerializer().Serialize(registry->Collect()));
    for (const Sample& s : parse(text)) {
        if (s.name == name && s.labels == wanted)
            return s.value;
    }
    return {};
}

QVariant QuickTestHelper::sample(promqt::QmlRegistry* registry, const QString& name,
                                 const QVariantMap& labels) const
{
    return sampleOf(resolve(registry), name, labels);
}

void QuickTestHelper::retain(promqt::QmlRegistry* registry)
{
    m_retained = resolve(registry);
}

QVariant QuickTestHelper::retainedSample(const QString& name, const QVariantMap& labels) const
{
    return m_retained ? sampleOf(m_retained, name, labels) : QVariant();
}

int QuickTestHelper::familyCount(promqt::QmlRegistry* registry, const QString& name) const
{
    return int(text(registry).count(QStringLiteral("# TYPE %1 ").arg(name)));
}

int QuickTestHelper::sampleCount(promqt::QmlRegistry* registry, const QString& sampleName) const
{
    const QList<Sample> samples = parse(text(registry));
    return int(std::count_if(samples.cbegin(), samples.cend(),
                             [&](const Sample& s) { return s.name == sampleName; }));
}

promqt::QmlRegistry* QuickTestHelper::cppRegistry()
{
    if (!m_cppRegistryObject) {
        m_cppRegistry = std::make_shared<prometheus::Registry>();
        m_cppRegistryObject = new promqt::QmlRegistry(m_cppRegistry, this);
    }
    return m_cppRegistryObject;
}

double QuickTestHelper::cppCounterValue(const QString& name) const
{
    if (!m_cppRegistry)
        return -1;
    for (const auto& family : m_cppRegistry->Collect()) {
        if (family.name == name.toStdString() && !family.metric.empty())
            return family.metric.front().counter.value;
    }
    return -1;
}

QString QuickTestHelper::docExample(const QString& file, const QString& name) const
{
    QFile f(qEnvironmentVariable("PROMQT_SOURCE_DIR") + QStringLiteral("/docs/") + file);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QString text = QString::fromUtf8(f.readAll());
    const qsizetype marker = text.indexOf(QStringLiteral("<!-- test: %1 -->").arg(name));
    if (marker < 0)
        return {};
    const qsizetype open = text.indexOf(QStringLiteral("```"), marker);
    const qsizetype start = text.indexOf(QLatin1Char('\n'), open) + 1;
    const qsizetype end = text.indexOf(QStringLiteral("\n```"), start);
    if (open < 0 || start <= 0 || end < 0)
        return {};
    return text.mid(start, end - start + 1);
}

void QuickTestHelper::block(int milliseconds) const
{
    QThread::msleep(static_cast<unsigned long>(milliseconds));
}

int QuickTestHelper::occupyPort()
{
    if (!m_busy.isListening())
        m_busy.listen(QHostAddress::LocalHost, 0);
    return m_busy.serverPort();
}
