// Connection dispatch: chooses the protocol of a newly accepted connection.
// A connection whose first bytes are the HTTP/2 client preface
// ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", RFC 9113 3.4) is served by an
// H2ServerSession (h2c by prior knowledge); any other by the HTTP/1.1
// Session. The bytes are peeked (MSG_PEEK), not read, so the chosen session
// reads the connection from its first byte. Waiting for the first bytes is
// bounded by the idle timeout; a drain closes a connection still waiting.
// (A TLS front end chooses by ALPN instead: StartHttp2 / Session directly.)
// Private to protogate::http.
//
// Thread safety: loop thread of `loop`.
//
// Example:
//   asio::post(loop->ioc, [=] { StartConnection(loop, config, socket); });
#pragma once

#include <memory>

#include "gateway/http/byte_stream.h"
#include "gateway/http/io_loop.h"
#include "gateway/http/session.h"

namespace protogate::http {

// Loop thread. Takes an accepted plaintext connection.
void StartConnection(std::shared_ptr<IoLoop> loop,
                     std::shared_ptr<const SessionConfig> config,
                     LoopSocket socket);

// Loop thread. Serves `stream` as HTTP/2 (no preface read yet).
void StartHttp2(std::shared_ptr<IoLoop> loop,
                std::shared_ptr<const SessionConfig> config,
                std::unique_ptr<ByteStream> stream);

}  // namespace protogate::http
