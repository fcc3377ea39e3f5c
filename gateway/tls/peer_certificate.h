// What a finished TLS handshake tells about the client: its verified
// certificate's subject and the ALPN protocol selected. Reads OpenSSL's
// state of one connection; no I/O.
//
// Thread safety: call on the thread that owns the SSL object.
//
// Example:
//   std::string subject = tls::VerifiedPeerSubject(ssl);  // "CN=alice,O=Ex"
#pragma once

#include <openssl/types.h>

#include <string>
#include <string_view>

namespace protogate::tls {

// The subject of the client's certificate as an RFC 2253 string (most
// significant RDN last, e.g. "CN=alice,O=Example"), if the client presented
// one and it verified; "" otherwise (no certificate asked for or sent).
std::string VerifiedPeerSubject(const SSL* ssl);

// The protocol ALPN selected ("h2", "http/1.1"), or "" when none was.
// Points into OpenSSL's state: valid while `ssl` lives.
std::string_view SelectedAlpn(const SSL* ssl);

}  // namespace protogate::tls
