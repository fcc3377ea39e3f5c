#include "gateway/tls/peer_certificate.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace protogate::tls {

std::string VerifiedPeerSubject(const SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return "";
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  std::string subject;
  if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
                         XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    if (size > 0) subject.assign(data, static_cast<size_t>(size));
  }
  BIO_free(bio);
  return subject;
}

std::string_view SelectedAlpn(const SSL* ssl) {
  const unsigned char* data = nullptr;
  unsigned int size = 0;
  SSL_get0_alpn_selected(ssl, &data, &size);
  if (data == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace protogate::tls
