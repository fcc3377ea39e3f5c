#include "gateway/auth/jwt.h"

#include <array>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "gateway/base/json_control_bytes.h"
#include "gateway/base/strings.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::auth {
namespace {

struct AlgorithmName {
  std::string_view name;
  JwsAlgorithm algorithm;
};

constexpr std::array<AlgorithmName, 13> kAlgorithms = {{
    {"RS256", JwsAlgorithm::kRs256},
    {"RS384", JwsAlgorithm::kRs384},
    {"RS512", JwsAlgorithm::kRs512},
    {"PS256", JwsAlgorithm::kPs256},
    {"PS384", JwsAlgorithm::kPs384},
    {"PS512", JwsAlgorithm::kPs512},
    {"ES256", JwsAlgorithm::kEs256},
    {"ES384", JwsAlgorithm::kEs384},
    {"ES512", JwsAlgorithm::kEs512},
    {"EdDSA", JwsAlgorithm::kEdDsa},
    {"HS256", JwsAlgorithm::kHs256},
    {"HS384", JwsAlgorithm::kHs384},
    {"HS512", JwsAlgorithm::kHs512},
}};

constexpr unsigned kJsonFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed token: ", base::ToAbsl(what)));
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Decodes one base64url part into a JSON object.
absl::Status ParseJsonPart(std::string_view part, std::string_view what,
                           rapidjson::Document& doc) {
  std::optional<std::string> json = DecodeBase64Url(part);
  if (!json.has_value())
    return Malformed(absl::StrCat(base::ToAbsl(what), " is not base64url"));
  doc.Parse<kJsonFlags>(json->data(), json->size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Malformed(absl::StrCat(base::ToAbsl(what), " is not a JSON object"));
  }
  return absl::OkStatus();
}

std::string ValueText(const rapidjson::Value& value) {
  if (value.IsString())
    return std::string(value.GetString(), value.GetStringLength());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  // Strings inside the client's claim may hold 0x1A..0x1F.
  return base::EscapeRawControlBytes(
      std::string(buffer.GetString(), buffer.GetSize()));
}

// A NumericDate: a JSON number of seconds, floored to an integer.
absl::Status ReadTime(const rapidjson::Value& claims, const char* name,
                      std::optional<int64_t>& out) {
  auto it = claims.FindMember(name);
  if (it == claims.MemberEnd()) return absl::OkStatus();
  if (!it->value.IsNumber()) {
    return Malformed(absl::StrCat("claim ", name, " is not a number"));
  }
  const double seconds = it->value.GetDouble();
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e15) {
    return Malformed(absl::StrCat("claim ", name, " is out of range"));
  }
  out = static_cast<int64_t>(std::floor(seconds));
  return absl::OkStatus();
}

absl::Status ReadString(const rapidjson::Value& claims, const char* name,
                        std::string& out) {
  auto it = claims.FindMember(name);
  if (it == claims.MemberEnd()) return absl::OkStatus();
  if (!it->value.IsString()) {
    return Malformed(absl::StrCat("claim ", name, " is not a string"));
  }
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return absl::OkStatus();
}

