// SPDX-License-Identifier: MIT
// Writes the lines of a family block — "# HELP", "# TYPE" and the sample lines
// ("name{labels} value [timestamp]\n") — for both exposition formats.
#pragma once

#include "exposition/escape.h"
#include "exposition/numberformat.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace promqt::detail {

enum class Syntax {
    Text,        ///< timestamps in integer milliseconds
    OpenMetrics, ///< timestamps in decimal seconds
};

/// Formats the `le` bounds or `quantile` values of one metric after another, reusing the text
/// of the previous metric when the value at the same position is bit-identical — all metrics of
/// a prometheus-cpp histogram family share their bounds, so each bound is formatted once per
/// family instead of once per line.
class ExtraLabelCache {
public:
    std::string_view format(std::size_t index, double value) {
        std::uint64_t bits;
        std::memcpy(&bits, &value, sizeof bits);
        if (index >= m_entries.size())
            m_entries.resize(index + 1);
        Entry& entry = m_entries[index];
        if (!entry.valid || entry.bits != bits) {
            entry.text.clear();
            appendDouble(entry.text, value);
            entry.bits = bits;
            entry.valid = true;
        }
        return entry.text;
    }

private:
    struct Entry {
        std::uint64_t bits = 0;
        bool valid = false;
        std::string text;
    };
    std::vector<Entry> m_entries;
};

struct FamilyGroup;

/// Writes family blocks: the HELP and TYPE lines, then the lines of one metric (one label set)
/// after another. The label text of the current metric is rendered once into a reusable buffer,
/// so a histogram with 20 buckets escapes its labels once, not 22 times, and no allocation
/// happens per line once the buffer has grown.
/// Not thread-safe; one instance per write call.
class SampleWriter {
public:
    SampleWriter(std::string& out, Syntax syntax) : m_out(out), m_syntax(syntax) {}

    /// `# HELP name help`, the help escaped as the syntax requires; nothing for an empty help.
    void writeHelp(std::string_view name, std::string_view help);
    /// `# TYPE name type`, in the syntax's spelling of the type.
    void writeType(std::string_view name, prometheus::MetricType type);
    /// The sample lines of every family of `group`, under the group's name.
    void writeSamples(const FamilyGroup& group);

    /// Makes `metric` the current one. Returns false (and writes nothing) when its labels cannot
    /// be written as a valid sample: an invalid label name, a label name used twice, or one
    /// equal to `reservedLabel` (`le` for histograms, `quantile` for summaries), which the
    /// writer adds itself. Prometheus fails the *whole* scrape over one such line, so callers
    /// skip the metric instead.
    bool setMetric(const prometheus::ClientMetric& metric, std::string_view reservedLabel = {}) {
        m_labels.clear();
        const auto& labels = metric.label;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            const auto& label = labels[i];
            if (!isValidLabelName(label.name) || label.name == reservedLabel)
                return false;
            // Quadratic, but label sets are small (prometheus-cpp's builders already forbid
            // duplicates; this guards hand-made collectables).
            for (std::size_t k = 0; k < i; ++k) {
                if (labels[k].name == label.name)
                    return false;
            }
            if (i != 0)
                m_labels.push_back(',');
            m_labels.append(label.name);
            m_labels.append("=\"", 2);
            appendEscapedLabelValue(m_labels, label.value);
            m_labels.push_back('"');
        }
        m_timestampMs = metric.timestamp_ms;
        return true;
    }

    /// `name suffix{labels} value`.
    template <typename Value>
    void write(std::string_view name, std::string_view suffix, Value value) {
        m_out.append(name.data(), name.size());
        m_out.append(suffix.data(), suffix.size());
        if (!m_labels.empty()) {
            m_out.push_back('{');
            m_out.append(m_labels);
            m_out.push_back('}');
        }
        finish(value);
    }

    /// `name suffix{labels,extraName="extraValue"} value`, for `le` and `quantile`;
    /// `extraValue` is already formatted (see ExtraLabelCache).
    template <typename Value>
    void writeWithExtraLabel(std::string_view name, std::string_view suffix, std::string_view extraName,
                             std::string_view extraValue, Value value) {
        m_out.append(name.data(), name.size());
        m_out.append(suffix.data(), suffix.size());
        m_out.push_back('{');
        if (!m_labels.empty()) {
            m_out.append(m_labels);
            m_out.push_back(',');
        }
        m_out.append(extraName.data(), extraName.size());
        m_out.append("=\"", 2);
        m_out.append(extraValue.data(), extraValue.size());
        m_out.append("\"}", 2);
        finish(value);
    }

private:
    void writeSamples(std::string_view name, const prometheus::MetricFamily& family);

    static void appendValue(std::string& out, double value) { appendDouble(out, value); }
    static void appendValue(std::string& out, std::uint64_t value) { appendUInt(out, value); }

    template <typename Value>
    void finish(Value value) {
        m_out.push_back(' ');
        appendValue(m_out, value);
        // prometheus-cpp uses 0 for "no timestamp" (the scraper then assigns the scrape time).
        if (m_timestampMs != 0) {
            m_out.push_back(' ');
            if (m_syntax == Syntax::Text)
                appendInt(m_out, m_timestampMs);
            else
                appendMillisAsSeconds(m_out, m_timestampMs);
        }
        m_out.push_back('\n');
    }

    std::string& m_out;
    Syntax m_syntax;
    std::string m_labels;
    std::int64_t m_timestampMs = 0;
};

} // namespace promqt::detail
