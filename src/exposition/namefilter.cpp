// SPDX-License-Identifier: MIT
// `?name[]=a&name[]=b` selection of families.
#include <promqt/exposition.h>

#include "util/hexdigit.h"

#include <string>
#include <string_view>
#include <unordered_set>

namespace promqt {

namespace {

// application/x-www-form-urlencoded decoding: '+' is a space, "%HH" a byte. A '%' that does not
// start a valid escape is kept literally, as browsers and QUrlQuery do.
QByteArray formDecode(QByteArrayView text) {
    QByteArray out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const int hi = (c == '%' && i + 2 < text.size()) ? detail::hexDigitValue(text[i + 1]) : -1;
        const int lo = hi >= 0 ? detail::hexDigitValue(text[i + 2]) : -1;
        if (c == '+') {
            out.append(' ');
        } else if (lo >= 0) {
            out.append(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.append(c);
        }
    }
    return out;
}

constexpr std::string_view kTotal = "_total";

bool endsWithTotal(const std::string& name) {
    return name.size() > kTotal.size() && std::string_view(name).substr(name.size() - kTotal.size()) == kTotal;
}

} // namespace

QStringList requestedNames(QByteArrayView query) {
    if (query.startsWith('?'))
        query = query.sliced(1);
    const qsizetype hash = query.indexOf('#'); // a fragment is never part of the query
    if (hash >= 0)
        query = query.first(hash);

    QStringList names;
    qsizetype start = 0;
    while (start <= query.size()) {
        qsizetype end = query.indexOf('&', start);
        if (end < 0)
            end = query.size();
        const QByteArrayView pair = query.sliced(start, end - start);
        start = end + 1;
        const qsizetype equals = pair.indexOf('=');
        if (equals < 0)
            continue; // "name[]" without a value selects nothing
        if (formDecode(pair.first(equals)) != "name[]")
            continue;
        const QString name = QString::fromUtf8(formDecode(pair.sliced(equals + 1)));
        // An empty value would match no family; repeats add nothing.
        if (!name.isEmpty() && !names.contains(name))
            names.append(name);
    }
    return names;
}

std::vector<prometheus::MetricFamily> filterFamilies(std::vector<prometheus::MetricFamily> families,
                                                     const QStringList& names) {
    if (names.isEmpty())
        return families;
    std::unordered_set<std::string> wanted;
    wanted.reserve(static_cast<std::size_t>(names.size()));
    for (const QString& name : names)
        wanted.insert(name.toStdString());

    const auto selected = [&wanted](const prometheus::MetricFamily& family) {
        if (wanted.count(family.name) != 0)
            return true;
        if (family.type != prometheus::MetricType::Counter)
            return false;
        // A counter is known by both of its names: in OpenMetrics `requests_total` is the
        // sample and `requests` the family, and users type whichever they saw.
        if (endsWithTotal(family.name))
            return wanted.count(family.name.substr(0, family.name.size() - kTotal.size())) != 0;
        return wanted.count(family.name + std::string(kTotal)) != 0;
    };

    std::vector<prometheus::MetricFamily> kept;
    for (auto& family : families) {
        if (selected(family))
            kept.push_back(std::move(family));
    }
    return kept;
}

} // namespace promqt
