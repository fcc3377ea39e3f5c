// EscapeRawControlBytes: repairs the text of RapidJSON's Writer, which on
// Debian 12 (RapidJSON 1.1.0, built with RAPIDJSON_SSE2 as CMakeLists.txt
// sets for x86-64) writes the bytes 0x1A..0x1F of a string unescaped when
// they fall in a 16-byte run its SSE2 scan covers (it compares with 0x19
// instead of 0x1F; fixed upstream after 1.1.0): invalid JSON.
//
// The Writer never puts a raw byte below 0x20 outside a string, so
// escaping every such byte of its output afterwards ("\u001A", as RapidJSON
// escapes them) gives valid JSON whose strings are the ones written. Use it
// on the output of every Writer that may write a client-supplied or
// external string (transcoding has its own fix in text_codecs.h).
//
// Thread safety: a pure function.
//
// Example:
//   rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
//   ... w.String(client_path) ...
//   std::string body = EscapeRawControlBytes(
//       std::string(buffer.GetString(), buffer.GetSize()));
#pragma once

#include <string>

namespace protogate::base {

// `json` with every byte below 0x20 written as \u00XX (upper-case hex);
// returned unchanged (no copy) when it has none.
std::string EscapeRawControlBytes(std::string json);

}  // namespace protogate::base
