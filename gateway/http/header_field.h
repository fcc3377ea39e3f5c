// HeaderField: one header (or trailer) field of a response, as handlers,
// pipeline stages and the HTTP/1.1 and HTTP/2 serializers pass it around.
// Its name (HeaderName) is either a compile-time constant
// (ConstantHeaderName: a view of static storage, checked once by the
// compiler, never copied) or a runtime string (owned, checked by the
// serializers for every response). Hot paths that add fixed headers (the
// RateLimit-* headers, CORS, X-Request-Id) use constants.
//
// Thread safety: value types; the usual const-method rules.
//
// Example:
//   response.headers.emplace_back(
//       http::ConstantHeaderName("RateLimit-Limit"), "100");  // No copy.
//   response.headers.emplace_back(config_name, config_value);   // Checked.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace protogate::http {

// RFC 9110 tchar.
constexpr bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Whether `name`, ASCII letters folded, equals `lower` (lower case).
constexpr bool EqualsLowerCase(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// Whether `name` is one of the fields the server writes itself
// (Content-Length, Transfer-Encoding, Connection, Server, Date), compared
// without regard to case and only against the one of its length.
constexpr bool IsManagedHeaderName(std::string_view name) {
  switch (name.size()) {
    case 4:
      return EqualsLowerCase(name, "date");
    case 6:
      return EqualsLowerCase(name, "server");
    case 10:
      return EqualsLowerCase(name, "connection");
    case 14:
      return EqualsLowerCase(name, "content-length");
    case 17:
      return EqualsLowerCase(name, "transfer-encoding");
    default:
      return false;
  }
}

// A header name known at compile time, checked by the compiler: a name that
// is not a token or is managed by the server does not compile. It views its
// text, which must be a literal or other static storage.
class ConstantHeaderName {
 public:
  consteval ConstantHeaderName(std::string_view name)  // NOLINT
      : name_(name) {
    if (name.empty()) throw "a header name is a non-empty token";
    for (char c : name) {
      if (!IsTokenChar(c)) throw "a header name is a token (RFC 9110 5.1)";
    }
    if (IsManagedHeaderName(name)) throw "the server writes this header";
  }
  constexpr std::string_view view() const { return name_; }

 private:
  std::string_view name_;
};

class HeaderName {
 public:
  // A runtime name: copied; the serializers drop a field whose name is not
  // a token or is one the server manages.
  HeaderName(std::string name) : owned_(std::move(name)) {}  // NOLINT
  HeaderName(std::string_view name) : owned_(name) {}        // NOLINT
  HeaderName(const char* name) : owned_(name) {}             // NOLINT
  // A constant name: not copied and not checked per response.
  HeaderName(ConstantHeaderName name)  // NOLINT
      : constant_(name.view().data()),
        constant_size_(static_cast<uint32_t>(name.view().size())) {}

  std::string_view view() const {
    return constant_ != nullptr ? std::string_view(constant_, constant_size_)
                                : std::string_view(owned_);
  }
  operator std::string_view() const { return view(); }  // NOLINT
  // Whether it came from a ConstantHeaderName: a token the server does not
  // manage.
  bool is_constant() const { return constant_ != nullptr; }

  size_t size() const { return view().size(); }
  const char* data() const { return view().data(); }
  bool empty() const { return view().empty(); }

  friend bool operator==(const HeaderName& a, const HeaderName& b) {
    return a.view() == b.view();
  }
  friend bool operator==(const HeaderName& a, std::string_view b) {
    return a.view() == b;
  }
  friend bool operator==(const HeaderName& a, const char* b) {
    return a.view() == std::string_view(b);
  }
  friend bool operator==(const HeaderName& a, const std::string& b) {
    return a.view() == std::string_view(b);
  }

 private:
  std::string owned_;
  const char* constant_ = nullptr;
  uint32_t constant_size_ = 0;
};

std::ostream& operator<<(std::ostream& out, const HeaderName& name);

// Name and value. The value is always owned; the serializers drop a field
// whose value holds CR, LF or NUL.
using HeaderField = std::pair<HeaderName, std::string>;
using HeaderFields = std::vector<HeaderField>;

}  // namespace protogate::http
