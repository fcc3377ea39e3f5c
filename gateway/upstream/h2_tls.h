// TLS towards a backend for protogate's HTTP/2 client: the OpenSSL context
// of a cluster (from its config tls block) and the per-connection
// steps around the handshake. The cryptography is OpenSSL's (through
// boost::asio::ssl); this only configures it: TLS 1.2 or later, the peer
// verified against ca_file (or the system roots), its certificate checked
// for the expected name, ALPN offering "h2" only, and the client
// certificate for mutual TLS. Internal to protogate::upstream.
//
// Thread safety: a context is immutable once made and shared by every
// connection of the channel; the stream functions act on one connection,
// on its loop thread.
//
// Example (what H2Channel's per-loop client does):
//   PG_ASSIGN_OR_RETURN(auto context, MakeTlsContext(cluster));
//   auto tls = std::make_unique<H2TlsStream>(std::move(socket), *context);
//   PG_RETURN_IF_ERROR(PrepareTlsStream(*tls, "backend.internal"));
//   tls->async_handshake(client, [&](error_code ec) {
//     if (!ec && CheckNegotiatedH2(*tls).ok()) H2Session::Start(...);
//   });
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/upstream/h2_session.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::upstream {

// The client context for `cluster.tls()` (REQUIRES: set). Empty ca_file:
// the system roots; cert_file and key_file (PEM) together: mutual TLS.
// FAILED_PRECONDITION naming the cluster and the field (`tls.ca_file "PATH"
// cannot be read`) when a file cannot be read or OpenSSL refuses its contents.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(
    const config::v1::Cluster& cluster);

// Before the handshake: sends `name` as SNI (unless it is an IP address)
// and makes the handshake fail unless the certificate is valid for it.
absl::Status PrepareTlsStream(H2TlsStream& stream, const std::string& name);

// After the handshake: OK when the backend chose "h2" by ALPN, else
// UNAVAILABLE.
absl::Status CheckNegotiatedH2(H2TlsStream& stream);

}  // namespace protogate::upstream
