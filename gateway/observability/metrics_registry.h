// MetricsRegistry: the gateway's metric families (counters, gauges,
// histograms) and their series, counted on the hot path without a global
// lock and merged when Prometheus scrapes (Collect()).
//
// A family is declared once (name, help, label names; buckets for a
// histogram) and returns a small handle. Each series owns a few cells
// (one value; a histogram's bucket counts and sum) in each of kShards
// shards. A thread claims a shard of its own at its first record
// (kShards - 1 of them, process-wide: the same index in every registry;
// released when the thread exits) and adds to its cells with a plain
// relaxed load and store: no locked instruction, no shared cache line.
// Only the owner writes an owned shard's cells, so no add is lost; a
// scrape reads them with atomic loads. Threads beyond those share the
// last shard and add with atomic read-modify-writes. Recording by label values
// looks the series up in the shard's own table (its mutex is taken only by the
// threads of that shard); a series bound once (LazyCounter,
// LazyHistogram: per route, at its first request) is added to with no
// lookup at all. Collect() sums the cells over the shards.
//
// Label values must be bounded by configuration (route names, cluster
// names, status codes): the registry keeps every series it has seen.
//
// Thread safety: every method may be called from any thread, concurrently.
// Ownership: handles borrow the registry, which must outlive them.
//
// Example:
//   MetricsRegistry registry;
//   CounterFamily requests = registry.AddCounter(
//       "protogate_http_requests_total", "HTTP requests answered.",
//       {"route", "method", "code"});
//   requests.Add({"bookstore.Shelves/List", "GET", "200"});
//   std::string text = WriteExposition(registry.Collect(),
//                                      ExpositionFormat::kPrometheusText);
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace protogate::observability {

enum class MetricType { kCounter, kGauge, kHistogram };

// Label values of one series, in the order of the family's label names.
using LabelValues = std::initializer_list<std::string_view>;

// One family's merged series, as Collect() returns them.
struct FamilySample {
  struct Series {
    double value = 0;              // Counter or gauge.
    std::vector<uint64_t> counts;  // Histogram: per bucket, not cumulative;
                                   // the last one is +Inf.
    double sum = 0;                // Histogram.
  };
  std::string name;  // Counters end in "_total".
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // Histogram upper bounds, ascending.
  // Keyed by the label values, in label order (sorted for stable output).
  std::map<std::vector<std::string>, Series> series;
};

class MetricsRegistry;

// Handles: cheap to copy; valid while their registry lives.
class CounterFamily {
 public:
  CounterFamily() = default;
  // REQUIRES: labels.size() == the family's label count; amount >= 0.
  void Add(LabelValues labels, double amount = 1) const;

 private:
  friend class MetricsRegistry;
  friend class LazyCounter;
  CounterFamily(MetricsRegistry* r, uint32_t id) : registry_(r), id_(id) {}
  MetricsRegistry* registry_ = nullptr;
  uint32_t id_ = 0;
};

// An up/down gauge: the merged value is the sum of every Add(), so a value
// raised on one thread and lowered on another still adds up.
class GaugeFamily {
 public:
  GaugeFamily() = default;
  void Add(LabelValues labels, double delta) const;

 private:
  friend class MetricsRegistry;
  friend class LazyGauge;
  GaugeFamily(MetricsRegistry* r, uint32_t id) : registry_(r), id_(id) {}
  MetricsRegistry* registry_ = nullptr;
  uint32_t id_ = 0;
};

class HistogramFamily {
 public:
  HistogramFamily() = default;
  void Observe(LabelValues labels, double value) const;

 private:
  friend class MetricsRegistry;
  friend class LazyHistogram;
  HistogramFamily(MetricsRegistry* r, uint32_t id, const std::vector<double>* b)
      : registry_(r), id_(id), bounds_(b) {}
  MetricsRegistry* registry_ = nullptr;
  uint32_t id_ = 0;
  const std::vector<double>* bounds_ = nullptr;
};

// One series of a counter family whose labels are fixed where it is kept
// (a route's series): bound on its first Add (an unused one is not
// exported), then added to without building, hashing or looking up a key.
// Thread-safe; `labels` are read only by the first Add. REQUIRES: every
// Add passes the same family and labels.
class LazyCounter {
 public:
  void Add(const CounterFamily& family, LabelValues labels,
           double amount = 1) const;
  // Adds and returns true when bound; false (nothing added) otherwise, so
  // that a caller computes the labels only for the first Add().
  bool AddIfBound(const CounterFamily& family, double amount = 1) const;

 private:
  mutable std::atomic<uint32_t> cell_{0};  // First cell + 1; 0: unbound.
};

// The same for one series of a gauge family.
class LazyGauge {
 public:
  void Add(const GaugeFamily& family, LabelValues labels, double delta) const;

 private:
  void BindAndAdd(const GaugeFamily& family, LabelValues labels,
                  double delta) const;  // The first Add, out of line.
  mutable std::atomic<uint32_t> cell_{0};
};

// The same for one series of a histogram family.
class LazyHistogram {
 public:
  void Observe(const HistogramFamily& family, LabelValues labels,
               double value) const;

 private:
  void BindAndObserve(const HistogramFamily& family, LabelValues labels,
                      double value) const;  // The first Observe, out of line.
  mutable std::atomic<uint32_t> cell_{0};
};

// Sets the series of a family computed at scrape time (CollectorFamily).
class SampleSink {
 public:
  explicit SampleSink(FamilySample& family) : family_(family) {}
  void Set(std::vector<std::string> labels, double value) {
    family_.series[std::move(labels)].value = value;
  }

 private:
  FamilySample& family_;
};

// Default buckets: request durations in seconds and body sizes in bytes.
const std::vector<double>& DurationBuckets();
const std::vector<double>& SizeBuckets();

class MetricsRegistry {
 public:
  // Shards of cells: kShards - 1 owned by a thread each, one shared.
  static constexpr int kShards = 16;

  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Declare a family, or return the existing one of that name (declaring
  // twice, e.g. once per config snapshot, is fine). REQUIRES: a valid
  // Prometheus name, unique per type and labels; counters end in "_total".
  // A histogram keeps its first 254 bounds (ascending) at most.
  CounterFamily AddCounter(std::string name, std::string help,
                           std::vector<std::string> label_names);
  GaugeFamily AddGauge(std::string name, std::string help,
                       std::vector<std::string> label_names);
  HistogramFamily AddHistogram(std::string name, std::string help,
                               std::vector<std::string> label_names,
                               std::vector<double> bounds);
  // A family whose series `collect` sets at every scrape (process metrics,
  // endpoint health, build info). `collect` runs on the scraping thread and
  // must be safe to call from there until the registry is destroyed.
  void AddCollector(std::string name, std::string help, MetricType type,
                    std::vector<std::string> label_names,
                    absl::AnyInvocable<void(SampleSink&)> collect);

  // Every family in declaration order with its series summed over shards.
  std::vector<FamilySample> Collect();

 private:
  friend class CounterFamily;
  friend class GaugeFamily;
  friend class HistogramFamily;
  friend class LazyCounter;
  friend class LazyGauge;
  friend class LazyHistogram;
  struct Family;
  struct Series;
  struct Shard;
  // Cells are allocated in chunks of kChunkCells per shard, all shards at
  // once; a chunk never moves, so a bound cell index stays valid.
  // A series past kMaxChunks (4M cells: far beyond configuration-bounded
  // labels) records into the discard cells (chunk 0) and is not exported.
  // A histogram keeps at most kChunkCells - 2 bounds (AddHistogram).
  static constexpr uint32_t kChunkCells = 256;
  static constexpr uint32_t kMaxChunks = 16384;
  static constexpr uint32_t kDiscardCell = 0;

  uint32_t Declare(FamilySample info,
                   absl::AnyInvocable<void(SampleSink&)> collect);
  // The first cell of the series (`width` cells), made on first use.
  uint32_t CellOf(uint32_t family, LabelValues labels, uint32_t width);
  uint32_t CreateSeries(std::string_view key, uint32_t family,
                        LabelValues labels, uint32_t width);
  std::atomic<uint64_t>& Cell(int shard, uint32_t cell);
  void AddToCell(uint32_t cell, double amount);
  void ObserveAtCell(uint32_t cell, const std::vector<double>& bounds,
                     double value);
  // The same on a thread's first record: claims its shard, then records
  // (out of line, so that the common path saves no registers).
  void ClaimAndAddToCell(uint32_t cell, double amount);
  void ClaimAndObserveAtCell(uint32_t cell, const std::vector<double>& bounds,
                             double value);
  const Family& family(uint32_t id);

  absl::Mutex collect_mu_;  // One scrape at a time (collectors run once).
  absl::Mutex families_mu_;
  // A deque keeps each Family at its address while others are added.
  std::deque<Family> families_ ABSL_GUARDED_BY(families_mu_);
  absl::Mutex series_mu_;  // Taken when a shard sees a series first.
  std::deque<Series> series_ ABSL_GUARDED_BY(series_mu_);
  // Series key -> first cell.
  absl::flat_hash_map<std::string, uint32_t> series_cells_
      ABSL_GUARDED_BY(series_mu_);
  uint32_t next_cell_ ABSL_GUARDED_BY(series_mu_) = 0;
  std::unique_ptr<Shard[]> shards_;
  // kShards * kChunkCells cells each; written under series_mu_.
  std::unique_ptr<std::atomic<std::atomic<uint64_t>*>[]> chunks_;
};

}  // namespace protogate::observability
