#include "gateway/observability/metrics_registry.h"

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace protogate::observability {
namespace {

FamilySample Find(const std::vector<FamilySample>& families,
                  std::string_view name) {
  for (const FamilySample& family : families) {
    if (family.name == name) return family;
  }
  ADD_FAILURE() << "no family " << name;
  return {};
}

TEST(MetricsRegistryTest, CountersFromManyThreadsAddUp) {
  MetricsRegistry registry;
  CounterFamily requests =
      registry.AddCounter("t_requests_total", "Requests.", {"route", "code"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * MetricsRegistry::kShards; ++t) {
    threads.emplace_back([&requests, t] {
      for (int i = 0; i < 1000; ++i) {
        requests.Add({"a", t % 2 == 0 ? "200" : "500"});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  FamilySample family = Find(registry.Collect(), "t_requests_total");
  ASSERT_EQ(family.series.size(), 2u);
  EXPECT_EQ(family.series.at({"a", "200"}).value, 16000);
  EXPECT_EQ(family.series.at({"a", "500"}).value, 16000);
}

// Twice as many threads as shards, all alive at once: kShards - 1 own a
// shard, the others share the last one, and every add is counted; a shard
// released by an exited thread is owned by the next and keeps its counts.
TEST(MetricsRegistryTest, OwnedAndSharedShardsAddUp) {
  MetricsRegistry registry;
  CounterFamily requests =
      registry.AddCounter("t_requests_total", "Requests.", {});
  HistogramFamily latency =
      registry.AddHistogram("t_seconds", "Latency.", {}, {1});
  LazyGauge bound_in_flight;
  GaugeFamily in_flight = registry.AddGauge("t_in_flight", "In flight.", {});
  constexpr int kThreads = 2 * MetricsRegistry::kShards;
  for (int round = 0; round < 2; ++round) {
    std::latch all_alive(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        requests.Add({});
        all_alive.arrive_and_wait();  // Every thread holds its shard now.
        for (int i = 0; i < 999; ++i) {
          requests.Add({});
          latency.Observe({}, 0.5);
          bound_in_flight.Add(in_flight, {}, 1);
        }
        latency.Observe({}, 0.5);
        bound_in_flight.Add(in_flight, {}, -999);
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  std::vector<FamilySample> families = registry.Collect();
  EXPECT_EQ(Find(families, "t_requests_total").series.at({}).value,
            2 * kThreads * 1000);
  const FamilySample latency_sample = Find(families, "t_seconds");
  const FamilySample::Series& seconds = latency_sample.series.at({});
  EXPECT_EQ(seconds.counts, (std::vector<uint64_t>{2 * kThreads * 1000, 0}));
  EXPECT_DOUBLE_EQ(seconds.sum, 2 * kThreads * 1000 * 0.5);
  EXPECT_EQ(Find(families, "t_in_flight").series.at({}).value, 0);
}

// Scrapes while owned shards are written: every scrape sees a count that
// never goes down, and the last one sees every add (TSan checks the plain
// stores against the scraper's loads).
TEST(MetricsRegistryTest, ScrapesDuringAddsSeeCountsGrow) {
  MetricsRegistry registry;
  CounterFamily requests =
      registry.AddCounter("t_requests_total", "Requests.", {});
  constexpr int kWriters = 4;
  constexpr int kAdds = 20000;
  std::atomic<int> done{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < kAdds; ++i) requests.Add({});
      done.fetch_add(1);
    });
  }
  double last = 0;
  for (int scrape = 0; scrape < 1000 && done.load() < kWriters; ++scrape) {
    std::vector<FamilySample> families = registry.Collect();
    const FamilySample sample = Find(families, "t_requests_total");
    const double now =
        sample.series.empty() ? 0 : sample.series.begin()->second.value;
    EXPECT_GE(now, last);
    last = now;
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(Find(registry.Collect(), "t_requests_total").series.at({}).value,
            kWriters * kAdds);
}

TEST(MetricsRegistryTest, GaugeRaisedOnOneThreadLoweredOnAnother) {
  MetricsRegistry registry;
  GaugeFamily in_flight = registry.AddGauge("t_in_flight", "In flight.", {});
  std::thread([&] { in_flight.Add({}, 3); }).join();
  std::thread([&] { in_flight.Add({}, -2); }).join();
  EXPECT_EQ(Find(registry.Collect(), "t_in_flight").series.at({}).value, 1);
}

TEST(MetricsRegistryTest, HistogramCountsEachObservationInItsBucket) {
  MetricsRegistry registry;
  HistogramFamily latency =
      registry.AddHistogram("t_seconds", "Latency.", {"route"}, {0.1, 1});
  latency.Observe({"r"}, 0.05);
  latency.Observe({"r"}, 0.1);  // Upper bounds are inclusive (le).
  latency.Observe({"r"}, 0.5);
  latency.Observe({"r"}, 7);
  FamilySample family = Find(registry.Collect(), "t_seconds");
  const FamilySample::Series& series = family.series.at({"r"});
  EXPECT_EQ(series.counts, (std::vector<uint64_t>{2, 1, 1}));
  EXPECT_DOUBLE_EQ(series.sum, 7.65);
}

TEST(MetricsRegistryTest, DeclaringAgainReturnsTheSameFamily) {
  MetricsRegistry registry;
  CounterFamily first = registry.AddCounter("t_total", "T.", {"x"});
  CounterFamily second = registry.AddCounter("t_total", "T.", {"x"});
  first.Add({"v"});
  second.Add({"v"}, 2);
  std::vector<FamilySample> families = registry.Collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].series.at({"v"}).value, 3);
}

TEST(MetricsRegistryTest, CollectorRunsAtEveryScrape) {
  MetricsRegistry registry;
  int scrapes = 0;
  registry.AddCollector(
      "t_scrapes", "Scrapes.", MetricType::kGauge, {"k"},
      [&scrapes](SampleSink& sink) { sink.Set({"v"}, ++scrapes); });
  registry.Collect();
  EXPECT_EQ(Find(registry.Collect(), "t_scrapes").series.at({"v"}).value, 2);
}

TEST(MetricsRegistryTest, EmptyLabelValuesAreKeptApart) {
  MetricsRegistry registry;
  CounterFamily c = registry.AddCounter("t_total", "T.", {"a", "b"});
  c.Add({"", "x"});
  c.Add({"x", ""});
  FamilySample family = Find(registry.Collect(), "t_total");
  EXPECT_EQ(family.series.size(), 2u);
  EXPECT_EQ(family.series.at({"", "x"}).value, 1);
}

// A lazily bound series is exported only once used, then shares its cells
// with the same labels recorded by lookup, from any thread.
TEST(MetricsRegistryTest, LazySeriesBindOnFirstUseAndAddUpWithLookups) {
  MetricsRegistry registry;
  CounterFamily requests =
      registry.AddCounter("t_requests_total", "Requests.", {"route"});
  HistogramFamily latency =
      registry.AddHistogram("t_seconds", "Latency.", {"route"}, {0.1, 1});
  LazyCounter bound_requests;
  LazyHistogram bound_latency;
  EXPECT_TRUE(Find(registry.Collect(), "t_requests_total").series.empty());
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * MetricsRegistry::kShards; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        bound_requests.Add(requests, {"a"});
        bound_latency.Observe(latency, {"a"}, 0.5);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  requests.Add({"a"}, 2);
  latency.Observe({"a"}, 0.05);
  std::vector<FamilySample> families = registry.Collect();
  EXPECT_EQ(Find(families, "t_requests_total").series.at({"a"}).value, 3202);
  const FamilySample seconds = Find(families, "t_seconds");
  const FamilySample::Series& series = seconds.series.at({"a"});
  EXPECT_EQ(series.counts, (std::vector<uint64_t>{1, 3200, 0}));
  EXPECT_DOUBLE_EQ(series.sum, 1600.05);
}

// Series beyond one chunk of cells (wide histograms, many label values)
// keep their own counts.
TEST(MetricsRegistryTest, ManySeriesKeepTheirOwnCells) {
  MetricsRegistry registry;
  std::vector<double> bounds;
  for (int b = 1; b <= 40; ++b) bounds.push_back(b);
  HistogramFamily sizes = registry.AddHistogram("t_sizes", "S.", {"k"}, bounds);
  CounterFamily counts = registry.AddCounter("t_total", "T.", {"k"});
  for (int k = 0; k < 300; ++k) {
    for (int i = 0; i <= k % 7; ++i) {
      counts.Add({std::to_string(k)});
      sizes.Observe({std::to_string(k)}, k % 41 + 0.5);  // Bucket k % 41.
    }
  }
  std::vector<FamilySample> families = registry.Collect();
  const FamilySample total = Find(families, "t_total");
  const FamilySample histogram = Find(families, "t_sizes");
  for (int k = 0; k < 300; ++k) {
    const std::vector<std::string> labels = {std::to_string(k)};
    ASSERT_EQ(total.series.at(labels).value, k % 7 + 1);
    const FamilySample::Series& series = histogram.series.at(labels);
    ASSERT_EQ(series.counts.size(), 41u);
    EXPECT_EQ(series.counts[k % 41], static_cast<uint64_t>(k % 7 + 1)) << k;
  }
}

// A histogram keeps at most 254 bounds, so that its cells fit in one chunk.
TEST(MetricsRegistryTest, TooManyBoundsAreCutToAChunk) {
  MetricsRegistry registry;
  std::vector<double> bounds;
  for (int b = 1; b <= 300; ++b) bounds.push_back(b);
  HistogramFamily wide = registry.AddHistogram("t_wide", "W.", {}, bounds);
  wide.Observe({}, 3);
  wide.Observe({}, 280);
  FamilySample family = Find(registry.Collect(), "t_wide");
  EXPECT_EQ(family.bounds.size(), 254u);
  const FamilySample::Series& series = family.series.at({});
  ASSERT_EQ(series.counts.size(), 255u);
  EXPECT_EQ(series.counts[2], 1u);
  EXPECT_EQ(series.counts[254], 1u);  // +Inf.
}

}  // namespace
}  // namespace protogate::observability
