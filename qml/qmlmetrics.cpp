// SPDX-License-Identifier: MIT
#include "qmlmetrics.h"

#include "promisewatcher.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <QQmlEngine>
#include <QQmlInfo>

#include <cmath>
#include <stdexcept>

namespace promqt {

namespace {

QString typeName(prometheus::MetricType type)
{
    switch (type) {
    case prometheus::MetricType::Counter: return QStringLiteral("counter");
    case prometheus::MetricType::Gauge: return QStringLiteral("gauge");
    case prometheus::MetricType::Histogram: return QStringLiteral("histogram");
    case prometheus::MetricType::Summary: return QStringLiteral("summary");
    default: return QStringLiteral("untyped");
    }
}

bool isNumeric(const QVariant& v)
{
    switch (v.typeId()) {
    case QMetaType::Double:
    case QMetaType::Float:
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
        return true;
    default:
        return false;
    }
}

QString formatList(const std::vector<double>& values)
{
    QStringList parts;
    for (double v : values)
        parts << QString::number(v);
    return QLatin1Char('[') + parts.join(QLatin1String(", ")) + QLatin1Char(']');
}

// Registers (or finds) the family; a clash with another type becomes a warning on `name`.
template <typename Builder>
auto& registerFamily(Builder builder, const std::string& name, const std::string& help,
                     prometheus::Registry& registry, prometheus::MetricType type)
{
    try {
        return builder.Name(name).Help(help).Register(registry);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(
                QStringLiteral("\"%1\" cannot be registered as a %2: %3 (another metric type "
                               "already uses this name in the registry?)")
                        .arg(QString::fromStdString(name), typeName(type),
                             QString::fromUtf8(e.what()))
                        .toStdString());
    }
}

// prometheus-cpp keeps the help of whoever registered the family first; QML completes objects
// in an order users do not control, so say so when a help text is lost.
QString helpMismatch(const std::string& wanted, const detail::FamilyShape& recorded,
                     const std::string& name)
{
    if (wanted.empty() || wanted == recorded.help)
        return {};
    return QStringLiteral("\"%1\" is not used: family \"%2\" already exists with help \"%3\" "
                          "(give every object of a family the same help)")
            .arg(QString::fromStdString(wanted), QString::fromStdString(name),
                 QString::fromStdString(recorded.help));
}

} // namespace

// ---- QmlMetricBase ------------------------------------------------------------------------

QmlMetricBase::QmlMetricBase(prometheus::MetricType type, QObject* parent)
    : QObject(parent), m_type(type), m_registry(Qml::defaultRegistry())
{
}

QmlMetricBase::~QmlMetricBase()
{
    // Not detach(): the subclass (and its unbindSeries()) is already gone.
    if (m_metric)
        detail::SeriesObservers::remove(m_metric, this);
}

void QmlMetricBase::setName(const QString& name)
{
    if (name == m_name)
        return;
    m_name = name;
    emit nameChanged();
    rebind();
}

void QmlMetricBase::setHelp(const QString& help)
{
    if (help == m_help)
        return;
    m_help = help;
    emit helpChanged();
    rebind();
}

void QmlMetricBase::setLabels(const QVariantMap& labels)
{
    if (labels == m_labels)
        return;
    m_labels = labels;
    emit labelsChanged();
    rebind();
}

void QmlMetricBase::setRegistry(QmlRegistry* registry)
{
    // The prometheus registry is resolved now and kept, so the object keeps recording where it
    // was told to even if the Registry QObject is destroyed before it.
    auto resolved = registry ? registry->registry() : Qml::defaultRegistry();
    if (registry == m_registryObject && resolved == m_registry)
        return;
    if (m_registryObject)
        disconnect(m_registryObject, &QObject::destroyed, this, &QmlMetricBase::registryChanged);
    m_registryObject = registry;
    m_registry = std::move(resolved);
    if (registry) // `registry` reads null from then on; bindings on it should know
        connect(registry, &QObject::destroyed, this, &QmlMetricBase::registryChanged);
    emit registryChanged();
    rebind();
}

void QmlMetricBase::classBegin()
{
    m_deferBinding = true;
}

void QmlMetricBase::componentComplete()
{
    m_deferBinding = false;
    rebind();
}

void QmlMetricBase::warn(const QString& property, const QString& message) const
{
    // qmlWarning() already names the type and the declaration's file:line; the objectName
    // tells apart objects created from one declaration (delegates, Repeater).
    const QString who = objectName().isEmpty() ? QString()
                                               : QStringLiteral("(%1) ").arg(objectName());
    qmlWarning(this) << who + property + QLatin1String(": ") + message;
}

void QmlMetricBase::warnHelp(const BindRequest& request, const detail::FamilyShape& recorded) const
{
    if (const QString message = helpMismatch(request.help, recorded, request.name); !message.isEmpty())
        warn(QStringLiteral("help"), message);
}

void QmlMetricBase::notifyChanged() const
{
    if (m_metric)
        detail::SeriesObservers::notify(m_metric);
}

void QmlMetricBase::detach()
{
    if (!m_metric)
        return;
    detail::SeriesObservers::remove(m_metric, this);
    unbindSeries();
    m_metric = nullptr;
    m_boundRegistry.reset();
}

std::optional<prometheus::Labels> QmlMetricBase::convertLabels() const
{
    prometheus::Labels labels;
    for (auto it = m_labels.cbegin(); it != m_labels.cend(); ++it) {
        const QString error = detail::checkLabelName(it.key(), m_type);
        if (!error.isEmpty()) {
            warn(QStringLiteral("labels"), error);
            return std::nullopt;
        }
        const QVariant& value = it.value();
        const bool scalar = value.typeId() == QMetaType::QString
                || value.typeId() == QMetaType::Bool || isNumeric(value);
        if (!scalar) {
            warn(QStringLiteral("labels"),
                 QStringLiteral("the value of \"%1\" must be a string, number or boolean, not %2")
                         .arg(it.key(),
                              value.isValid() ? QString::fromLatin1(value.typeName())
                                              : QStringLiteral("undefined")));
            return std::nullopt;
        }
        labels.emplace(it.key().toStdString(), value.toString().toStdString());
    }
    return labels;
}

void QmlMetricBase::rebind()
{
    if (m_deferBinding)
        return;
    const bool wasValid = isValid();
    detach();

    const auto finish = [this, wasValid] {
        if (wasValid != isValid())
            emit validChanged();
        emitValueSignals();
    };

    if (m_name.isEmpty()) {
        warn(QStringLiteral("name"), QStringLiteral("is not set; the object records nothing"));
        return finish();
    }
    if (const QString error = detail::checkMetricName(m_name); !error.isEmpty()) {
        warn(QStringLiteral("name"), error + QStringLiteral("; the object records nothing"));
        return finish();
    }
    const std::optional<prometheus::Labels> labels = convertLabels();
    if (!labels)
        return finish();

    const BindRequest request{m_registry, m_name.toStdString(), m_help.toStdString(), *labels};
    try {
        m_metric = bindSeries(request);
    } catch (const BindError& e) {
        warn(e.property, e.message + QStringLiteral("; the object records nothing"));
    } catch (const std::exception& e) {
        // prometheus-cpp throws std::invalid_argument for what our checks did not foresee.
        warn(QStringLiteral("name"),
             QString::fromUtf8(e.what()) + QStringLiteral("; the object records nothing"));
    }
    if (m_metric) {
        m_boundRegistry = m_registry;
        detail::SeriesObservers::add(m_metric, this, this);
    } else {
        unbindSeries();
    }
    finish();
}

std::optional<double> QmlMetricBase::numberArgument(const QJSValue& value, const QString& method,
                                                    const QString& what, bool allowNegative,
                                                    bool allowNonFinite) const
{
    if (!value.isNumber()) {
        warn(method, QStringLiteral("%1 must be a number, not %2")
                             .arg(what, value.isUndefined() ? QStringLiteral("undefined")
                                                            : QStringLiteral("\"%1\"").arg(value.toString())));
        return std::nullopt;
    }
    const double v = value.toNumber();
    if (!allowNonFinite && !std::isfinite(v)) {
        warn(method, QStringLiteral("%1 must be a finite number, not %2").arg(what, value.toString()));
        return std::nullopt;
    }
    if (!allowNegative && v < 0) {
        warn(method, QStringLiteral("%1 must not be negative (%2)").arg(what, value.toString()));
        return std::nullopt;
    }
    return v;
}

QJSValue QmlMetricBase::watchPromise(const QJSValue& promise, const QString& method,
                                     std::function<void(bool)> onSettled) const
{
    const detail::WatchedThenable watched = detail::watchThenable(qjsEngine(this), promise, std::move(onSettled));
    if (!watched.error.isEmpty())
        warn(method, watched.error);
    return watched.value;
}

// ---- QmlTimedMetric -----------------------------------------------------------------------

int QmlTimedMetric::startTimer()
{
    // Tokens are never reused, so a stale token cannot stop somebody else's timer.
    const int token = ++m_lastToken;
    m_timers.emplace(token, Clock::now());
    return token;
}

QJSValue QmlTimedMetric::stopTimer(const QJSValue& token)
{
    const auto end = Clock::now();
    if (!token.isNumber() || token.toNumber() != std::floor(token.toNumber())) {
        warn(QStringLiteral("stopTimer"),
             QStringLiteral("token must be a number returned by startTimer(), not \"%1\"")
                     .arg(token.toString()));
        return {};
    }
    const auto it = m_timers.find(token.toInt());
    if (it == m_timers.end()) {
        warn(QStringLiteral("stopTimer"),
             QStringLiteral("unknown token %1 (never started, or already stopped)").arg(token.toString()));
        return {};
    }
    const double seconds = std::chrono::duration<double>(end - it->second).count();
    m_timers.erase(it);
    if (const auto sink = durationSink())
        sink(seconds);
    return QJSValue(seconds);
}

QJSValue QmlTimedMetric::time(const QJSValue& promise)
{
    auto sink = durationSink();
    if (!sink) // inert: the promise passes through untouched
        return promise;
    const auto start = Clock::now();
    return watchPromise(promise, QStringLiteral("time"), [sink = std::move(sink), start](bool) {
        sink(std::chrono::duration<double>(Clock::now() - start).count());
    });
}

// ---- Counter ------------------------------------------------------------------------------

QmlCounter::QmlCounter(QObject* parent) : QmlMetricBase(prometheus::MetricType::Counter, parent) {}

QmlCounter::~QmlCounter() = default;

double QmlCounter::value() const
{
    return m_counter ? m_counter->Value() : 0.0;
}

void QmlCounter::inc(const QJSValue& amount)
{
    double v = 1.0;
    if (!amount.isUndefined()) {
        const auto n = numberArgument(amount, QStringLiteral("inc"), QStringLiteral("amount"),
                                      /*allowNegative=*/false, /*allowNonFinite=*/false);
        if (!n)
            return;
        v = *n;
    }
    if (!m_counter)
        return;
    m_counter->Increment(v);
    notifyChanged();
}

QJSValue QmlCounter::countExceptions(const QJSValue& promise)
{
    if (!m_counter)
        return promise;
    return watchPromise(promise, QStringLiteral("countExceptions"),
                        [registry = boundRegistry(), counter = m_counter](bool fulfilled) {
                            if (fulfilled)
                                return;
                            counter->Increment();
                            detail::SeriesObservers::notify(counter);
                        });
}

const void* QmlCounter::bindSeries(const BindRequest& r)
{
    auto& family = registerFamily(prometheus::BuildCounter(), r.name, r.help, *r.registry,
                                  prometheus::MetricType::Counter);
    warnHelp(r, detail::familyShape(r.registry, prometheus::MetricType::Counter, r.name, {r.help, {}}));
    m_counter = &family.Add(r.labels);
    return m_counter;
}

// ---- Gauge --------------------------------------------------------------------------------

QmlGauge::QmlGauge(QObject* parent) : QmlTimedMetric(prometheus::MetricType::Gauge, parent) {}

QmlGauge::~QmlGauge() = default;

double QmlGauge::value() const
{
    return m_gauge ? m_gauge->Value() : 0.0;
}

void QmlGauge::inc(const QJSValue& amount)
{
    double v = 1.0;
    if (!amount.isUndefined()) {
        const auto n = numberArgument(amount, QStringLiteral("inc"), QStringLiteral("amount"),
                                      true, false);
        if (!n)
            return;
        v = *n;
    }
    if (!m_gauge)
        return;
    m_gauge->Increment(v);
    notifyChanged();
}

void QmlGauge::dec(const QJSValue& amount)
{
    double v = 1.0;
    if (!amount.isUndefined()) {
        const auto n = numberArgument(amount, QStringLiteral("dec"), QStringLiteral("amount"),
                                      true, false);
        if (!n)
            return;
        v = *n;
    }
    if (!m_gauge)
        return;
    m_gauge->Decrement(v);
    notifyChanged();
}

void QmlGauge::set(const QJSValue& value)
{
    const auto n = numberArgument(value, QStringLiteral("set"), QStringLiteral("value"), true, true);
    if (!n || !m_gauge)
        return;
    m_gauge->Set(*n);
    notifyChanged();
}

void QmlGauge::setToCurrentTime()
{
    if (!m_gauge)
        return;
    m_gauge->SetToCurrentTime();
    notifyChanged();
}

QJSValue QmlGauge::trackInProgress(const QJSValue& promise)
{
    if (!m_gauge)
        return promise;
    // Only increment once the promise is known to be watchable, so a bad argument cannot leave
    // the gauge up forever.
    if (!promise.isObject() || !promise.property(QStringLiteral("then")).isCallable())
        return watchPromise(promise, QStringLiteral("trackInProgress"), nullptr);
    m_gauge->Increment();
    notifyChanged();
    return watchPromise(promise, QStringLiteral("trackInProgress"),
                        [registry = boundRegistry(), gauge = m_gauge](bool) {
                            gauge->Decrement();
                            detail::SeriesObservers::notify(gauge);
                        });
}

std::function<void(double)> QmlGauge::durationSink() const
{
    if (!m_gauge)
        return {};
    return [registry = boundRegistry(), gauge = m_gauge](double seconds) {
        gauge->Set(seconds);
        detail::SeriesObservers::notify(gauge);
    };
}

const void* QmlGauge::bindSeries(const BindRequest& r)
{
    auto& family = registerFamily(prometheus::BuildGauge(), r.name, r.help, *r.registry,
                                  prometheus::MetricType::Gauge);
    warnHelp(r, detail::familyShape(r.registry, prometheus::MetricType::Gauge, r.name, {r.help, {}}));
    m_gauge = &family.Add(r.labels);
    return m_gauge;
}

// ---- Histogram ----------------------------------------------------------------------------

QVariantList QmlHistogram::defaultBuckets()
{
    return {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};
}

QmlHistogram::QmlHistogram(QObject* parent)
    : QmlTimedMetric(prometheus::MetricType::Histogram, parent), m_buckets(defaultBuckets())
{
}

QmlHistogram::~QmlHistogram() = default;

void QmlHistogram::setBuckets(const QVariantList& buckets)
{
    if (buckets == m_buckets)
        return;
    m_buckets = buckets;
    emit bucketsChanged();
    rebind();
}

double QmlHistogram::count() const
{
    return m_histogram ? static_cast<double>(m_histogram->Collect().histogram.sample_count) : 0.0;
}

double QmlHistogram::sum() const
{
    return m_histogram ? m_histogram->Collect().histogram.sample_sum : 0.0;
}

void QmlHistogram::observe(const QJSValue& value)
{
    const auto n = numberArgument(value, QStringLiteral("observe"), QStringLiteral("value"), true, false);
    if (!n || !m_histogram)
        return;
    m_histogram->Observe(*n);
    notifyChanged();
}

void QmlHistogram::emitValueSignals()
{
    emit countChanged();
    emit sumChanged();
}

std::function<void(double)> QmlHistogram::durationSink() const
{
    if (!m_histogram)
        return {};
    return [registry = boundRegistry(), histogram = m_histogram](double seconds) {
        histogram->Observe(seconds);
        detail::SeriesObservers::notify(histogram);
    };
}

const void* QmlHistogram::bindSeries(const BindRequest& r)
{
    std::vector<double> bounds;
    for (const QVariant& b : std::as_const(m_buckets)) {
        if (!isNumeric(b) || !std::isfinite(b.toDouble()))
            throw BindError{QStringLiteral("buckets"),
                            QStringLiteral("every bucket must be a finite number, not \"%1\"")
                                    .arg(b.toString())};
        if (!bounds.empty() && b.toDouble() <= bounds.back())
            throw BindError{QStringLiteral("buckets"),
                            QStringLiteral("bucket bounds must be strictly increasing (%1 after %2)")
                                    .arg(b.toDouble())
                                    .arg(bounds.back())};
        bounds.push_back(b.toDouble());
    }
    auto& family = registerFamily(prometheus::BuildHistogram(), r.name, r.help, *r.registry,
                                  prometheus::MetricType::Histogram);
    const detail::FamilyShape shape = detail::familyShape(
            r.registry, prometheus::MetricType::Histogram, r.name, {r.help, bounds});
    warnHelp(r, shape);
    if (shape.shape != bounds) {
        // One family, one bucket layout: otherwise histogram_quantile() over the family's
        // series would mix incompatible buckets.
        warn(QStringLiteral("buckets"),
             QStringLiteral("%1 differ from the buckets of the existing family \"%2\"; using %3")
                     .arg(formatList(bounds), QString::fromStdString(r.name), formatList(shape.shape)));
    }
    m_histogram = &family.Add(r.labels, shape.shape);
    return m_histogram;
}

// ---- Summary ------------------------------------------------------------------------------

QmlSummary::QmlSummary(QObject* parent) : QmlTimedMetric(prometheus::MetricType::Summary, parent) {}

QmlSummary::~QmlSummary() = default;

void QmlSummary::setQuantiles(const QVariantList& quantiles)
{
    if (quantiles == m_quantiles)
        return;
    m_quantiles = quantiles;
    emit quantilesChanged();
    rebind();
}

void QmlSummary::setMaxAge(double seconds)
{
    if (seconds == m_maxAge)
        return;
    m_maxAge = seconds;
    emit maxAgeChanged();
    rebind();
}

void QmlSummary::setAgeBuckets(int buckets)
{
    if (buckets == m_ageBuckets)
        return;
    m_ageBuckets = buckets;
    emit ageBucketsChanged();
    rebind();
}

double QmlSummary::count() const
{
    return m_summary ? static_cast<double>(m_summary->Collect().summary.sample_count) : 0.0;
}

double QmlSummary::sum() const
{
    return m_summary ? m_summary->Collect().summary.sample_sum : 0.0;
}

void QmlSummary::observe(const QJSValue& value)
{
    const auto n = numberArgument(value, QStringLiteral("observe"), QStringLiteral("value"), true, false);
    if (!n || !m_summary)
        return;
    m_summary->Observe(*n);
    notifyChanged();
}

void QmlSummary::emitValueSignals()
{
    emit countChanged();
    emit sumChanged();
}

std::function<void(double)> QmlSummary::durationSink() const
{
    if (!m_summary)
        return {};
    return [registry = boundRegistry(), summary = m_summary](double seconds) {
        summary->Observe(seconds);
        detail::SeriesObservers::notify(summary);
    };
}

const void* QmlSummary::bindSeries(const BindRequest& r)
{
    std::vector<double> flat; // quantile, error, quantile, error, ...
    for (const QVariant& q : std::as_const(m_quantiles)) {
        const QVariantMap m = q.toMap();
        const QVariant quantile = m.value(QStringLiteral("quantile"));
        const QVariant error = m.value(QStringLiteral("error"));
        if (q.typeId() != QMetaType::QVariantMap || !isNumeric(quantile) || !isNumeric(error))
            throw BindError{QStringLiteral("quantiles"),
                            QStringLiteral("every entry must be {quantile: <number>, error: "
                                           "<number>}, not \"%1\"")
                                    .arg(q.toString())};
        const double qv = quantile.toDouble();
        const double ev = error.toDouble();
        if (!(qv >= 0.0 && qv <= 1.0))
            throw BindError{QStringLiteral("quantiles"),
                            QStringLiteral("quantile %1 is not between 0 and 1").arg(qv)};
        if (!(ev > 0.0 && ev < 1.0))
            throw BindError{QStringLiteral("quantiles"),
                            QStringLiteral("error %1 is not between 0 and 1 (exclusive)").arg(ev)};
        flat.push_back(qv);
        flat.push_back(ev);
    }
    if (!(std::isfinite(m_maxAge) && m_maxAge >= 0.001))
        throw BindError{QStringLiteral("maxAge"),
                        QStringLiteral("must be at least 0.001 seconds, not %1").arg(m_maxAge)};
    if (m_ageBuckets < 1)
        throw BindError{QStringLiteral("ageBuckets"),
                        QStringLiteral("must be at least 1, not %1").arg(m_ageBuckets)};

    auto& family = registerFamily(prometheus::BuildSummary(), r.name, r.help, *r.registry,
                                  prometheus::MetricType::Summary);
    const detail::FamilyShape shape = detail::familyShape(
            r.registry, prometheus::MetricType::Summary, r.name, {r.help, flat});
    warnHelp(r, shape);
    if (shape.shape != flat) {
        warn(QStringLiteral("quantiles"),
             QStringLiteral("differ from the quantiles of the existing family \"%1\"; using "
                            "the family's")
                     .arg(QString::fromStdString(r.name)));
    }
    prometheus::Summary::Quantiles quantiles;
    for (std::size_t i = 0; i + 1 < shape.shape.size(); i += 2)
        quantiles.emplace_back(shape.shape[i], shape.shape[i + 1]);
    const auto maxAge = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::duration<double>(m_maxAge));
    m_summary = &family.Add(r.labels, quantiles, maxAge, m_ageBuckets);
    return m_summary;
}

} // namespace promqt
