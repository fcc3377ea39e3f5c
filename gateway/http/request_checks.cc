#include "gateway/http/request_checks.h"

#include <algorithm>
#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"

namespace protogate::http {
namespace {

namespace bhttp = boost::beast::http;

bool IsUpperAlpha(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// Character classes as tables: the Host of every request is checked.
constexpr std::array<bool, 256> CharTable(std::string_view extra) {
  std::array<bool, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (char c : extra) table[static_cast<unsigned char>(c)] = true;
  return table;
}
// unreserved / sub-delims (RFC 3986 3.2.2).
constexpr std::array<bool, 256> kRegNameChars = CharTable("-._~!$&'()*+,;=");
// IPv6address / IPvFuture, loosely.
constexpr std::array<bool, 256> kIpLiteralChars = CharTable(":.-_~!$&'()*+,;=");

bool IsRegNameChar(char c) {
  return kRegNameChars[static_cast<unsigned char>(c)];
}

bool IsIpLiteralChar(char c) {
  return kIpLiteralChars[static_cast<unsigned char>(c)];
}

bool IsPort(std::string_view port) {
  return port.find_first_not_of("0123456789") == std::string_view::npos;
}

// RFC 3986 authority without userinfo: uri-host [ ":" port ].
bool IsValidAuthority(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : authority.substr(1, close - 1)) {
      if (!IsIpLiteralChar(c)) return false;
    }
    std::string_view rest = authority.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && IsPort(rest.substr(1)));
  }
  size_t colon = authority.find(':');
  if (colon != std::string_view::npos && !IsPort(authority.substr(colon + 1))) {
    return false;
  }
  std::string_view host = authority.substr(0, colon);
  for (size_t i = 0; i < host.size(); ++i) {
    if (host[i] == '%') {  // pct-encoded
      if (i + 2 >= host.size() ||
          !absl::ascii_isxdigit(static_cast<unsigned char>(host[i + 1])) ||
          !absl::ascii_isxdigit(static_cast<unsigned char>(host[i + 2]))) {
        return false;
      }
      i += 2;
    } else if (!IsRegNameChar(host[i])) {
      return false;
    }
  }
  return true;
}

// The scheme of an absolute-form target ("http://" or "https://", any case),
// or 0 if it has none.
size_t AbsoluteFormPrefix(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        base::EqualsIgnoreCase(target.substr(0, scheme.size()), scheme)) {
      return scheme.size();
    }
  }
  return 0;
}

std::optional<Rejection> CheckTarget(std::string_view method,
                                     std::string_view target) {
  if (target == "*") {
    if (method == "OPTIONS") return std::nullopt;
    return Rejection{400, "request target \"*\" is only allowed with OPTIONS"};
  }
  if (size_t prefix = AbsoluteFormPrefix(target); prefix > 0) {
    RoutedTarget routed = RouteTarget(target);
    if (routed.authority.empty() || !IsValidAuthority(routed.authority)) {
      return Rejection{400, "request target has an invalid authority"};
    }
  } else if (target.empty() || target.front() != '/') {
    return Rejection{400, "request target must be an absolute path or URI"};
  }
  if (target.find('#') != std::string_view::npos) {
    return Rejection{400, "request target must not contain '#'"};
  }
  if (target.find('\\') != std::string_view::npos) {
    return Rejection{400, "request target must not contain '\\'"};
  }
  return std::nullopt;
}

// The fields that decide framing and the Host, found in one pass over the
// head (Beast's equal_range walks its name index once per lookup).
struct FramingFields {
  size_t host = 0;
  size_t transfer_encoding = 0;
  size_t content_length = 0;
  std::string_view first_host;
};

FramingFields ScanFramingFields(const bhttp::request_header<>& head) {
  FramingFields fields;
  for (const auto& field : head) {
    switch (field.name()) {
      case bhttp::field::host:
        if (fields.host++ == 0) {
          fields.first_host =
              std::string_view(field.value().data(), field.value().size());
        }
        break;
      case bhttp::field::transfer_encoding:
        ++fields.transfer_encoding;
        break;
      case bhttp::field::content_length:
        ++fields.content_length;
        break;
      default:
        break;
    }
  }
  return fields;
}

