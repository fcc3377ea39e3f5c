#include "gateway/upstream/h2_tls.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"

namespace protogate::upstream {
namespace {

namespace ssl = boost::asio::ssl;

// ALPN protocol list: one length-prefixed entry.
constexpr unsigned char kAlpnH2[] = {2, 'h', '2'};

absl::Status FileError(const config::v1::Cluster& cluster, const char* field,
                       const std::string& path, const char* problem) {
  return absl::FailedPreconditionError(
      absl::StrCat("cluster \"", cluster.name(), "\": tls.", field, " \"", path,
                   "\" ", problem));
}

absl::StatusOr<std::string> ReadPem(const config::v1::Cluster& cluster,
                                    const char* field,
                                    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return FileError(cluster, field, path, "cannot be read");
  }
  if (contents.str().empty()) {
    return FileError(cluster, field, path, "cannot be read or is empty");
  }
  return contents.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> MakeTlsContext(
    const config::v1::Cluster& cluster) {
  const config::v1::TlsConfig& tls = cluster.tls();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (tls.ca_file().empty()) {
    context->set_default_verify_paths(ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cluster \"", cluster.name(),
                       "\": the system CA roots cannot be read"));
    }
  } else {
    PG_ASSIGN_OR_RETURN(std::string ca,
                        ReadPem(cluster, "ca_file", tls.ca_file()));
    context->add_certificate_authority(boost::asio::buffer(ca), ec);
    if (ec) return FileError(cluster, "ca_file", tls.ca_file(), "is not PEM");
  }
  if (!tls.cert_file().empty()) {
    PG_ASSIGN_OR_RETURN(std::string cert,
                        ReadPem(cluster, "cert_file", tls.cert_file()));
    PG_ASSIGN_OR_RETURN(std::string key,
                        ReadPem(cluster, "key_file", tls.key_file()));
    context->use_certificate_chain(boost::asio::buffer(cert), ec);
    if (ec)
      return FileError(cluster, "cert_file", tls.cert_file(), "is not PEM");
    context->use_private_key(boost::asio::buffer(key), ssl::context::pem, ec);
    if (ec) {
      return FileError(cluster, "key_file", tls.key_file(),
                       "is not a PEM key for cert_file");
    }
  }
  if (SSL_CTX_set_alpn_protos(native, kAlpnH2, sizeof(kAlpnH2)) != 0) {
    return absl::InternalError("OpenSSL: cannot set ALPN");
  }
  return context;
}

absl::Status PrepareTlsStream(H2TlsStream& stream, const std::string& name) {
  SSL* ssl = stream.native_handle();
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  const bool is_ip = !ec;
  if (!is_ip && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    return absl::InternalError("OpenSSL: cannot set SNI");
  }
  // OpenSSL checks the name (or IP address) during the handshake.
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                        : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  if (set != 1) return absl::InternalError("OpenSSL: cannot set the peer name");
  return absl::OkStatus();
}

absl::Status CheckNegotiatedH2(H2TlsStream& stream) {
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &protocol, &length);
  if (length == 2 && protocol[0] == 'h' && protocol[1] == '2') {
    return absl::OkStatus();
  }
  return absl::UnavailableError("upstream did not negotiate HTTP/2 (ALPN h2)");
}

}  // namespace protogate::upstream