// A string or an array of strings (`aud`, `scp`).
absl::Status ReadStrings(const rapidjson::Value& claims, const char* name,
                         std::vector<std::string>& out) {
  auto it = claims.FindMember(name);
  if (it == claims.MemberEnd()) return absl::OkStatus();
  if (it->value.IsString()) {
    out.emplace_back(it->value.GetString(), it->value.GetStringLength());
    return absl::OkStatus();
  }
  if (!it->value.IsArray()) {
    return Malformed(absl::StrCat("claim ", name, " is not a string or array"));
  }
  for (const rapidjson::Value& v : it->value.GetArray()) {
    if (!v.IsString()) {
      return Malformed(absl::StrCat("claim ", name, " has a non-string"));
    }
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return absl::OkStatus();
}

absl::Status ReadClaims(const rapidjson::Document& payload, JwtClaims& c) {
  if (absl::Status s = ReadString(payload, "iss", c.issuer); !s.ok()) return s;
  if (absl::Status s = ReadString(payload, "sub", c.subject); !s.ok()) return s;
  if (absl::Status s = ReadStrings(payload, "aud", c.audiences); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadTime(payload, "exp", c.expires_at); !s.ok())
    return s;
  if (absl::Status s = ReadTime(payload, "nbf", c.not_before); !s.ok())
    return s;
  if (absl::Status s = ReadTime(payload, "iat", c.issued_at); !s.ok()) return s;
  std::string scope;
  if (absl::Status s = ReadString(payload, "scope", scope); !s.ok()) return s;
  for (absl::string_view one : absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
    c.scopes.emplace_back(one);
  }
  if (absl::Status s = ReadStrings(payload, "scp", c.scopes); !s.ok()) return s;
  for (const auto& member : payload.GetObject()) {
    c.text.emplace_back(
        std::string(member.name.GetString(), member.name.GetStringLength()),
        ValueText(member.value));
  }
  return absl::OkStatus();
}

absl::Status ReadHeader(const rapidjson::Document& header, Jwt& jwt) {
  auto alg = header.FindMember("alg");
  if (alg == header.MemberEnd() || !alg->value.IsString()) {
    return Malformed("header has no alg");
  }
  std::optional<JwsAlgorithm> algorithm = JwsAlgorithmFromName(
      std::string_view(alg->value.GetString(), alg->value.GetStringLength()));
  if (!algorithm.has_value()) {
    return absl::InvalidArgumentError("algorithm not accepted");
  }
  jwt.algorithm = *algorithm;
  if (header.HasMember("crit")) {
    return absl::InvalidArgumentError("critical header not supported");
  }
  auto kid = header.FindMember("kid");
  if (kid != header.MemberEnd()) {
    if (!kid->value.IsString()) return Malformed("kid is not a string");
    jwt.key_id.assign(kid->value.GetString(), kid->value.GetStringLength());
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<JwsAlgorithm> JwsAlgorithmFromName(std::string_view name) {
  for (const AlgorithmName& a : kAlgorithms) {
    if (a.name == name) return a.algorithm;
  }
  return std::nullopt;
}

std::string_view JwsAlgorithmName(JwsAlgorithm algorithm) {
  for (const AlgorithmName& a : kAlgorithms) {
    if (a.algorithm == algorithm) return a.name;
  }
  return "?";
}

bool IsHmac(JwsAlgorithm algorithm) {
  return algorithm == JwsAlgorithm::kHs256 ||
         algorithm == JwsAlgorithm::kHs384 || algorithm == JwsAlgorithm::kHs512;
}

std::optional<std::string> DecodeBase64Url(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  for (char c : text) {
    if (!IsBase64UrlChar(c)) return std::nullopt;
  }
  std::string out;
  if (!absl::WebSafeBase64Unescape(base::ToAbsl(text), &out)) {
    return std::nullopt;
  }
  return out;
}

absl::StatusOr<Jwt> ParseJwt(std::string_view token) {
  if (token.size() > kMaxTokenBytes) {
    return absl::InvalidArgumentError("token too large");
  }
  const size_t first = token.find('.');
  const size_t second =
      first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos ||
      token.find('.', second + 1) != std::string_view::npos) {
    return Malformed("not three parts");
  }
  Jwt jwt;
  rapidjson::Document header;
  if (absl::Status s = ParseJsonPart(token.substr(0, first), "header", header);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadHeader(header, jwt); !s.ok()) return s;
  rapidjson::Document payload;
  if (absl::Status s = ParseJsonPart(
          token.substr(first + 1, second - first - 1), "payload", payload);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadClaims(payload, jwt.claims); !s.ok()) return s;
  std::optional<std::string> signature =
      DecodeBase64Url(token.substr(second + 1));
  if (!signature.has_value() || signature->empty()) {
    return Malformed("signature is not base64url");
  }
  jwt.signature = std::move(*signature);
  jwt.signing_input = token.substr(0, second);
  return jwt;
}

}  // namespace protogate::auth
