// ServerContext: the OpenSSL context (SSL_CTX) of a TLS listener, built
// from a certificate chain, its key and optionally the CAs of client
// certificates. The cryptography is OpenSSL's; this only configures it:
//   - TLS 1.2 or 1.3 as the oldest version; TLS 1.3 with OpenSSL's default
//     ciphersuites, TLS 1.2 with forward-secret AEAD ciphers only (the ones
//     HTTP/2 allows, RFC 9113 9.2.2), server preference, no renegotiation,
//     no compression; buffers of idle connections released.
//   - ALPN: the server picks the first of its protocols ("h2" if offered,
//     then "http/1.1") that the client lists; a client that lists only
//     others is refused (no_application_protocol alert). A client without
//     ALPN gets HTTP/1.1.
//   - With client_ca_file: a client certificate is required and verified
//     against those CAs (peer_certificate.h reads its subject).
//
// Thread safety: BuildServerContext is stateless. A built SSL_CTX is
// immutable and shared by the connections made from it (OpenSSL counts
// their references), so it may be dropped while they live on.
//
// Example:
//   PG_ASSIGN_OR_RETURN(tls::SslCtxPtr ctx, tls::BuildServerContext(
//       {.cert_file = "server.pem", .key_file = "server.key"}));
//   SSL* ssl = SSL_new(ctx.get());
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace protogate::tls {

enum class MinVersion { kTls12, kTls13 };

// What ALPN may select. kHttp11 until the listener can serve HTTP/2.
enum class AlpnProtocols { kHttp11, kH2AndHttp11 };

struct ServerContextOptions {
  std::string cert_file;       // PEM chain, leaf first. Required.
  std::string key_file;        // PEM private key of the leaf. Required.
  std::string client_ca_file;  // PEM CAs; "" asks for no client certificate.
  MinVersion min_version = MinVersion::kTls12;
  AlpnProtocols alpn = AlpnProtocols::kHttp11;
};

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const;
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// Reads the files and builds the context. FailedPrecondition whose message
// starts with the field at fault: `cert_file: "PATH" cannot be read`,
// `key_file: does not match cert_file`, `client_ca_file: "PATH" holds no
// CA certificate`; OpenSSL's reason is appended for the operator.
absl::StatusOr<SslCtxPtr> BuildServerContext(
    const ServerContextOptions& options);

// "1.2" or "" -> kTls12, "1.3" -> kTls13; InvalidArgument otherwise.
absl::StatusOr<MinVersion> ParseMinVersion(std::string_view text);

// The ALPN protocol names, as selected ("h2", "http/1.1").
inline constexpr std::string_view kAlpnH2 = "h2";
inline constexpr std::string_view kAlpnHttp11 = "http/1.1";

}  // namespace protogate::tls
