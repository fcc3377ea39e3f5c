// `protogate --validate`: loads everything a start would — the config file,
// descriptor sources (reading reflection sources, the only backends it
// talks to), routes, codecs, composition plans, clusters, routes to
// backends and header policies — without binding a port, starting health
// checks or calling a backend, and reports what it would serve.
//
// Output: one line per served service on `out`,
//   service demo.bookstore.v1.Bookstore: 15 routes
//   service demo.storefront.v1.Storefront: 2 routes, 2 plans
// then "protogate: configuration OK (...)". Problems go to `err`, then
// "protogate: configuration INVALID": every problem of the config file, one
// line each, in the order of the file (config_loader.h):
//   gw.yaml:7:5: field "clusters[0].conect_timeout": unknown field
//   gw.yaml:9:9: clusters[1] "books": endpoints[0]: "x:0" ...
// or, once the file is good, the first problem of building what it
// describes ("protogate: " then the start-up's message; .proto problems as
// FILE:LINE:COLUMN: PROBLEM).
//
// Thread safety: call from main() only (it writes to the given streams).
//
// Example:
//   if (WantsValidation(args)) return RunValidation(options, stdout, stderr);
#pragma once

#include <cstdio>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "gateway/server/reloader.h"

namespace protogate::server {

// Whether the arguments (after the program name) hold `--validate`.
bool WantsValidation(absl::Span<const char* const> args);

// Builds the first snapshot as Reloader::Create does, with health checks
// removed from every cluster, prints the report, and returns the exit
// code: 0 when the configuration would start, 1 otherwise.
int RunValidation(ReloaderOptions options, std::FILE* out, std::FILE* err);

// The exit code for flags that failed to parse (the config file's problems
// among them): each line of `status` is printed to `err` with "protogate: "
// before it — under --validate the config file's problems
// (FailedPrecondition) as they are — then under --validate the INVALID line
// and 1 (a bad config file is a validation result), otherwise 2.
int ReportFlagError(const absl::Status& status,
                    absl::Span<const char* const> args, std::FILE* err);

}  // namespace protogate::server
