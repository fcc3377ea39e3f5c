#include "gateway/observability/metrics_registry.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "gateway/base/strings.h"

namespace protogate::observability {
namespace {

// Separates label values inside a series key; 0xFF never occurs in UTF-8.
constexpr char kSeparator = '\xff';

// The calling thread's shard: threads take shards round robin, so up to
// kShards threads never share one.
int ThreadShard() {
  static std::atomic<unsigned> next{0};
  thread_local const int shard = static_cast<int>(
      next.fetch_add(1, std::memory_order_relaxed) % MetricsRegistry::kShards);
  return shard;
}

// "<family id><value>\xff<value>..." in a per-thread buffer, so a lookup
// of a known series allocates nothing.
std::string_view SeriesKey(uint32_t family, LabelValues labels) {
  thread_local std::string key;
  key.assign(reinterpret_cast<const char*>(&family), sizeof(family));
  for (std::string_view value : labels) {
    key.append(value);
    key.push_back(kSeparator);
  }
  return key;
}

std::vector<std::string> SplitLabels(std::string_view key) {
  std::vector<std::string> values;
  key.remove_prefix(sizeof(uint32_t));
  while (!key.empty()) {
    size_t end = key.find(kSeparator);
    values.emplace_back(key.substr(0, end));
    key.remove_prefix(end + 1);
  }
  return values;
}

}  // namespace

const std::vector<double>& DurationBuckets() {
  static const auto* const kBuckets =
      new std::vector<double>{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *kBuckets;
}

const std::vector<double>& SizeBuckets() {
  static const auto* const kBuckets = new std::vector<double>{
      64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304};
  return *kBuckets;
}

struct MetricsRegistry::Family {
  FamilySample info;
  absl::AnyInvocable<void(SampleSink&)> collect;  // Null: shard-counted.
};

// Aligned so that two shards never share a cache line.
struct alignas(64) MetricsRegistry::Shard {
  struct Cell {
    double value = 0;              // Counter, gauge, histogram sum.
    std::vector<uint64_t> counts;  // Histogram buckets (+Inf last).
  };
  absl::Mutex mu;
  absl::flat_hash_map<std::string, Cell> cells ABSL_GUARDED_BY(mu);
};

MetricsRegistry::MetricsRegistry() : shards_(new Shard[kShards]) {}
MetricsRegistry::~MetricsRegistry() = default;

uint32_t MetricsRegistry::Declare(
    FamilySample info, absl::AnyInvocable<void(SampleSink&)> collect) {
  absl::MutexLock lock(&families_mu_);
  for (size_t i = 0; i < families_.size(); ++i) {
    if (families_[i].info.name == info.name) {
      assert(families_[i].info.type == info.type);
      assert(families_[i].info.label_names == info.label_names);
      return static_cast<uint32_t>(i);
    }
  }
  families_.push_back(Family{std::move(info), std::move(collect)});
  return static_cast<uint32_t>(families_.size() - 1);
}

const MetricsRegistry::Family& MetricsRegistry::family(uint32_t id) {
  absl::MutexLock lock(&families_mu_);
  return families_[id];
}

CounterFamily MetricsRegistry::AddCounter(
    std::string name, std::string help, std::vector<std::string> label_names) {
  FamilySample info{std::move(name), std::move(help), MetricType::kCounter,
                    std::move(label_names)};
  return CounterFamily(this, Declare(std::move(info), nullptr));
}

GaugeFamily MetricsRegistry::AddGauge(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  FamilySample info{std::move(name), std::move(help), MetricType::kGauge,
                    std::move(label_names)};
  return GaugeFamily(this, Declare(std::move(info), nullptr));
}

HistogramFamily MetricsRegistry::AddHistogram(
    std::string name, std::string help, std::vector<std::string> label_names,
    std::vector<double> bounds) {
  FamilySample info{std::move(name), std::move(help), MetricType::kHistogram,
                    std::move(label_names), std::move(bounds)};
  uint32_t id = Declare(std::move(info), nullptr);
  return HistogramFamily(this, id, &family(id).info.bounds);
}

void MetricsRegistry::AddCollector(
    std::string name, std::string help, MetricType type,
    std::vector<std::string> label_names,
    absl::AnyInvocable<void(SampleSink&)> collect) {
  FamilySample info{std::move(name), std::move(help), type,
                    std::move(label_names)};
  Declare(std::move(info), std::move(collect));
}

void MetricsRegistry::AddValue(uint32_t family, LabelValues labels,
                               double amount) {
  absl::string_view key = base::ToAbsl(SeriesKey(family, labels));
  Shard& shard = shards_[ThreadShard()];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.cells.find(key);
  if (it == shard.cells.end()) it = shard.cells.try_emplace(key).first;
  it->second.value += amount;
}

void MetricsRegistry::AddObservation(uint32_t family,
                                     const std::vector<double>& bounds,
                                     LabelValues labels, double value) {
  size_t bucket =
      std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  absl::string_view key = base::ToAbsl(SeriesKey(family, labels));
  Shard& shard = shards_[ThreadShard()];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.cells.find(key);
  if (it == shard.cells.end()) {
    it = shard.cells.try_emplace(key).first;
    it->second.counts.assign(bounds.size() + 1, 0);
  }
  it->second.value += value;
  ++it->second.counts[bucket];
}

void CounterFamily::Add(LabelValues labels, double amount) const {
  registry_->AddValue(id_, labels, amount);
}

void GaugeFamily::Add(LabelValues labels, double delta) const {
  registry_->AddValue(id_, labels, delta);
}

void HistogramFamily::Observe(LabelValues labels, double value) const {
  registry_->AddObservation(id_, *bounds_, labels, value);
}

std::vector<FamilySample> MetricsRegistry::Collect() {
  absl::MutexLock collect_lock(&collect_mu_);
  std::vector<FamilySample> out;
  std::vector<absl::AnyInvocable<void(SampleSink&)>*> collectors;
  {
    absl::MutexLock lock(&families_mu_);
    for (Family& family : families_) {
      out.push_back(family.info);
      collectors.push_back(family.collect ? &family.collect : nullptr);
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (collectors[i] == nullptr) continue;
    SampleSink sink(out[i]);
    (*collectors[i])(sink);
  }
  for (int s = 0; s < kShards; ++s) {
    absl::MutexLock lock(&shards_[s].mu);
    for (const auto& [key, cell] : shards_[s].cells) {
      uint32_t id;
      std::memcpy(&id, key.data(), sizeof(id));
      if (id >= out.size()) continue;  // Declared after the copy above.
      FamilySample::Series& series = out[id].series[SplitLabels(key)];
      series.value += cell.value;
      if (cell.counts.empty()) continue;
      series.counts.resize(cell.counts.size(), 0);
      for (size_t b = 0; b < cell.counts.size(); ++b) {
        series.counts[b] += cell.counts[b];
      }
    }
  }
  for (FamilySample& family : out) {
    if (family.type != MetricType::kHistogram) continue;
    for (auto& [labels, series] : family.series) {
      series.sum = series.value;
      series.value = 0;
    }
  }
  return out;
}

}  // namespace protogate::observability
