// protogate: serves REST/JSON requests by calling gRPC backends.
// See `protogate --help` and README.md.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gateway/base/logging.h"
#include "gateway/base/status_macros.h"
#include "gateway/http/server.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/server/config_flags.h"
#include "gateway/server/flags.h"
#include "gateway/server/gateway.h"
#include "gateway/server/reloader.h"
#include "gateway/server/stages.h"
#include "gateway/server/telemetry.h"

namespace protogate::server {
namespace {

proxy::SnapshotOptions SnapshotOptionsFrom(const GatewayFlags& flags,
                                           StageEnvironment& stages) {
  proxy::SnapshotOptions options;
  options.build_stages =
      [config = flags.config, &stages](
          const routing::RouteTable& routes,
          std::shared_ptr<const policy::HeaderRules> header_rules) {
        return BuildStageChain(config, routes, std::move(header_rules), stages);
      };
  options.descriptor_sets = flags.descriptor_sets;
  options.clusters = flags.clusters;
  options.routes = flags.routes;
  options.backends = flags.backends;
  options.upstream.default_timeout = flags.timeout;
  options.http_rules = flags.http_rules;
  options.grpc_paths = flags.grpc_paths;
  options.query_plus_as_space = flags.query_plus_as_space;
  options.always_ignored_query_params = flags.always_ignored_query_params;
  options.ignore_unknown_query_params = flags.ignore_unknown_query_params;
  options.methods = flags.methods;
  options.protos = flags.protos;
  options.proto_paths = flags.proto_paths;
  options.default_retries = flags.default_retries;
  options.retry_budget = flags.retry_budget;
  options.headers = flags.headers;
  return options;
}

// The options of a reloaded snapshot (SIGHUP, file change, reflection
// change): the config file is read again (its clusters, routes, method and
// HTTP settings apply; listen address, threads and limits of the running
// server and the list of descriptor sources do not change), with the
// command-line flags over it.
absl::StatusOr<proxy::SnapshotOptions> NextSnapshotOptions(
    const GatewayFlags& flags, StageEnvironment& stages) {
  GatewayFlags next = flags;
  if (!flags.config_file.empty()) {
    GatewayFlags from_file;
    PG_RETURN_IF_ERROR(ApplyConfigFile(flags.config_file, from_file));
    next.http_rules = from_file.http_rules;
    next.grpc_paths = from_file.grpc_paths;
    next.query_plus_as_space = from_file.query_plus_as_space;
    next.always_ignored_query_params = from_file.always_ignored_query_params;
    next.ignore_unknown_query_params = from_file.ignore_unknown_query_params;
    next.methods = from_file.methods;
    // New channels and health checks; health starts over (all healthy).
    next.clusters = from_file.clusters;
    next.routes = from_file.routes;
    next.default_retries = from_file.default_retries;
    next.retry_budget = from_file.retry_budget;
    next.headers = from_file.headers;
    next.config = from_file.config;
  }
  return SnapshotOptionsFrom(next, stages);
}

ReloaderOptions ReloaderOptionsFrom(const GatewayFlags& flags,
                                    StageEnvironment& stages) {
  ReloaderOptions options;
  options.initial = SnapshotOptionsFrom(flags, stages);
  options.next = [flags, &stages] {
    return NextSnapshotOptions(flags, stages);
  };
  options.reflection = flags.reflection;
  if (!flags.config_file.empty()) {
    options.watched_files.push_back(flags.config_file);
  }
  options.watch_interval = flags.watch_interval;
  return options;
}

// Blocks the signals main() waits for, so that every thread started later
// inherits the mask and only sigwait() sees them.
sigset_t BlockSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Serves until SIGINT/SIGTERM; SIGHUP rebuilds the snapshot (reloader.h);
// SIGUSR1 reopens the access log (telemetry.h).
void ServeUntilSignalled(const sigset_t& signals, const GatewayFlags& flags,
                         Gateway& gateway, http::Server& server,
                         Reloader& reloader, http::Server* admin_server,
                         Telemetry& telemetry) {
  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGUSR1) {
      telemetry.ReopenAccessLog();
      continue;
    }
    if (sig != SIGHUP) break;
    reloader.Reload("SIGHUP").IgnoreError();  // Logged.
  }
  PG_LOG(kInfo) << "draining (grace " << absl::FormatDuration(flags.drain_grace)
                << ")";
  gateway.SetServing(false);
  server.Shutdown(flags.drain_grace);
  if (admin_server != nullptr) admin_server->Shutdown(absl::ZeroDuration());
}