std::optional<Rejection> CheckHost(const bhttp::request_header<>& head,
                                   const FramingFields& fields) {
  if (fields.host > 1) return Rejection{400, "more than one Host header"};
  if (fields.host == 0 && head.version() >= 11) {
    return Rejection{400, "missing Host header"};
  }
  if (fields.host == 1 && !IsValidAuthority(fields.first_host)) {
    return Rejection{400, "invalid Host header"};
  }
  return std::nullopt;
}

std::optional<Rejection> CheckTransferEncoding(
    const bhttp::request_header<>& head, const FramingFields& fields) {
  const size_t count = fields.transfer_encoding;
  if (count == 0) return std::nullopt;
  if (head.version() < 11) {
    return Rejection{400, "Transfer-Encoding is not allowed in HTTP/1.0"};
  }
  if (fields.content_length > 0) {
    return Rejection{400,
                     "Content-Length and Transfer-Encoding are both present"};
  }
  if (count > 1 || !base::EqualsIgnoreCase(
                       head[bhttp::field::transfer_encoding], "chunked")) {
    return Rejection{501, "only Transfer-Encoding \"chunked\" is supported"};
  }
  return std::nullopt;
}

// True if the request line ends in " HTTP/<digit>.<digit>" CRLF.
bool HasWellFormedVersion(std::string_view buffered) {
  size_t end = buffered.find("\r\n");
  if (end == std::string_view::npos || end < 9) return false;
  std::string_view tail = buffered.substr(end - 9, 9);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return tail.substr(0, 6) == " HTTP/" && digit(tail[6]) && tail[7] == '.' &&
         digit(tail[8]);
}

bool IsAllZeros(std::string_view digits) {
  return !digits.empty() &&
         digits.find_first_not_of('0') == std::string_view::npos;
}

// True if every quoted string of a chunk line's extensions closes on the
// line. Beast looks for a quoted string's closing quote up to the end of
// its buffer, not the line, and waits for more input until it comes: an
// unclosed quote would make it hold a whole stream of bytes.
bool QuotedStringsCloseOnLine(std::string_view line) {
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') {
      quoted = !quoted;
    } else if (quoted && line[i] == '\\') {
      ++i;  // A quoted-pair: the next byte is taken as is.
    }
  }
  return !quoted;
}

// True if the request line holds more than the two spaces around the target.
bool HasSpaceInTarget(std::string_view buffered) {
  std::string_view line = buffered.substr(0, buffered.find('\n'));
  return std::count(line.begin(), line.end(), ' ') > 2;
}

}  // namespace

RoutedTarget RouteTarget(std::string_view target) {
  size_t prefix = AbsoluteFormPrefix(target);
  if (prefix == 0) return {.path_and_query = target};
  std::string_view rest = target.substr(prefix);
  size_t path = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path);
  if (authority.find('@') != std::string_view::npos) {
    authority = std::string_view();  // No userinfo in http(s) URIs.
  }
  return {.path_and_query = path == std::string_view::npos ? std::string_view()
                                                           : rest.substr(path),
          .authority = authority,
          .form = TargetForm::kAbsolute};
}

std::string RoutedTarget::OriginForm() const {
  if (form == TargetForm::kOrigin ||
      (!path_and_query.empty() && path_and_query.front() == '/')) {
    return std::string(path_and_query);
  }
  std::string origin = "/";
  origin.append(path_and_query);
  return origin;
}

