// SPDX-License-Identifier: MIT
#pragma once

// The QML metric types Counter, Gauge, Histogram and Summary (see docs/qml.md).
//
// Each object is a handle on one prometheus-cpp series: the family `name` in `registry` (the
// default registry when unset) and the series `labels`. Objects with the same name share the
// family; objects with the same name and labels share the series (prometheus-cpp returns the same
// metric), and then all of them notify `value`/`count`/`sum` when any of them records.
//
// Binding happens when the QML component is complete, and again whenever name, help, labels,
// registry, buckets or quantiles change (re-binding: the object moves to the new series; the old
// series stays in the registry with its value). Invalid input never throws into QML: the object
// prints a qmlWarning naming itself and the property, and stays inert (`valid` false) until a
// later change makes it valid. Series are never removed when objects are destroyed: like
// prometheus_client, a series lives as long as its registry, so counters survive a delegate
// being destroyed and re-created.
//
// Thread affinity: QML objects of the engine's thread. Recording is thread-safe underneath.

#include <promqt/qml.h>

#include "series.h"

#include <QJSValue>
#include <QObject>
#include <QPointer>
#include <QQmlParserStatus>
#include <QVariantList>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <prometheus/labels.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Summary;
} // namespace prometheus

namespace promqt {

/// What every QML metric has: name, help, labels, registry, valid.
class QmlMetricBase : public QObject, public QQmlParserStatus, protected detail::SeriesObserver {
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    QML_ANONYMOUS
    Q_PROPERTY(QString name READ name WRITE setName NOTIFY nameChanged FINAL)
    Q_PROPERTY(QString help READ help WRITE setHelp NOTIFY helpChanged FINAL)
    Q_PROPERTY(QVariantMap labels READ labels WRITE setLabels NOTIFY labelsChanged FINAL)
    Q_PROPERTY(promqt::QmlRegistry* registry READ registry WRITE setRegistry NOTIFY registryChanged FINAL)
    Q_PROPERTY(bool valid READ isValid NOTIFY validChanged FINAL)

public:
    ~QmlMetricBase() override;

    QString name() const { return m_name; }
    void setName(const QString& name);
    QString help() const { return m_help; }
    void setHelp(const QString& help);
    QVariantMap labels() const { return m_labels; }
    void setLabels(const QVariantMap& labels);
    QmlRegistry* registry() const { return m_registryObject; }
    void setRegistry(QmlRegistry* registry);
    /// True while the object is bound to a series (records); false while inert.
    bool isValid() const { return m_metric != nullptr; }

    void classBegin() override;
    void componentComplete() override;

signals:
    void nameChanged();
    void helpChanged();
    void labelsChanged();
    void registryChanged();
    void validChanged();

protected:
    struct BindRequest {
        std::shared_ptr<prometheus::Registry> registry;
        std::string name;
        std::string help;
        prometheus::Labels labels;
    };
    /// Thrown by bindSeries() for a problem best reported on a specific property.
    struct BindError {
        QString property;
        QString message;
    };

    QmlMetricBase(prometheus::MetricType type, QObject* parent);

    /// Creates or looks up the series; returns its metric. Throws BindError or std::exception.
    virtual const void* bindSeries(const BindRequest& request) = 0;
    /// Forgets the typed metric pointer.
    virtual void unbindSeries() = 0;
    /// Emits the NOTIFY signals of the read-only value properties.
    virtual void emitValueSignals() = 0;

