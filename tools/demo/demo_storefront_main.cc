// demo_storefront: serves the demo storefront backends (Catalog, Pricing,
// Inventory, Reviews) on one address until SIGINT/SIGTERM.
//
//   demo_storefront [--listen HOST:PORT] [--delay_ms SERVICE=N]...
//                   [--fail SERVICE[=CODE]]...
//
// Prints "listening on HOST:PORT" (the bound port, also for port 0) on
// stdout once it accepts calls. See storefront_flags.h for the flags.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/base/logging.h"
#include "tools/demo/storefront_flags.h"
#include "tools/demo/storefront_server.h"

namespace {

using protogate::demo::StorefrontFlags;
using protogate::demo::StorefrontServer;

// Blocks SIGINT and SIGTERM in this thread (before gRPC starts threads, so
// that they inherit the mask) and returns the set for sigwait().
sigset_t BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

int Serve(const StorefrontFlags& flags) {
  sigset_t stop_signals = BlockStopSignals();
  absl::StatusOr<std::unique_ptr<StorefrontServer>> server =
      StorefrontServer::Start(flags.listen);
  if (!server.ok()) {
    std::fprintf(stderr, "demo_storefront: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  ApplyStorefrontFlags(flags, (*server)->knobs());
  std::printf("listening on %s\n", (*server)->address().c_str());
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  PG_LOG(kInfo) << "demo_storefront: " << strsignal(signal_number)
                << ", shutting down";
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  absl::StatusOr<StorefrontFlags> flags =
      protogate::demo::ParseStorefrontFlags(args);
  if (!flags.ok()) {
    std::fprintf(stderr, "demo_storefront: %s\n%s",
                 std::string(flags.status().message()).c_str(),
                 protogate::demo::kStorefrontUsage);
    return 2;
  }
  if (flags->help) {
    std::fputs(protogate::demo::kStorefrontUsage, stdout);
    return 0;
  }
  return Serve(*flags);
}