std::optional<Rejection> CheckChunkLine(std::string_view unparsed,
                                        const RequestLimits& limits) {
  if (unparsed.substr(0, 2) == "\r\n") unparsed.remove_prefix(2);
  size_t line_end = unparsed.find('\n');
  if (line_end == std::string_view::npos ? unparsed.size() > kMaxChunkLineBytes
                                         : line_end > kMaxChunkLineBytes) {
    return Rejection{400, absl::StrCat("chunk size line exceeds the limit of ",
                                       kMaxChunkLineBytes, " bytes")};
  }
  if (line_end == std::string_view::npos) return std::nullopt;
  // Beast ends a chunk line at CRLF only and reads past a bare LF, so the
  // line would go on, unbounded, in what follows.
  if (line_end == 0 || unparsed[line_end - 1] != '\r') {
    return Rejection{400, "chunk size line does not end with CRLF"};
  }
  const std::string_view line = unparsed.substr(0, line_end);
  if (!QuotedStringsCloseOnLine(line)) {
    return Rejection{400, "chunk extension has an unterminated quoted string"};
  }
  // The size is the line's hex digits; Beast reads them and, for a size of
  // 0, waits for the whole trailer section before it looks at what follows
  // them, so what follows is checked here.
  const size_t digits = line.find_first_not_of("0123456789abcdefABCDEF");
  if (digits != std::string_view::npos &&
      std::string_view(";\r \t").find(line[digits]) == std::string_view::npos) {
    return Rejection{400, "malformed chunk size line"};
  }
  if (!IsAllZeros(line.substr(0, digits))) return std::nullopt;
  // The last chunk: its trailer section ends at the first empty line.
  const size_t trailers = line_end + 1;
  size_t end = unparsed.find("\r\n\r\n", line_end - 1);
  size_t section = end == std::string_view::npos ? unparsed.size() - trailers
                                                 : end + 4 - trailers;
  if (section <= limits.max_header_bytes + 2) return std::nullopt;
  return RejectionForParseError(
      bhttp::error::header_limit,
      {.unparsed = unparsed, .phase = HeadPhase::kBody, .limits = limits});
}

bool ContainsObsFold(std::string_view fragment, char preceding) {
  if (fragment.empty()) return false;
  if (preceding == '\n' && (fragment[0] == ' ' || fragment[0] == '\t')) {
    return true;
  }
  return fragment.find("\n ") != std::string_view::npos ||
         fragment.find("\n\t") != std::string_view::npos;
}

std::optional<Rejection> CheckRequestHead(const bhttp::request_header<>& head,
                                          const RequestLimits& limits) {
  if (static_cast<size_t>(std::distance(head.begin(), head.end())) >
      limits.max_header_count) {
    return Rejection{431, absl::StrCat("more than ", limits.max_header_count,
                                       " header fields")};
  }
  std::string_view method(head.method_string().data(),
                          head.method_string().size());
  if (!IsUpperAlpha(method)) {
    return Rejection{501, "request method is not implemented"};
  }
  std::string_view target(head.target().data(), head.target().size());
  if (auto r = CheckTarget(method, target)) return r;
  const FramingFields fields = ScanFramingFields(head);
  if (auto r = CheckHost(head, fields)) return r;
  if (auto r = CheckTransferEncoding(head, fields)) return r;
  return std::nullopt;
}

Rejection RejectionForParseError(const boost::beast::error_code& ec,
                                 const ParseErrorContext& context) {
  std::string_view buffered = context.unparsed;
  const RequestLimits& limits = context.limits;
  if (ec == bhttp::error::header_limit) {
    if (context.phase == HeadPhase::kBody) {
      return {431, absl::StrCat("request trailer section exceeds the limit of ",
                                limits.max_header_bytes, " bytes")};
    }
    if (context.phase == HeadPhase::kRequestLine &&
        buffered.substr(0, limits.max_header_bytes).find('\n') ==
            std::string_view::npos) {
      return {414, absl::StrCat("request line exceeds the limit of ",
                                limits.max_header_bytes, " bytes")};
    }
    return {431, absl::StrCat("request header exceeds the limit of ",
                              limits.max_header_bytes, " bytes")};
  }
  if (ec == bhttp::error::body_limit) {
    return {413, absl::StrCat("request body exceeds the limit of ",
                              limits.max_body_bytes, " bytes")};
  }
  if (ec == bhttp::error::bad_version &&
      context.phase == HeadPhase::kRequestLine) {
    if (HasSpaceInTarget(buffered)) {
      return {400, "request target must not contain spaces"};
    }
    if (buffered.substr(0, 14) == "PRI * HTTP/2.0") {
      return {400, "HTTP/2 is not supported on this port"};
    }
    if (HasWellFormedVersion(buffered)) {
      return {505, "HTTP version not supported"};
    }
    return {400, "malformed HTTP version in the request line"};
  }
  return {400, absl::StrCat("malformed HTTP request: ", ec.message())};
}

}  // namespace protogate::http
