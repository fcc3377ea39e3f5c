#include "gateway/observability/exposition.h"

#include <charconv>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace protogate::observability {
namespace {

// Shortest text that reads back as the same double; integers without an
// exponent up to 2^53; "+Inf", "-Inf", "NaN" as both formats spell them.
void AppendNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    absl::StrAppend(&out, static_cast<int64_t>(value));
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, end);
}

// Label values escape \, " and newline (both formats).
void AppendLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
}

// HELP text escapes \ and newline (and " in OpenMetrics).
void AppendHelp(std::string& out, std::string_view help,
                ExpositionFormat format) {
  for (char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '"' && format == ExpositionFormat::kOpenMetrics) {
      out.append("\\\"");
    } else {
      out.push_back(c);
    }
  }
}

// `name{a="x",b="y",le="0.5"}` (no braces when there are no labels).
void AppendSeriesName(std::string& out, std::string_view name,
                      const std::vector<std::string>& label_names,
                      const std::vector<std::string>& values,
                      std::string_view le = {}) {
  out.append(name);
  if (label_names.empty() && le.empty()) return;
  out.push_back('{');
  for (size_t i = 0; i < label_names.size() && i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(label_names[i]).append("=\"");
    AppendLabelValue(out, values[i]);
    out.push_back('"');
  }
  if (!le.empty()) {
    if (!label_names.empty()) out.push_back(',');
    out.append("le=\"").append(le).append("\"");
  }
  out.push_back('}');
}

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendHistogram(std::string& out, const FamilySample& family,
                     const std::vector<std::string>& labels,
                     const FamilySample::Series& series) {
  std::string bucket_name = family.name + "_bucket";
  uint64_t cumulative = 0;
  for (size_t b = 0; b < series.counts.size(); ++b) {
    cumulative += series.counts[b];
    std::string le;
    if (b < family.bounds.size()) {
      AppendNumber(le, family.bounds[b]);
    } else {
      le = "+Inf";
    }
    AppendSeriesName(out, bucket_name, family.label_names, labels, le);
    absl::StrAppend(&out, " ", cumulative, "\n");
  }
  AppendSeriesName(out, family.name + "_sum", family.label_names, labels);
  out.push_back(' ');
  AppendNumber(out, series.sum);
  out.push_back('\n');
  AppendSeriesName(out, family.name + "_count", family.label_names, labels);
  absl::StrAppend(&out, " ", cumulative, "\n");
}

void AppendFamily(std::string& out, const FamilySample& family,
                  ExpositionFormat format) {
  // OpenMetrics names a counter family without its "_total" suffix.
  std::string_view family_name = family.name;
  if (format == ExpositionFormat::kOpenMetrics &&
      family.type == MetricType::kCounter && family_name.ends_with("_total")) {
    family_name.remove_suffix(6);
  }
  out.append("# HELP ").append(family_name).append(" ");
  AppendHelp(out, family.help, format);
  out.append("\n# TYPE ").append(family_name).append(" ");
  out.append(TypeName(family.type)).append("\n");
  for (const auto& [labels, series] : family.series) {
    if (family.type == MetricType::kHistogram) {
      AppendHistogram(out, family, labels, series);
      continue;
    }
    AppendSeriesName(out, family.name, family.label_names, labels);
    out.push_back(' ');
    AppendNumber(out, series.value);
    out.push_back('\n');
  }
}

}  // namespace

ExpositionFormat NegotiateExposition(std::string_view accept) {
  std::string lower(accept);
  for (char& c : lower) c = absl::ascii_tolower(c);
  return lower.find("application/openmetrics-text") != std::string::npos
             ? ExpositionFormat::kOpenMetrics
             : ExpositionFormat::kPrometheusText;
}

std::string_view ExpositionContentType(ExpositionFormat format) {
  return format == ExpositionFormat::kOpenMetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

std::string WriteExposition(const std::vector<FamilySample>& families,
                            ExpositionFormat format) {
  std::string out;
  for (const FamilySample& family : families) {
    if (family.series.empty()) continue;
    AppendFamily(out, family, format);
  }
  if (format == ExpositionFormat::kOpenMetrics) out.append("# EOF\n");
  return out;
}

}  // namespace protogate::observability
