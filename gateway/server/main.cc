// protogate: serves REST/JSON requests by calling gRPC backends.
// See `protogate --help` and README.md.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gateway/auth/openapi_security.h"
#include "gateway/base/logging.h"
#include "gateway/base/status_macros.h"
#include "gateway/http/server.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/server/flags.h"
#include "gateway/server/gateway.h"
#include "gateway/server/launch_config.h"
#include "gateway/server/reloader.h"
#include "gateway/server/stages.h"
#include "gateway/server/telemetry.h"
#include "gateway/server/validate_command.h"

namespace protogate::server {
namespace {

proxy::SnapshotOptions SnapshotOptionsFrom(config::v1::GatewayConfig config,
                                           StageEnvironment& stages) {
  proxy::SnapshotOptions options;
  options.build_stages =
      [config, &stages](
          const routing::RouteTable& routes,
          std::shared_ptr<const policy::HeaderRules> header_rules) {
        return BuildStageChain(config, routes, std::move(header_rules), stages);
      };
  auth::AddOpenApiSecurity(config, options.openapi);
  options.config = std::move(config);
  return options;
}

// The options of a reloaded snapshot (SIGHUP, file change, reflection
// change): the arguments are parsed again, re-reading the config file, so
// the flags stay over it. The listen address, threads and limits of the
// running server and the list of descriptor sources do not change.
absl::StatusOr<proxy::SnapshotOptions> NextSnapshotOptions(
    const std::vector<std::string>& args, const GatewayFlags& first,
    StageEnvironment& stages) {
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  PG_ASSIGN_OR_RETURN(GatewayFlags next, ParseFlags(argv));
  *next.config.mutable_descriptors() = first.config.descriptors();
  return SnapshotOptionsFrom(std::move(next.config), stages);
}

ReloaderOptions ReloaderOptionsFrom(std::vector<std::string> args,
                                    const GatewayFlags& flags,
                                    StageEnvironment& stages) {
  ReloaderOptions options;
  options.initial = SnapshotOptionsFrom(flags.config, stages);
  options.next = [args = std::move(args), flags, &stages] {
    return NextSnapshotOptions(args, flags, stages);
  };
  options.reflection = ReflectionSources(flags.config);
  if (!flags.config_file.empty()) {
    options.watched_files.push_back(flags.config_file);
  }
  // Key files of `auth` providers (as named at start-up) reload like it.
  for (const auto& provider : flags.config.auth().jwt_providers()) {
    for (const std::string& file :
         {provider.jwks_file(), provider.hmac_secret_file()}) {
      if (!file.empty()) options.watched_files.push_back(file);
    }
  }
  options.watch_interval = WatchInterval(flags.config);
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
void ServeUntilSignalled(const sigset_t& signals, absl::Duration drain_grace,
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
  PG_LOG(kInfo) << "draining (grace " << absl::FormatDuration(drain_grace)
                << ")";
  gateway.SetServing(false);
  server.Shutdown(drain_grace);
  if (admin_server != nullptr) admin_server->Shutdown(absl::ZeroDuration());
}

// The public listener, serving `gateway`.
absl::StatusOr<std::unique_ptr<http::Server>> StartServer(
    const config::v1::GatewayConfig& config, Gateway& gateway,
    http::ConnectionEvents events) {
  PG_ASSIGN_OR_RETURN(http::ServerOptions options, ListenerOptions(config));
  options.events = std::move(events);
  options.stream_body = [&gateway](std::string_view method,
                                   std::string_view target) {
    return gateway.StreamsRequestBody(method, target);
  };
  PG_ASSIGN_OR_RETURN(
      std::unique_ptr<http::Server> server,
      http::Server::Start(options, [&gateway](const http::Request& request,
                                              http::Responder responder) {
        gateway.Handle(request, std::move(responder));
      }));
  std::printf("protogate listening on http://%s:%u\n", options.host.c_str(),
              server->port());
  PG_LOG(kInfo) << "serving with " << options.io_threads << " I/O threads";
  return server;
}

// The admin listener (config admin.listen), or nullptr when the admin
// endpoints share the public listener.
absl::StatusOr<std::unique_ptr<http::Server>> StartAdminServer(
    const config::v1::GatewayConfig& config, Gateway& gateway) {
  PG_ASSIGN_OR_RETURN(std::optional<ListenAddress> address,
                      AdminAddress(config));
  if (!address) return nullptr;
  http::ServerOptions options;
  options.host = address->host;
  options.port = address->port;
  options.io_threads = 1;
  PG_ASSIGN_OR_RETURN(
      std::unique_ptr<http::Server> server,
      http::Server::Start(options, [&gateway](const http::Request& request,
                                              http::Responder responder) {
        gateway.HandleAdmin(request, std::move(responder));
      }));
  std::printf("protogate admin listening on http://%s:%u\n",
              options.host.c_str(), server->port());
  return server;
}

int Fail(std::string_view prefix, const absl::Status& status) {
  std::fprintf(stderr, "protogate: %s%s\n", std::string(prefix).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

// Serves the parsed flags until a signal ends it; the exit code.
int Serve(std::vector<std::string> args, const GatewayFlags& flags,
          const sigset_t& signals) {
  // Outlives every snapshot (the reloader is reset before it goes).
  StageEnvironment stage_environment;
  // Set once the gateway exists; read by scrapes (upstream health).
  std::atomic<Gateway*> live_gateway{nullptr};
  absl::StatusOr<std::unique_ptr<Telemetry>> telemetry = StartTelemetry(
      flags.config,
      [&live_gateway]() -> std::shared_ptr<const proxy::Snapshot> {
        Gateway* gateway = live_gateway.load();
        return gateway != nullptr ? gateway->snapshot() : nullptr;
      });
  if (!telemetry.ok()) return Fail("", telemetry.status());
  ReloaderOptions reloader_options =
      ReloaderOptionsFrom(std::move(args), flags, stage_environment);
  reloader_options.on_reload = [t = telemetry->get()](std::string_view trigger,
                                                      bool ok) {
    t->OnReload(trigger, ok);
  };
  absl::StatusOr<std::unique_ptr<Reloader>> reloader =
      Reloader::Create(std::move(reloader_options));
  if (!reloader.ok()) return Fail("", reloader.status());
  GatewayOptions gateway_options = GatewayOptionsFrom(flags.config);
  gateway_options.metrics = (*telemetry)->served_registry();
  gateway_options.observer = (*telemetry)->observer();
  Gateway gateway((*reloader)->initial_snapshot(), gateway_options);
  live_gateway.store(&gateway);
  absl::StatusOr<std::unique_ptr<http::Server>> server =
      StartServer(flags.config, gateway, (*telemetry)->ConnectionEvents());
  if (!server.ok()) return Fail("", server.status());
  absl::StatusOr<std::unique_ptr<http::Server>> admin_server =
      StartAdminServer(flags.config, gateway);
  if (!admin_server.ok()) return Fail("admin.listen: ", admin_server.status());
  std::fflush(stdout);
  (*reloader)->Start(gateway);
  ServeUntilSignalled(signals, DrainGrace(flags.config), gateway, **server,
                      **reloader, admin_server->get(), **telemetry);
  reloader->reset();  // Stops reloading before the gateway goes away.
  live_gateway.store(nullptr);
  return 0;
}

int Run(int argc, char** argv) {
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles;
  // that bookkeeping showed up as 2-4% of the CPU per request.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sigset_t signals = BlockSignals();
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  std::vector<const char*> arg_pointers;
  for (const std::string& arg : args) arg_pointers.push_back(arg.c_str());
  absl::StatusOr<GatewayFlags> flags = ParseFlags(arg_pointers);
  if (!flags.ok()) {
    return ReportFlagError(flags.status(), arg_pointers, stderr);
  }
  if (flags->help) {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  if (flags->validate) {
    // Calls no backend: the jwks_uri key sets are not fetched (the shared
    // rate limits' Redis is connected to only by requests).
    StageEnvironment stage_environment(auth::JwksFetching::kNever);
    return RunValidation(
        ReloaderOptionsFrom(std::move(args), *flags, stage_environment), stdout,
        stderr);
  }
  return Serve(std::move(args), *flags, signals);
}

}  // namespace
}  // namespace protogate::server

int main(int argc, char** argv) { return protogate::server::Run(argc, argv); }
