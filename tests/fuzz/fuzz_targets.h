// The bodies of protogate's fuzz targets, shared by the libFuzzer binaries
// (tests/fuzz/libfuzzer_main.cc, built with -DPROTOGATE_FUZZ=ON and clang)
// and by fuzz_replay_test, which replays the seed corpora in every normal
// test run.
//
// Each target has two entry points:
//  - CheckXxx(input) runs the target on one input and returns OK, or
//    Internal naming the invariant the input broke (a crash is a crash);
//  - FuzzXxx(data, size), the libFuzzer entry, runs CheckXxx and aborts
//    with the message when an invariant is broken. Returns 0.
//
// Thread safety: the targets build their fixtures (codecs, route table)
// once, on first use, thread-safely; after that they are stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace protogate::fuzz {

// The input as JSON for test.Scalars and test.Wkts (tests/transcoding/
// testdata/test_types.proto). Accepted input must round-trip: its wire
// parses with libprotobuf and prints; the printed JSON (compact, and with
// every print option set) parses back to the same message; printing that
// again gives the same text.
absl::Status CheckJsonToWire(std::string_view input);
int FuzzJsonToWire(const uint8_t* data, size_t size);

// The input as wire format of test.Scalars and test.Wkts. When it prints,
// the JSON parses back; printing that again gives the same text; and when
// libprotobuf parses the input, it sees the same message (unknown fields
// aside).
absl::Status CheckWireToJson(std::string_view input);
int FuzzWireToJson(const uint8_t* data, size_t size);

// The input as a google.api.http path template. Errors are InvalidArgument;
// an accepted template has consistent variables, and its canonical
// rendering parses to the same template.
absl::Status CheckPathTemplate(std::string_view input);
int FuzzPathTemplate(const uint8_t* data, size_t size);

// The demo bookstore's route table matches the input: the first byte picks
// the HTTP method (G GET, P POST, U PUT, A PATCH, D DELETE, H HEAD, L the
// custom LIST, * any other byte: by value), the rest is the path. The
// outcome is consistent (a match has one value per variable and an allowed
// method; 405 names the allowed methods; 400/404 say why) and repeatable.
absl::Status CheckRouteMatcher(std::string_view input);
int FuzzRouteMatcher(const uint8_t* data, size_t size);

// The input as a JWS compact token (gateway/auth/jwt.h). Errors are
// InvalidArgument with a fixed message; an accepted token's signing input
// is the input before its last '.', its signature that part decoded, and a
// second parse gives the same claims.
absl::Status CheckJwtParser(std::string_view input);
int FuzzJwtParser(const uint8_t* data, size_t size);

// The input as a JWK set (gateway/auth/jwk.h). Errors are InvalidArgument;
// an accepted set has 1 to 100 keys, each with an EVP_PKEY that fits some
// JWS algorithm and never HMAC.
absl::Status CheckJwkSet(std::string_view input);
int FuzzJwkSet(const uint8_t* data, size_t size);
// The input as the HTTP/1.1 bytes a client sends on one connection (heads,
// chunked or sized bodies, pipelined requests), through http::RequestReader,
// the session's own parser and checks, fed in pieces whose size the first
// byte picks. Every outcome is the same whatever the pieces; a rejection is
// a 4xx/5xx the catalogue names; nothing is buffered beyond the limits.
absl::Status CheckHttpRequest(std::string_view input);
int FuzzHttpRequest(const uint8_t* data, size_t size);

// The input as the DATA bytes of a gRPC response (OK trailers): accepted
// only when it is exactly one uncompressed length-prefixed frame within the
// receive limit, refused INTERNAL malformed otherwise.
absl::Status CheckGrpcFrames(std::string_view input);
int FuzzGrpcFrames(const uint8_t* data, size_t size);

// The input (after a first byte choosing the format and a piece size) as a
// client-streaming body: the JSON sequence splitter gives the same items
// (or error) whether the body arrives whole or in pieces.
absl::Status CheckJsonSequence(std::string_view input);
int FuzzJsonSequence(const uint8_t* data, size_t size);

// The input as the query string of test.QueryRequest and test.OneofRequest:
// refused INVALID_ARGUMENT, or the wire parses with libprotobuf.
absl::Status CheckQueryString(std::string_view input);
int FuzzQueryString(const uint8_t* data, size_t size);

// The input as a YAML config file, loaded and validated: refused
// FailedPrecondition naming the file, or accepted the same way twice.
absl::Status CheckConfigYaml(std::string_view input);
int FuzzConfigYaml(const uint8_t* data, size_t size);

// The input as a text-format protogate.aggregator.v1.Plan, the option of a
// method over tests/aggregator/testdata: compiled, or refused
// FailedPrecondition naming the method.
absl::Status CheckPlanOptions(std::string_view input);
int FuzzPlanOptions(const uint8_t* data, size_t size);

// The input (after a first byte: bit 0 set for application/grpc-web-text,
// the rest a piece size) as a gRPC-Web request body: the base64 text
// decoder, then the frame reader, give the same bytes, messages or error
// code whether the body arrives whole or in pieces; accepted messages
// framed again are the body.
absl::Status CheckGrpcWeb(std::string_view input);
int FuzzGrpcWeb(const uint8_t* data, size_t size);

// The input (after a first byte picking the read size) as the frames a
// client sends after its HTTP/2 connection preface and SETTINGS, through
// http::H2ServerSession over an in-memory byte stream: the handler sees no
// request the session's checks refuse (method, header count, body limit,
// streamed or not), and the session closes when the input ends.
absl::Status CheckHttp2Request(std::string_view input);
int FuzzHttp2Request(const uint8_t* data, size_t size);

// Prints `status` and the target name to stderr and aborts when not OK.
int AbortUnlessOk(std::string_view target, const absl::Status& status);

}  // namespace protogate::fuzz
