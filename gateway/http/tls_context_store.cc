#include "gateway/http/tls_context_store.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "gateway/base/logging.h"

namespace protogate::http {
namespace {

std::string Stamp(const std::string& file) {
  if (file.empty()) return "-";
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) return "missing";
  return absl::StrCat(st.st_ino, " ", st.st_size, " ", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

}  // namespace

absl::StatusOr<std::shared_ptr<TlsContextStore>> TlsContextStore::Create(
    tls::ServerContextOptions options) {
  std::shared_ptr<TlsContextStore> store(
      new TlsContextStore(std::move(options)));
  absl::MutexLock lock(&store->mu_);
  absl::Status status = store->Build(store->FileStamps());
  if (!status.ok()) return status;
  return store;
}

std::string TlsContextStore::FileStamps() const {
  return absl::StrCat(Stamp(options_.cert_file), "|", Stamp(options_.key_file),
                      "|", Stamp(options_.client_ca_file));
}

absl::Status TlsContextStore::Reload() {
  std::string stamps = FileStamps();
  absl::MutexLock lock(&mu_);
  if (stamps == stamps_) return absl::OkStatus();
  return Build(std::move(stamps));
}

absl::Status TlsContextStore::Build(std::string stamps) {
  stamps_ = std::move(stamps);
  absl::StatusOr<tls::SslCtxPtr> built = tls::BuildServerContext(options_);
  if (!built.ok()) {
    std::string error(built.status().message());
    if (current() != nullptr && error != last_error_) {
      PG_LOG(kWarning) << "tls: reload rejected, still serving the previous "
                          "certificate: tls."
                       << error;
    }
    last_error_ = std::move(error);
    return built.status();
  }
  // The asio context takes ownership of the SSL_CTX.
  const bool first = current() == nullptr;
  current_.store(std::make_shared<boost::asio::ssl::context>(built->release()),
                 std::memory_order_release);
  last_error_.clear();
  if (!first) {
    PG_LOG(kInfo) << "tls: certificate reloaded";
  }
  return absl::OkStatus();
}

}  // namespace protogate::http
