// SPDX-License-Identifier: MIT
// Content negotiation: Accept (format) and Accept-Encoding (gzip).
#include <promqt/exposition.h>

#include "exposition/headerlist.h"

#include <algorithm>

namespace promqt {

namespace {

using detail::equalsIgnoringCase;
using detail::HeaderElement;

std::string_view toStringView(QByteArrayView view) {
    return {view.data(), static_cast<std::size_t>(view.size())};
}

bool isMediaRange(std::string_view value) {
    const std::size_t slash = value.find('/');
    return slash != std::string_view::npos && slash > 0 && slash + 1 < value.size() &&
           value.find('/', slash + 1) == std::string_view::npos;
}

bool isCoding(std::string_view value) {
    return !value.empty() && value.find('/') == std::string_view::npos;
}

// The `version` parameter of a media range, or nothing.
const std::string* versionOf(const HeaderElement& element) {
    for (const auto& parameter : element.parameters) {
        if (equalsIgnoringCase(parameter.name, "version"))
            return &parameter.value;
    }
    return nullptr;
}

// How well a media range describes one of our representations, RFC 9110 §12.5.1: the most
// specific matching range decides the quality ("text/plain;q=0, */*" refuses text/plain).
// -1: does not match; otherwise higher = more specific.
int textSpecificity(const HeaderElement& element, std::string_view type, std::string_view subtype) {
    const std::string* version = versionOf(element);
    if (equalsIgnoringCase(type, "text") && equalsIgnoringCase(subtype, "plain")) {
        if (!version)
            return 2;
        return *version == "0.0.4" ? 3 : -1;
    }
    if (equalsIgnoringCase(type, "text") && subtype == "*")
        return 1;
    if (type == "*" && subtype == "*")
        return 0;
    return -1;
}

// OpenMetrics only counts when named: a client that merely accepts "*/*" (curl, browsers)
// has not said it understands OpenMetrics, and text is what every Prometheus tool reads.
// Only version 1.0.0 (or no version) matches: it is the one promqt writes.
int openMetricsSpecificity(const HeaderElement& element, std::string_view type, std::string_view subtype) {
    if (!equalsIgnoringCase(type, "application") || !equalsIgnoringCase(subtype, "openmetrics-text"))
        return -1;
    const std::string* version = versionOf(element);
    if (!version)
        return 1;
    return *version == "1.0.0" ? 2 : -1;
}

// Quality (thousandths) of the most specific matching range; 0 when none matches.
template <typename Specificity>
int qualityFor(const std::vector<HeaderElement>& elements, Specificity specificity) {
    int bestSpecificity = -1;
    int quality = 0;
    for (const auto& element : elements) {
        const std::size_t slash = element.value.find('/');
        const int s = specificity(element, element.value.substr(0, slash), element.value.substr(slash + 1));
        if (s < 0)
            continue;
        if (s > bestSpecificity) {
            bestSpecificity = s;
            quality = element.quality;
        } else if (s == bestSpecificity) {
            quality = std::max(quality, element.quality); // repeated equally specific ranges
        }
    }
    return quality;
}

} // namespace

QByteArray contentType(ExpositionFormat format) {
    switch (format) {
    case ExpositionFormat::OpenMetrics:
        return QByteArrayLiteral("application/openmetrics-text; version=1.0.0; charset=utf-8");
    case ExpositionFormat::Text:
        break;
    }
    return QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8");
}

ExpositionFormat negotiateFormat(QByteArrayView accept) {
    const auto elements = detail::parseHeaderList(toStringView(accept), &isMediaRange);
    const int openMetrics = qualityFor(elements, &openMetricsSpecificity);
    const int text = qualityFor(elements, &textSpecificity);
    // Ties go to OpenMetrics: a client that names it explicitly and rates it as high as text
    // (Prometheus itself, which lists it first) gets the richer format.
    return openMetrics > 0 && openMetrics >= text ? ExpositionFormat::OpenMetrics : ExpositionFormat::Text;
}

bool acceptsGzip(QByteArrayView acceptEncoding) {
    const auto elements = detail::parseHeaderList(toStringView(acceptEncoding), &isCoding);
    int explicitQuality = -1; // "gzip" or its old alias "x-gzip" (RFC 9110 §8.4.1.3)
    int wildcardQuality = -1;
    for (const auto& element : elements) {
        if (equalsIgnoringCase(element.value, "gzip") || equalsIgnoringCase(element.value, "x-gzip"))
            explicitQuality = std::max(explicitQuality, element.quality);
        else if (element.value == "*")
            wildcardQuality = std::max(wildcardQuality, element.quality);
    }
    if (explicitQuality >= 0) // a named coding overrides "*", both ways
        return explicitQuality > 0;
    return wildcardQuality > 0;
}

} // namespace promqt