    /// Binds again if the component is complete (call after a shape property changed).
    void rebind();
    /// qmlWarning on this object: "<property>: <message>".
    void warn(const QString& property, const QString& message) const;
    /// Warns on `help` when the family keeps another help text than this object's.
    void warnHelp(const BindRequest& request, const detail::FamilyShape& recorded) const;
    /// Tells every object bound to the current series (this one too) that it changed.
    void notifyChanged() const;
    /// The registry the object is bound to, kept alive for as long as the series is used.
    const std::shared_ptr<prometheus::Registry>& boundRegistry() const { return m_boundRegistry; }
    const void* boundMetric() const { return m_metric; }
    /// The number in `value`, or nullopt after a warning "<method>: <what> ...".
    std::optional<double> numberArgument(const QJSValue& value, const QString& method,
                                         const QString& what, bool allowNegative,
                                         bool allowNonFinite) const;
    /// Registers a promise settle callback: `onSettled(fulfilled)` runs once when `promise`
    /// settles, even if this object is gone by then. Returns `promise` (a Promise adopting it
    /// for other thenables, see detail::watchThenable()); warns if it is not a thenable.
    QJSValue watchPromise(const QJSValue& promise, const QString& method,
                          std::function<void(bool fulfilled)> onSettled) const;

private:
    Q_INVOKABLE void seriesUpdatedQueued() { emitValueSignals(); }
    void seriesUpdated() override { emitValueSignals(); }
    std::optional<prometheus::Labels> convertLabels() const;
    void detach();

    const prometheus::MetricType m_type;
    QString m_name;
    QString m_help;
    QVariantMap m_labels;
    QPointer<QmlRegistry> m_registryObject;
    std::shared_ptr<prometheus::Registry> m_registry;      // chosen registry (default if unset)
    std::shared_ptr<prometheus::Registry> m_boundRegistry; // registry of m_metric
    const void* m_metric = nullptr;
    bool m_deferBinding = false; // between classBegin() and componentComplete()
};

/// Timing from QML: startTimer()/stopTimer(token) and time(promise).
class QmlTimedMetric : public QmlMetricBase {
    Q_OBJECT
    QML_ANONYMOUS

public:
    /// Starts a timer and returns its token (a positive integer). Timers may overlap.
    Q_INVOKABLE int startTimer();
    /// Records the seconds since startTimer() returned `token` and returns them; an unknown or
    /// already stopped token warns and returns undefined.
    Q_INVOKABLE QJSValue stopTimer(const QJSValue& token);
    /// Records the seconds until `promise` settles, fulfilled or rejected. Returns `promise`
    /// itself for a JavaScript Promise, else a Promise settling like the thenable.
    Q_INVOKABLE QJSValue time(const QJSValue& promise);

protected:
    using QmlMetricBase::QmlMetricBase;
    /// Records a duration into the current series; empty while inert. The function keeps the
    /// series alive by itself, so it may run after this object is destroyed.
    virtual std::function<void(double seconds)> durationSink() const = 0;

private:
    using Clock = std::chrono::steady_clock;
    std::map<int, Clock::time_point> m_timers;
    int m_lastToken = 0;
};

/// QML `Counter`: a value that only goes up.
class QmlCounter : public QmlMetricBase {
    Q_OBJECT
    QML_NAMED_ELEMENT(Counter)
    Q_PROPERTY(double value READ value NOTIFY valueChanged FINAL)

public:
    explicit QmlCounter(QObject* parent = nullptr);
    ~QmlCounter() override;
    double value() const;

    /// Adds `amount` (default 1; must be a finite number >= 0).
    Q_INVOKABLE void inc(const QJSValue& amount = QJSValue());
    /// Increments the counter if `promise` rejects. Returns `promise`.
    Q_INVOKABLE QJSValue countExceptions(const QJSValue& promise);

signals:
    void valueChanged();

protected:
    const void* bindSeries(const BindRequest& request) override;
    void unbindSeries() override { m_counter = nullptr; }
    void emitValueSignals() override { emit valueChanged(); }

private:
    prometheus::Counter* m_counter = nullptr;
};

/// QML `Gauge`: a value that goes up and down.
class QmlGauge : public QmlTimedMetric {
    Q_OBJECT
    QML_NAMED_ELEMENT(Gauge)
    Q_PROPERTY(double value READ value NOTIFY valueChanged FINAL)

public:
    explicit QmlGauge(QObject* parent = nullptr);
    ~QmlGauge() override;
    double value() const;

