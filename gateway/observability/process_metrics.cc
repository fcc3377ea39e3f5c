#include "gateway/observability/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace protogate::observability {
namespace {

// The fields of /proc/self/stat after the command name, from field 3 on.
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> fields;
  size_t end = line.rfind(')');  // The command name may contain spaces.
  if (end == std::string::npos) return fields;
  std::istringstream rest(line.substr(end + 1));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

double StatField(const std::vector<std::string>& fields, int number) {
  size_t index = static_cast<size_t>(number - 3);  // Fields are 1-based.
  return index < fields.size() ? std::stod(fields[index]) : 0;
}

std::optional<double> BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double value = 0;
      in >> value;
      return value;
    }
  }
  return std::nullopt;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // Not the descriptor that reads the directory.
}

}  // namespace

void AddProcessMetrics(MetricsRegistry& registry) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  registry.AddCollector(
      "process_cpu_seconds_total", "Total user and system CPU time spent.",
      MetricType::kCounter, {}, [ticks](SampleSink& sink) {
        std::vector<std::string> f = StatFields();
        sink.Set({}, (StatField(f, 14) + StatField(f, 15)) / ticks);
      });
  registry.AddCollector("process_resident_memory_bytes",
                        "Resident memory size in bytes.", MetricType::kGauge,
                        {}, [page](SampleSink& sink) {
                          sink.Set({}, StatField(StatFields(), 24) * page);
                        });
  registry.AddCollector(
      "process_virtual_memory_bytes", "Virtual memory size in bytes.",
      MetricType::kGauge, {},
      [](SampleSink& sink) { sink.Set({}, StatField(StatFields(), 23)); });
  registry.AddCollector("process_open_fds", "Number of open file descriptors.",
                        MetricType::kGauge, {},
                        [](SampleSink& sink) { sink.Set({}, OpenFds()); });
  registry.AddCollector("process_max_fds",
                        "Maximum number of open file descriptors.",
                        MetricType::kGauge, {}, [](SampleSink& sink) {
                          rlimit limit{};
                          if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
                            sink.Set({}, static_cast<double>(limit.rlim_cur));
                          }
                        });
  registry.AddCollector(
      "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.",
      MetricType::kGauge, {}, [ticks](SampleSink& sink) {
        std::optional<double> boot = BootTimeSeconds();
        if (!boot) return;
        sink.Set({}, *boot + StatField(StatFields(), 22) / ticks);
      });
}

}  // namespace protogate::observability
