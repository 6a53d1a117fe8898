// SPDX-License-Identifier: MIT
// collectAll: order, expired collectables, exceptions.
#include <promqt/exposition.h>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <QTest>

#include <stdexcept>

using namespace promqt;

namespace {

class FixedCollectable : public prometheus::Collectable {
public:
    explicit FixedCollectable(std::vector<std::string> names) : m_names(std::move(names)) {}
    std::vector<prometheus::MetricFamily> Collect() const override {
        ++calls;
        std::vector<prometheus::MetricFamily> families;
        for (const auto& name : m_names) {
            prometheus::MetricFamily f;
            f.name = name;
            families.push_back(f);
        }
        return families;
    }
    mutable int calls = 0;

private:
    std::vector<std::string> m_names;
};

class ThrowingCollectable : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override { throw std::runtime_error("collect failed"); }
};

std::vector<std::string> namesOf(const std::vector<prometheus::MetricFamily>& families) {
    std::vector<std::string> names;
    for (const auto& f : families)
        names.push_back(f.name);
    return names;
}

} // namespace

class TestCollectAll : public QObject {
    Q_OBJECT

private slots:
    void concatenatesInOrder() {
        auto a = std::make_shared<FixedCollectable>(std::vector<std::string>{"a1", "a2"});
        auto b = std::make_shared<FixedCollectable>(std::vector<std::string>{});
        auto c = std::make_shared<FixedCollectable>(std::vector<std::string>{"c1"});
        const auto families = collectAll({a, b, c});
        QCOMPARE(namesOf(families), (std::vector<std::string>{"a1", "a2", "c1"}));
        QCOMPARE(a->calls, 1);
        QCOMPARE(b->calls, 1);
        QCOMPARE(c->calls, 1);
    }

    void skipsExpired() {
        auto a = std::make_shared<FixedCollectable>(std::vector<std::string>{"a"});
        std::weak_ptr<prometheus::Collectable> expired;
        {
            auto gone = std::make_shared<FixedCollectable>(std::vector<std::string>{"gone"});
            expired = gone;
        }
        QVERIFY(expired.expired());
        QCOMPARE(namesOf(collectAll({expired, a, std::weak_ptr<prometheus::Collectable>()})),
                 (std::vector<std::string>{"a"}));
        QVERIFY(collectAll({}).empty());
    }

    void realRegistry() {
        auto registry = std::make_shared<prometheus::Registry>();
        prometheus::BuildCounter().Name("x_total").Register(*registry).Add({}).Increment();
        const auto families = collectAll({registry});
        QCOMPARE(families.size(), size_t(1));
        QCOMPARE(families[0].metric.at(0).counter.value, 1.0);
    }

    void exceptionsPropagate() {
        auto a = std::make_shared<FixedCollectable>(std::vector<std::string>{"a"});
        auto bad = std::make_shared<ThrowingCollectable>();
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, collectAll({a, bad}));
    }
};

QTEST_GUILESS_MAIN(TestCollectAll)
#include "tst_collectall.moc"
