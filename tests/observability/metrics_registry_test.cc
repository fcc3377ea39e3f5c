#include "gateway/observability/metrics_registry.h"

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

}  // namespace
}  // namespace protogate::observability
