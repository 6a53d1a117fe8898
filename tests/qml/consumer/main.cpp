// SPDX-License-Identifier: MIT
// Usage: qml_consumer <qml import dir>. Exit 0 when a QML Counter from the installed PromQt
// module records into the registry C++ reaches through promqt::Qml::defaultRegistry().
#include <promqt/qml.h>

#include <prometheus/registry.h>

#include <QGuiApplication>
#include <QQmlComponent>
#include <QQmlEngine>

#include <cstdio>
#include <memory>

int main(int argc, char* argv[])
{
    QGuiApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: qml_consumer <qml import dir>\n");
        return 2;
    }
    QQmlEngine engine;
    engine.addImportPath(QString::fromLocal8Bit(argv[1]));
    QQmlComponent component(&engine);
    component.setData("import PromQt\n"
                      "Counter { name: \"consumer_clicks_total\"; Component.onCompleted: inc(5) }\n",
                      QUrl(QStringLiteral("file:///consumer.qml")));
    std::unique_ptr<QObject> counter(component.create());
    if (!counter) {
        std::fprintf(stderr, "%s\n", qPrintable(component.errorString()));
        return 1;
    }
    for (const auto& family : promqt::Qml::defaultRegistry()->Collect()) {
        if (family.name == "consumer_clicks_total" && family.metric.size() == 1
            && family.metric.front().counter.value == 5) {
            std::printf("ok: consumer_clicks_total 5 seen from C++\n");
            return 0;
        }
    }
    std::fprintf(stderr, "consumer_clicks_total not found in the default registry\n");
    return 1;
}