    Q_INVOKABLE void inc(const QJSValue& amount = QJSValue());
    Q_INVOKABLE void dec(const QJSValue& amount = QJSValue());
    /// Any number, including NaN and infinities.
    Q_INVOKABLE void set(const QJSValue& value);
    /// Seconds since the Unix epoch.
    Q_INVOKABLE void setToCurrentTime();
    /// Increments now and decrements when `promise` settles. Returns `promise`.
    Q_INVOKABLE QJSValue trackInProgress(const QJSValue& promise);

signals:
    void valueChanged();

protected:
    const void* bindSeries(const BindRequest& request) override;
    void unbindSeries() override { m_gauge = nullptr; }
    void emitValueSignals() override { emit valueChanged(); }
    std::function<void(double)> durationSink() const override;

private:
    prometheus::Gauge* m_gauge = nullptr;
};

/// QML `Histogram`: counts observations into cumulative buckets.
class QmlHistogram : public QmlTimedMetric {
    Q_OBJECT
    QML_NAMED_ELEMENT(Histogram)
    Q_PROPERTY(QVariantList buckets READ buckets WRITE setBuckets NOTIFY bucketsChanged FINAL)
    Q_PROPERTY(double count READ count NOTIFY countChanged FINAL)
    Q_PROPERTY(double sum READ sum NOTIFY sumChanged FINAL)

public:
    explicit QmlHistogram(QObject* parent = nullptr);
    ~QmlHistogram() override;

    QVariantList buckets() const { return m_buckets; }
    void setBuckets(const QVariantList& buckets);
    double count() const;
    double sum() const;

    /// Records a finite number.
    Q_INVOKABLE void observe(const QJSValue& value);

    /// prometheus_client's default buckets, from 5 ms to 10 s.
    static QVariantList defaultBuckets();

signals:
    void bucketsChanged();
    void countChanged();
    void sumChanged();

protected:
    const void* bindSeries(const BindRequest& request) override;
    void unbindSeries() override { m_histogram = nullptr; }
    void emitValueSignals() override;
    std::function<void(double)> durationSink() const override;

private:
    QVariantList m_buckets;
    prometheus::Histogram* m_histogram = nullptr;
};

/// QML `Summary`: count, sum and optional streaming quantiles over a sliding time window.
class QmlSummary : public QmlTimedMetric {
    Q_OBJECT
    QML_NAMED_ELEMENT(Summary)
    /// A list of {quantile, error} objects, e.g. [{quantile: 0.5, error: 0.05}]. Default: none.
    Q_PROPERTY(QVariantList quantiles READ quantiles WRITE setQuantiles NOTIFY quantilesChanged FINAL)
    /// Seconds of observations the quantiles cover (default 60).
    Q_PROPERTY(double maxAge READ maxAge WRITE setMaxAge NOTIFY maxAgeChanged FINAL)
    /// Buckets the window rotates through (default 5).
    Q_PROPERTY(int ageBuckets READ ageBuckets WRITE setAgeBuckets NOTIFY ageBucketsChanged FINAL)
    Q_PROPERTY(double count READ count NOTIFY countChanged FINAL)
    Q_PROPERTY(double sum READ sum NOTIFY sumChanged FINAL)

public:
    explicit QmlSummary(QObject* parent = nullptr);
    ~QmlSummary() override;

    QVariantList quantiles() const { return m_quantiles; }
    void setQuantiles(const QVariantList& quantiles);
    double maxAge() const { return m_maxAge; }
    void setMaxAge(double seconds);
    int ageBuckets() const { return m_ageBuckets; }
    void setAgeBuckets(int buckets);
    double count() const;
    double sum() const;

    /// Records a finite number.
    Q_INVOKABLE void observe(const QJSValue& value);

signals:
    void quantilesChanged();
    void maxAgeChanged();
    void ageBucketsChanged();
    void countChanged();
    void sumChanged();

protected:
    const void* bindSeries(const BindRequest& request) override;
    void unbindSeries() override { m_summary = nullptr; }
    void emitValueSignals() override;
    std::function<void(double)> durationSink() const override;

private:
    QVariantList m_quantiles;
    double m_maxAge = 60.0;
    int m_ageBuckets = 5;
    prometheus::Summary* m_summary = nullptr;
};

} // namespace promqt
