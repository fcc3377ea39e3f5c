// TlsContextStore: the TLS context of a listener, reloadable. Holds an
// immutable snapshot (a boost::asio::ssl::context over the SSL_CTX that
// tls::BuildServerContext made); each new connection takes the current one
// when it is accepted. Reload() rebuilds it from the files when any of them
// changed (inode, size or mtime) and swaps it in atomically; connections
// made earlier keep the context they started with (OpenSSL holds it by
// reference). A rebuild that fails keeps the previous context and is logged
// once per distinct error.
//
// Thread safety: current() and Reload() may be called from any thread;
// reloads are serialized.
// Ownership: shared by the server and whoever triggers reloads.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto store, TlsContextStore::Create(
//       {.cert_file = "server.pem", .key_file = "server.key"}));
//   options.tls.contexts = store;
//   ... on a file change: store->Reload().IgnoreError();  // Logged.
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gateway/tls/server_context.h"

namespace protogate::http {

class TlsContextStore {
 public:
  // Builds the first context; the errors of tls::BuildServerContext.
  static absl::StatusOr<std::shared_ptr<TlsContextStore>> Create(
      tls::ServerContextOptions options);

  // The context for a new connection. Never null.
  std::shared_ptr<boost::asio::ssl::context> current() const {
    return current_.load(std::memory_order_acquire);
  }

  // Rebuilds the context if a file changed since the last build. OK when
  // nothing changed or the new context is live; otherwise the build's error
  // (the previous context stays).
  absl::Status Reload();

  const tls::ServerContextOptions& options() const { return options_; }

 private:
  explicit TlsContextStore(tls::ServerContextOptions options)
      : options_(std::move(options)) {}
  // "inode size mtime" of every file, to see whether one changed.
  std::string FileStamps() const;
  absl::Status Build(std::string stamps) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const tls::ServerContextOptions options_;
  std::atomic<std::shared_ptr<boost::asio::ssl::context>> current_;
  absl::Mutex mu_;
  std::string stamps_ ABSL_GUARDED_BY(mu_);  // Of the files last tried.
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::http
