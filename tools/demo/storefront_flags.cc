#include "tools/demo/storefront_flags.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"

namespace protogate::demo {

const char kStorefrontUsage[] =
    "Usage: demo_storefront [--listen HOST:PORT] [--delay_ms SERVICE=N]...\n"
    "                       [--fail SERVICE[=CODE]]...\n"
    "Serves the demo storefront backends demo.storefront.v1.Catalog,\n"
    "Pricing, Inventory and Reviews (proto/demo/storefront.proto) with\n"
    "in-memory seed data (products p1..p8) until SIGINT or SIGTERM.\n"
    "  --listen HOST:PORT      address to listen on (default\n"
    "                          127.0.0.1:50052); port 0 picks a free port.\n"
    "                          Prints \"listening on HOST:PORT\" once "
    "serving.\n"
    "  --delay_ms SERVICE=N    every call to SERVICE (catalog, pricing,\n"
    "                          inventory, reviews) waits N ms (0..10000);\n"
    "                          repeatable.\n"
    "  --fail SERVICE[=CODE]   every call to SERVICE fails with gRPC code\n"
    "                          CODE (1..16, default 14 UNAVAILABLE);\n"
    "                          repeatable.\n"
    "  --help                  this text\n"
    "Per-request metadata knobs work too: x-demo-delay-ms: N,\n"
    "x-demo-fail: CODE, x-demo-echo-*.\n";

namespace {

constexpr int kMaxDelayMs = 10000;

absl::Status Bad(std::string_view flag, std::string_view value,
                 std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(base::ToAbsl(flag), " \"",
                                                 base::ToAbsl(value),
                                                 "\": ", base::ToAbsl(why)));
}

absl::StatusOr<StorefrontBackend> Service(std::string_view flag,
                                          std::string_view value,
                                          std::string_view name) {
  std::optional<StorefrontBackend> backend = ParseBackendName(name);
  if (!backend.has_value()) {
    return Bad(flag, value,
               "unknown service; want catalog, pricing, inventory or reviews");
  }
  return *backend;
}

absl::Status AddDelay(std::string_view value, StorefrontFlags& flags) {
  const size_t eq = value.find('=');
  if (eq == std::string_view::npos) {
    return Bad("--delay_ms", value, "want SERVICE=N");
  }
  PG_ASSIGN_OR_RETURN(StorefrontBackend backend,
                      Service("--delay_ms", value, value.substr(0, eq)));
  int ms = 0;
  if (!absl::SimpleAtoi(base::ToAbsl(value.substr(eq + 1)), &ms) || ms < 0 ||
      ms > kMaxDelayMs) {
    return Bad("--delay_ms", value, "N must be 0..10000");
  }
  flags.delays.emplace_back(backend, absl::Milliseconds(ms));
  return absl::OkStatus();
}

absl::Status AddFailure(std::string_view value, StorefrontFlags& flags) {
  const size_t eq = value.find('=');
  PG_ASSIGN_OR_RETURN(StorefrontBackend backend,
                      Service("--fail", value, value.substr(0, eq)));
  int code = grpc::StatusCode::UNAVAILABLE;
  if (eq != std::string_view::npos &&
      (!absl::SimpleAtoi(base::ToAbsl(value.substr(eq + 1)), &code) ||
       code < 1 || code > 16)) {
    return Bad("--fail", value, "CODE must be 1..16");
  }
  flags.failures.emplace_back(backend, static_cast<grpc::StatusCode>(code));
  return absl::OkStatus();
}

// Splits "--flag=value" or "--flag value" (consuming the next argument).
absl::StatusOr<std::string_view> ValueOf(
    const std::vector<std::string_view>& args, size_t& i,
    std::string_view flag) {
  const std::string_view arg = args[i];
  if (arg.size() > flag.size() && arg[flag.size()] == '=') {
    return arg.substr(flag.size() + 1);
  }
  if (i + 1 >= args.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(base::ToAbsl(flag), ": missing value"));
  }
  return args[++i];
}

bool Is(std::string_view arg, std::string_view flag) {
  return arg == flag || (arg.starts_with(flag) && arg.size() > flag.size() &&
                         arg[flag.size()] == '=');
}

}  // namespace

absl::StatusOr<StorefrontFlags> ParseStorefrontFlags(
    const std::vector<std::string_view>& args) {
  StorefrontFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
    } else if (Is(arg, "--listen")) {
      PG_ASSIGN_OR_RETURN(std::string_view v, ValueOf(args, i, "--listen"));
      flags.listen = std::string(v);
    } else if (Is(arg, "--delay_ms")) {
      PG_ASSIGN_OR_RETURN(std::string_view v, ValueOf(args, i, "--delay_ms"));
      PG_RETURN_IF_ERROR(AddDelay(v, flags));
    } else if (Is(arg, "--fail")) {
      PG_ASSIGN_OR_RETURN(std::string_view v, ValueOf(args, i, "--fail"));
      PG_RETURN_IF_ERROR(AddFailure(v, flags));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", base::ToAbsl(arg), "\""));
    }
  }
  return flags;
}

void ApplyStorefrontFlags(const StorefrontFlags& flags,
                          StorefrontKnobs& knobs) {
  for (const auto& [backend, delay] : flags.delays) {
    knobs.SetDelay(backend, delay);
  }
  for (const auto& [backend, code] : flags.failures) {
    knobs.SetFailure(backend, code);
  }
}

}  // namespace protogate::demo
