// demo_bookstore: serves the demo Bookstore gRPC API until SIGINT/SIGTERM.
//
//   demo_bookstore [--listen HOST:PORT]
//
// Prints "listening on HOST:PORT" (the bound port, also for port 0) on
// stdout once it accepts calls.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/base/logging.h"
#include "tools/demo/demo_server.h"

namespace {

constexpr char kUsage[] =
    "Usage: demo_bookstore [--listen HOST:PORT]\n"
    "Serves the demo gRPC API demo.bookstore.v1.Bookstore with in-memory\n"
    "seed data until SIGINT or SIGTERM.\n"
    "  --listen HOST:PORT  address to listen on (default 127.0.0.1:50051);\n"
    "                      port 0 picks a free port. Prints\n"
    "                      \"listening on HOST:PORT\" once serving.\n"
    "  --help              this text\n";

enum class ParseResult { kRun, kHelp, kError };

ParseResult ParseArgs(int argc, char** argv, std::string& listen) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") return ParseResult::kHelp;
    if (arg == "--listen" && i + 1 < argc) {
      listen = argv[++i];
    } else if (arg.starts_with("--listen=")) {
      listen = std::string(arg.substr(std::strlen("--listen=")));
    } else {
      std::fprintf(stderr, "demo_bookstore: unexpected argument \"%s\"\n%s",
                   argv[i], kUsage);
      return ParseResult::kError;
    }
  }
  return ParseResult::kRun;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:50051";
  switch (ParseArgs(argc, argv, listen)) {
    case ParseResult::kHelp:
      std::fputs(kUsage, stdout);
      return 0;
    case ParseResult::kError:
      return 2;
    case ParseResult::kRun:
      break;
  }
  // Block the stop signals before gRPC starts threads, so that only the
  // sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<protogate::demo::DemoServer>> server =
      protogate::demo::DemoServer::Start(listen);
  if (!server.ok()) {
    std::fprintf(stderr, "demo_bookstore: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  std::printf("listening on %s\n", (*server)->address().c_str());
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  PG_LOG(kInfo) << "demo_bookstore: " << strsignal(signal_number)
                << ", shutting down";
  (*server)->Shutdown();
  return 0;
}
