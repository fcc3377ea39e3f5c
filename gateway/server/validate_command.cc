#include "gateway/server/validate_command.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace protogate::server {
namespace {

constexpr const char kInvalid[] = "protogate: configuration INVALID\n";

// "15 routes" / "1 route".
std::string Count(size_t n, absl::string_view noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

struct ServiceCounts {
  size_t routes = 0;
  size_t plans = 0;
};

ServiceCounts CountsOf(const proxy::Snapshot& snapshot,
                       const google::protobuf::ServiceDescriptor& service) {
  ServiceCounts counts;
  for (const routing::Route& route : snapshot.routes().routes()) {
    if (route.method->service() == &service) ++counts.routes;
  }
  for (int i = 0; i < service.method_count(); ++i) {
    if (snapshot.FindPlan(service.method(i)->full_name()) != nullptr) {
      ++counts.plans;
    }
  }
  return counts;
}

void PrintReport(const proxy::Snapshot& snapshot, std::FILE* out) {
  ServiceCounts total;
  for (const google::protobuf::ServiceDescriptor* service :
       snapshot.services()) {
    ServiceCounts counts = CountsOf(snapshot, *service);
    std::string line = absl::StrCat("service ", service->full_name(), ": ",
                                    Count(counts.routes, "route"));
    if (counts.plans > 0) {
      absl::StrAppend(&line, ", ", Count(counts.plans, "plan"));
    }
    std::fprintf(out, "%s\n", line.c_str());
    total.routes += counts.routes;
    total.plans += counts.plans;
  }
  std::fprintf(out, "protogate: configuration OK (%s, %s, %s)\n",
               Count(snapshot.services().size(), "service").c_str(),
               Count(total.routes, "route").c_str(),
               Count(total.plans, "plan").c_str());
}

}  // namespace

bool WantsValidation(absl::Span<const char* const> args) {
  for (const char* arg : args) {
    if (absl::string_view(arg) == "--validate") return true;
  }
  return false;
}

int RunValidation(ReloaderOptions options, std::FILE* out, std::FILE* err) {
  // The health checks would call the backends; the checks' settings were
  // validated with the config file.
  for (config::v1::Cluster& cluster :
       *options.initial.config.mutable_clusters()) {
    cluster.clear_health_check();
  }
  // Create() fetches the reflection sources and builds the first snapshot;
  // it starts no thread (that is Start()).
  absl::StatusOr<std::unique_ptr<Reloader>> reloader =
      Reloader::Create(std::move(options));
  if (!reloader.ok()) {
    std::fprintf(err, "protogate: %s\n%s",
                 std::string(reloader.status().message()).c_str(), kInvalid);
    return 1;
  }
  PrintReport(*(*reloader)->initial_snapshot(), out);
  return 0;
}

int ReportFlagError(const absl::Status& status,
                    absl::Span<const char* const> args, std::FILE* err) {
  const bool validating = WantsValidation(args);
  // A config file's problems (FailedPrecondition) come one per line.
  // --validate prints them as a compiler does ("FILE:LINE:COLUMN: ..."),
  // a start-up as its log lines; other errors (flags) name the program.
  const bool as_compiler =
      validating && status.code() == absl::StatusCode::kFailedPrecondition;
  for (absl::string_view line : absl::StrSplit(status.message(), '\n')) {
    std::fprintf(err, "%s%s\n",
                 as_compiler ? "" : "protogate: ", std::string(line).c_str());
  }
  if (!validating) return 2;
  std::fputs(kInvalid, err);
  return 1;
}

}  // namespace protogate::server