// The admin listener (config admin.listen), or nullptr when the admin
// endpoints share the public listener.
absl::StatusOr<std::unique_ptr<http::Server>> StartAdminServer(
    const GatewayFlags& flags, Gateway& gateway) {
  if (!flags.admin_host) return nullptr;
  http::ServerOptions options;
  options.host = *flags.admin_host;
  options.port = flags.admin_port;
  options.io_threads = 1;
  PG_ASSIGN_OR_RETURN(
      std::unique_ptr<http::Server> server,
      http::Server::Start(options, [&gateway](const http::Request& request,
                                              http::Responder responder) {
        gateway.HandleAdmin(request, std::move(responder));
      }));
  return server;
}

int Run(int argc, char** argv) {
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles;
  // that bookkeeping showed up as 2-4% of the CPU per request.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sigset_t signals = BlockSignals();
  absl::StatusOr<GatewayFlags> flags =
      ParseFlags({const_cast<const char**>(argv) + 1,
                  static_cast<size_t>(argc > 0 ? argc - 1 : 0)});
  if (!flags.ok()) {
    std::fprintf(stderr, "protogate: %s\n",
                 std::string(flags.status().message()).c_str());
    return 2;
  }
  if (flags->help) {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  // Outlives every snapshot (the reloader is reset before it goes).
  StageEnvironment stage_environment;
  // Set once the gateway exists; read by scrapes (upstream health).
  std::atomic<Gateway*> live_gateway{nullptr};
  absl::StatusOr<std::unique_ptr<Telemetry>> telemetry = StartTelemetry(
      flags->config,
      [&live_gateway]() -> std::shared_ptr<const proxy::Snapshot> {
        Gateway* gateway = live_gateway.load();
        return gateway != nullptr ? gateway->snapshot() : nullptr;
      });
  if (!telemetry.ok()) {
    std::fprintf(stderr, "protogate: %s\n",
                 std::string(telemetry.status().message()).c_str());
    return 1;
  }
  ReloaderOptions reloader_options =
      ReloaderOptionsFrom(*flags, stage_environment);
  reloader_options.on_reload = [t = telemetry->get()](std::string_view trigger,
                                                      bool ok) {
    t->OnReload(trigger, ok);
  };
  absl::StatusOr<std::unique_ptr<Reloader>> reloader =
      Reloader::Create(std::move(reloader_options));
  if (!reloader.ok()) {
    std::fprintf(stderr, "protogate: %s\n",
                 std::string(reloader.status().message()).c_str());
    return 1;
  }
  Gateway gateway(
      (*reloader)->initial_snapshot(),
      {.log_requests = flags->verbose,
       .admin = flags->admin_host ? AdminEndpoints::kSeparateListener
                                  : AdminEndpoints::kPublicListener,
       .parse = flags->parse,
       .print = flags->print,
       .metrics = (*telemetry)->served_registry(),
       .observer = (*telemetry)->observer()});
  live_gateway.store(&gateway);
  http::ServerOptions server_options;
  server_options.host = flags->listen_host;
  server_options.port = flags->listen_port;
  server_options.io_threads = flags->io_threads;
  server_options.max_body_bytes = flags->max_body_bytes;
  server_options.max_header_bytes = flags->max_header_bytes;
  server_options.read_timeout = flags->read_timeout;
  server_options.idle_timeout = flags->idle_timeout;
  server_options.events = (*telemetry)->ConnectionEvents();
  server_options.stream_body = [&gateway](std::string_view method,
                                          std::string_view target) {
    return gateway.StreamsRequestBody(method, target);
  };
  absl::StatusOr<std::unique_ptr<http::Server>> server = http::Server::Start(
      server_options,
      [&gateway](const http::Request& request, http::Responder responder) {
        gateway.Handle(request, std::move(responder));
      });
  if (!server.ok()) {
    std::fprintf(stderr, "protogate: %s\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<http::Server>> admin_server =
      StartAdminServer(*flags, gateway);
  if (!admin_server.ok()) {
    std::fprintf(stderr, "protogate: admin.listen: %s\n",
                 std::string(admin_server.status().message()).c_str());
    return 1;
  }
  std::printf("protogate listening on http://%s:%u\n",
              flags->listen_host.c_str(), (*server)->port());
  if (*admin_server != nullptr) {
    std::printf("protogate admin listening on http://%s:%u\n",
                flags->admin_host->c_str(), (*admin_server)->port());
  }
  std::fflush(stdout);
  (*reloader)->Start(gateway);
  ServeUntilSignalled(signals, *flags, gateway, **server, **reloader,
                      admin_server->get(), **telemetry);
  reloader->reset();  // Stops reloading before the gateway goes away.
  live_gateway.store(nullptr);
  return 0;
}

}  // namespace
}  // namespace protogate::server

int main(int argc, char** argv) { return protogate::server::Run(argc, argv); }
