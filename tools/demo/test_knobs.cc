#include "tools/demo/test_knobs.h"

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace protogate::demo {
namespace {

constexpr int kMaxDelayMs = 10000;
// How often a delayed handler checks whether its call was cancelled.
constexpr absl::Duration kCancelPollInterval = absl::Milliseconds(5);

absl::string_view View(grpc::string_ref ref) {
  return absl::string_view(ref.data(), ref.size());
}

grpc::Status Delay(grpc::ServerContext& context, absl::string_view value) {
  int ms = 0;
  if (!absl::SimpleAtoi(value, &ms) || ms < 0 || ms > kMaxDelayMs) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("x-demo-delay-ms: expected 0..",
                                     kMaxDelayMs, ", got \"", value, "\""));
  }
  WaitUnlessCancelled(context, absl::Milliseconds(ms));
  return grpc::Status::OK;
}

grpc::Status Fail(absl::string_view value) {
  int code = 0;
  if (!absl::SimpleAtoi(value, &code) || code < 1 || code > 16) {
    code = grpc::StatusCode::UNAVAILABLE;
  }
  return grpc::Status(static_cast<grpc::StatusCode>(code),
                      "demo failure requested by x-demo-fail");
}

}  // namespace

void WaitUnlessCancelled(grpc::ServerContext& context, absl::Duration delay) {
  const absl::Time until = absl::Now() + delay;
  for (absl::Time now = absl::Now(); now < until && !context.IsCancelled();
       now = absl::Now()) {
    absl::SleepFor(std::min(kCancelPollInterval, until - now));
  }
}

grpc::Status ApplyTestKnobs(grpc::ServerContext& context) {
  return ApplyTestKnobs(context, TestKnobOptions());
}

grpc::Status ApplyTestKnobs(grpc::ServerContext& context,
                            const TestKnobOptions& options) {
  context.AddInitialMetadata("x-demo-server", options.server_name);
  const auto& metadata = context.client_metadata();
  for (const auto& [key, value] : metadata) {
    if (absl::StartsWith(View(key), "x-demo-echo-")) {
      context.AddTrailingMetadata(std::string(View(key)),
                                  std::string(View(value)));
    }
  }
  if (options.delay > absl::ZeroDuration()) {
    WaitUnlessCancelled(context, options.delay);
  }
  if (auto it = metadata.find("x-demo-delay-ms"); it != metadata.end()) {
    if (grpc::Status s = Delay(context, View(it->second)); !s.ok()) return s;
  }
  if (auto it = metadata.find("x-demo-fail"); it != metadata.end()) {
    return Fail(View(it->second));
  }
  if (options.fail != grpc::StatusCode::OK) {
    return grpc::Status(options.fail, options.fail_message);
  }
  return grpc::Status::OK;
}

}  // namespace protogate::demo
