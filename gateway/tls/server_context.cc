#include "gateway/tls/server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"

namespace protogate::tls {
namespace {

// TLS 1.2 ciphers: ECDHE key exchange with an AEAD (Mozilla's
// "intermediate" profile), which is also what RFC 9113 9.2.2 lets HTTP/2
// use. TLS 1.3 keeps OpenSSL's default ciphersuites.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// ALPN wire format: length-prefixed names, in the server's preference.
constexpr unsigned char kAlpnHttp11Only[] = {8,   'h', 't', 't', 'p',
                                             '/', '1', '.', '1'};
constexpr unsigned char kAlpnH2First[] = {2,   'h', '2', 8,   'h', 't',
                                          't', 'p', '/', '1', '.', '1'};

struct AlpnList {
  const unsigned char* data;
  unsigned int size;
};
constexpr AlpnList kHttp11List = {kAlpnHttp11Only, sizeof(kAlpnHttp11Only)};
constexpr AlpnList kH2List = {kAlpnH2First, sizeof(kAlpnH2First)};

int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen,
               const unsigned char* in, unsigned int inlen, void* arg) {
  const auto* server = static_cast<const AlpnList*>(arg);
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, server->data, server->size, in,
                            inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// The last OpenSSL error's reason (for the operator), clearing the queue.
std::string OpenSslReason() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return reason != nullptr ? absl::StrCat(" (", reason, ")") : "";
}

absl::Status FieldError(absl::string_view field, absl::string_view problem) {
  return absl::FailedPreconditionError(
      absl::StrCat(field, ": ", problem, OpenSslReason()));
}

bool Readable(const std::string& file) {
  FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) return false;
  std::fclose(f);
  return true;
}

absl::Status CheckReadable(absl::string_view field, const std::string& file) {
  if (file.empty())
    return absl::FailedPreconditionError(absl::StrCat(field, ": required"));
  if (!Readable(file)) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": \"", file, "\" cannot be read"));
  }
  return absl::OkStatus();
}

absl::Status LoadKeyPair(SSL_CTX* ctx, const ServerContextOptions& options) {
  if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1) {
    return FieldError("cert_file", absl::StrCat("\"", options.cert_file,
                                                "\" holds no PEM certificate"));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(),
                                  SSL_FILETYPE_PEM) != 1) {
    // OpenSSL also fails here when the key does not match the certificate.
    unsigned long code = ERR_peek_last_error();
    if (ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH) {
      return FieldError("key_file", "does not match cert_file");
    }
    return FieldError("key_file", absl::StrCat("\"", options.key_file,
                                               "\" holds no PEM private key"));
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return FieldError("key_file", "does not match cert_file");
  }
  return absl::OkStatus();
}

absl::Status RequireClientCertificates(SSL_CTX* ctx, const std::string& file) {
  if (SSL_CTX_load_verify_locations(ctx, file.c_str(), nullptr) != 1) {
    return FieldError("client_ca_file",
                      absl::StrCat("\"", file, "\" holds no CA certificate"));
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(file.c_str());
  if (names == nullptr) {
    return FieldError("client_ca_file",
                      absl::StrCat("\"", file, "\" holds no CA certificate"));
  }
  SSL_CTX_set_client_CA_list(ctx, names);  // Takes ownership.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
  return absl::OkStatus();
}

}  // namespace

void SslCtxFree::operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }

absl::StatusOr<MinVersion> ParseMinVersion(std::string_view text) {
  if (text.empty() || text == "1.2") return MinVersion::kTls12;
  if (text == "1.3") return MinVersion::kTls13;
  return absl::InvalidArgumentError(absl::StrCat(
      "min_version: \"", base::ToAbsl(text), "\" is not \"1.2\" or \"1.3\""));
}

absl::StatusOr<SslCtxPtr> BuildServerContext(
    const ServerContextOptions& options) {
  ERR_clear_error();
  if (absl::Status s = CheckReadable("cert_file", options.cert_file); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckReadable("key_file", options.key_file); !s.ok()) {
    return s;
  }
  if (!options.client_ca_file.empty() && !Readable(options.client_ca_file)) {
    return CheckReadable("client_ca_file", options.client_ca_file);
  }
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr) return FieldError("tls", "cannot create a context");
  SSL_CTX_set_min_proto_version(
      ctx.get(), options.min_version == MinVersion::kTls13 ? TLS1_3_VERSION
                                                           : TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE |
                                     SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_cipher_list(ctx.get(), kTls12Ciphers);
  // Session resumption with client certificates needs a context id.
  static constexpr unsigned char kSessionContext[] = "protogate";
  SSL_CTX_set_session_id_context(ctx.get(), kSessionContext,
                                 sizeof(kSessionContext) - 1);
  if (absl::Status s = LoadKeyPair(ctx.get(), options); !s.ok()) return s;
  if (!options.client_ca_file.empty()) {
    absl::Status s =
        RequireClientCertificates(ctx.get(), options.client_ca_file);
    if (!s.ok()) return s;
  }
  SSL_CTX_set_alpn_select_cb(
      ctx.get(), SelectAlpn,
      const_cast<AlpnList*>(options.alpn == AlpnProtocols::kH2AndHttp11
                                ? &kH2List
                                : &kHttp11List));
  return ctx;
}

}  // namespace protogate::tls
