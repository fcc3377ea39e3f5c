#include "gateway/observability/metrics_registry.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "gateway/base/strings.h"

namespace protogate::observability {
namespace {

// Separates label values inside a series key; 0xFF never occurs in UTF-8.
constexpr char kSeparator = '\xff';

// Shards a thread may own: each is claimed by one thread at a time (a bit
// in claimed_shards) and released when that thread exits. The last shard is
// shared by the threads that found none free.
constexpr int kSharedShard = MetricsRegistry::kShards - 1;
static_assert(MetricsRegistry::kShards <= 32, "claims are bits of a uint32");
constexpr uint32_t kOwnableShards = (uint32_t{1} << kSharedShard) - 1;
constinit std::atomic<uint32_t> claimed_shards{0};

// The calling thread's shard; -1 until its first record. Trivially
// constructed and destroyed, so reading it is one load (no guard, no call).
thread_local int thread_shard = -1;

// Releases the thread's owned shard when the thread exits; what the thread
// records after that (from another thread_local's destructor) goes to the
// shared shard.
struct ShardRelease {
  ~ShardRelease() {
    if (thread_shard >= 0 && thread_shard != kSharedShard) {
      claimed_shards.fetch_and(~(uint32_t{1} << thread_shard),
                               std::memory_order_release);
    }
    thread_shard = kSharedShard;
  }
};

// Claims the first free ownable shard for the calling thread (in every
// registry: a thread owns the same shard index in each), or takes the
// shared one when none is free. The acquire pairs with the release of the
// shard's previous owner, so its last plain stores happen before the new
// owner's.
void ClaimShard() {
  thread_local ShardRelease release;  // Registers the release at exit.
  (void)release;
  uint32_t claimed = claimed_shards.load(std::memory_order_relaxed);
  int shard = kSharedShard;
  while (true) {
    const uint32_t free = ~claimed & kOwnableShards;
    if (free == 0) break;
    const int candidate = std::countr_zero(free);
    if (claimed_shards.compare_exchange_weak(
            claimed, claimed | (uint32_t{1} << candidate),
            std::memory_order_acquire, std::memory_order_relaxed)) {
      shard = candidate;
      break;
    }
  }
  thread_shard = shard;
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

// A double kept in a cell's bits.
uint64_t Bits(double value) { return std::bit_cast<uint64_t>(value); }
double Value(uint64_t bits) { return std::bit_cast<double>(bits); }

// Adds to a cell of `shard`: an owned shard's cell is written only by its
// owner, with a plain load and store (no locked instruction); the shared
// shard's with an atomic read-modify-write. Either way Collect() reads it
// with an atomic load.
void AddCount(std::atomic<uint64_t>& cell, int shard) {
  if (shard != kSharedShard) {
    cell.store(cell.load(std::memory_order_relaxed) + 1,
               std::memory_order_relaxed);
  } else {
    cell.fetch_add(1, std::memory_order_relaxed);
  }
}

void AddDouble(std::atomic<uint64_t>& cell, double amount, int shard) {
  uint64_t old = cell.load(std::memory_order_relaxed);
  if (shard != kSharedShard) {
    cell.store(Bits(Value(old) + amount), std::memory_order_relaxed);
    return;
  }
  while (!cell.compare_exchange_weak(old, Bits(Value(old) + amount),
                                     std::memory_order_relaxed)) {
  }
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

struct MetricsRegistry::Series {
  uint32_t family;
  std::vector<std::string> labels;
  uint32_t cell;  // First cell: the value; a histogram's bucket counts
                  // (+Inf last), then its sum.
  uint32_t width;
};

// Aligned so that two shards' tables never share a cache line.
struct alignas(64) MetricsRegistry::Shard {
  absl::Mutex mu;
  // Series key -> first cell, for the series this shard's threads used.
  absl::flat_hash_map<std::string, uint32_t> cells ABSL_GUARDED_BY(mu);
};

MetricsRegistry::MetricsRegistry()
    : shards_(new Shard[kShards]),
      chunks_(new std::atomic<std::atomic<uint64_t>*>[kMaxChunks]) {
  for (uint32_t i = 1; i < kMaxChunks; ++i) chunks_[i].store(nullptr);
  // Chunk 0 is the discard area (kDiscardCell): a series that does not fit
  // records there and is never exported.
  auto* discard = new std::atomic<uint64_t>[kShards * kChunkCells];
  for (uint32_t i = 0; i < kShards * kChunkCells; ++i) discard[i].store(0);
  chunks_[0].store(discard);
  absl::MutexLock lock(&series_mu_);
  next_cell_ = kChunkCells;
}

MetricsRegistry::~MetricsRegistry() {
  for (uint32_t i = 0; i < kMaxChunks; ++i) delete[] chunks_[i].load();
}

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
  // A series' cells (buckets, +Inf, sum) fit in one chunk.
  if (bounds.size() > kChunkCells - 2) bounds.resize(kChunkCells - 2);
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

std::atomic<uint64_t>& MetricsRegistry::Cell(int shard, uint32_t cell) {
  std::atomic<uint64_t>* chunk =
      chunks_[cell / kChunkCells].load(std::memory_order_acquire);
  return chunk[static_cast<uint32_t>(shard) * kChunkCells + cell % kChunkCells];
}

uint32_t MetricsRegistry::CreateSeries(std::string_view key, uint32_t family,
                                       LabelValues labels, uint32_t width) {
  absl::MutexLock lock(&series_mu_);
  auto [it, inserted] = series_cells_.try_emplace(base::ToAbsl(key), 0);
  if (!inserted) return it->second;
  // A series' cells never straddle two chunks.
  if (next_cell_ / kChunkCells != (next_cell_ + width - 1) / kChunkCells) {
    next_cell_ = (next_cell_ / kChunkCells + 1) * kChunkCells;
  }
  const uint32_t chunk = next_cell_ / kChunkCells;
  if (chunk >= kMaxChunks) return kDiscardCell;
  if (chunks_[chunk].load(std::memory_order_relaxed) == nullptr) {
    auto* cells = new std::atomic<uint64_t>[kShards * kChunkCells];
    for (uint32_t i = 0; i < kShards * kChunkCells; ++i) cells[i].store(0);
    chunks_[chunk].store(cells, std::memory_order_release);
  }
  it->second = next_cell_;
  next_cell_ += width;
  Series& series = series_.emplace_back();
  series.family = family;
  for (std::string_view value : labels) series.labels.emplace_back(value);
  series.cell = it->second;
  series.width = width;
  return series.cell;
}

uint32_t MetricsRegistry::CellOf(uint32_t family, LabelValues labels,
                                 uint32_t width) {
  const std::string_view key = SeriesKey(family, labels);
  if (thread_shard < 0) ClaimShard();
  Shard& shard = shards_[thread_shard];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.cells.find(base::ToAbsl(key));
  if (it == shard.cells.end()) {
    const uint32_t cell = CreateSeries(key, family, labels, width);
    it = shard.cells.try_emplace(base::ToAbsl(key), cell).first;
  }
  return it->second;
}

void MetricsRegistry::AddToCell(uint32_t cell, double amount) {
  const int shard = thread_shard;
  if (shard < 0) [[unlikely]] {
    return ClaimAndAddToCell(cell, amount);
  }
  AddDouble(Cell(shard, cell), amount, shard);
}

[[gnu::noinline]] void MetricsRegistry::ClaimAndAddToCell(uint32_t cell,
                                                          double amount) {
  ClaimShard();
  AddToCell(cell, amount);
}

[[gnu::noinline]] void MetricsRegistry::ClaimAndObserveAtCell(
    uint32_t cell, const std::vector<double>& bounds, double value) {
  ClaimShard();
  ObserveAtCell(cell, bounds, value);
}

void MetricsRegistry::ObserveAtCell(uint32_t cell,
                                    const std::vector<double>& bounds,
                                    double value) {
  const int shard = thread_shard;
  if (shard < 0) [[unlikely]] {
    return ClaimAndObserveAtCell(cell, bounds, value);
  }
  // The first bound >= value, by a scan from the lowest: requests' sizes
  // and durations mostly fall in the first few buckets, where a scan ends
  // after a compare or two while a binary search always takes four.
  const double* const bound = bounds.data();
  const auto size = static_cast<uint32_t>(bounds.size());
  uint32_t bucket = 0;
  while (bucket < size && bound[bucket] < value) ++bucket;
  // A series' cells are in one chunk (CreateSeries): its bucket and sum
  // cells are found from one chunk pointer.
  std::atomic<uint64_t>* const series = &Cell(shard, cell);
  AddCount(series[bucket], shard);
  AddDouble(series[size + 1], value, shard);
}

void CounterFamily::Add(LabelValues labels, double amount) const {
  registry_->AddToCell(registry_->CellOf(id_, labels, 1), amount);
}

void GaugeFamily::Add(LabelValues labels, double delta) const {
  registry_->AddToCell(registry_->CellOf(id_, labels, 1), delta);
}

void HistogramFamily::Observe(LabelValues labels, double value) const {
  const auto width = static_cast<uint32_t>(bounds_->size() + 2);
  registry_->ObserveAtCell(registry_->CellOf(id_, labels, width), *bounds_,
                           value);
}

void LazyCounter::Add(const CounterFamily& family, LabelValues labels,
                      double amount) const {
  uint32_t cell = cell_.load(std::memory_order_acquire);
  if (cell == 0) {
    cell = family.registry_->CellOf(family.id_, labels, 1) + 1;
    cell_.store(cell, std::memory_order_release);
  }
  family.registry_->AddToCell(cell - 1, amount);
}

bool LazyCounter::AddIfBound(const CounterFamily& family, double amount) const {
  const uint32_t cell = cell_.load(std::memory_order_acquire);
  if (cell == 0) return false;
  family.registry_->AddToCell(cell - 1, amount);
  return true;
}

void LazyGauge::Add(const GaugeFamily& family, LabelValues labels,
                    double delta) const {
  const uint32_t cell = cell_.load(std::memory_order_acquire);
  if (cell == 0) [[unlikely]] {
    return BindAndAdd(family, labels, delta);
  }
  family.registry_->AddToCell(cell - 1, delta);
}

[[gnu::noinline]] void LazyGauge::BindAndAdd(const GaugeFamily& family,
                                             LabelValues labels,
                                             double delta) const {
  const uint32_t cell = family.registry_->CellOf(family.id_, labels, 1) + 1;
  cell_.store(cell, std::memory_order_release);
  family.registry_->AddToCell(cell - 1, delta);
}

void LazyHistogram::Observe(const HistogramFamily& family, LabelValues labels,
                            double value) const {
  const uint32_t cell = cell_.load(std::memory_order_acquire);
  if (cell == 0) [[unlikely]] {
    return BindAndObserve(family, labels, value);
  }
  family.registry_->ObserveAtCell(cell - 1, *family.bounds_, value);
}

[[gnu::noinline]] void LazyHistogram::BindAndObserve(
    const HistogramFamily& family, LabelValues labels, double value) const {
  const auto width = static_cast<uint32_t>(family.bounds_->size() + 2);
  const uint32_t cell = family.registry_->CellOf(family.id_, labels, width) + 1;
  cell_.store(cell, std::memory_order_release);
  family.registry_->ObserveAtCell(cell - 1, *family.bounds_, value);
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
  absl::MutexLock lock(&series_mu_);
  for (const Series& series : series_) {
    if (series.family >= out.size()) continue;  // Declared after the copy.
    FamilySample& family = out[series.family];
    FamilySample::Series& sample = family.series[series.labels];
    if (family.type != MetricType::kHistogram) {
      for (int s = 0; s < kShards; ++s) {
        sample.value +=
            Value(Cell(s, series.cell).load(std::memory_order_relaxed));
      }
      continue;
    }
    const uint32_t buckets = series.width - 1;
    sample.counts.assign(buckets, 0);
    for (int s = 0; s < kShards; ++s) {
      for (uint32_t b = 0; b < buckets; ++b) {
        sample.counts[b] +=
            Cell(s, series.cell + b).load(std::memory_order_relaxed);
      }
      sample.sum +=
          Value(Cell(s, series.cell + buckets).load(std::memory_order_relaxed));
    }
  }
  return out;
}

}  // namespace protogate::observability
