#include "gateway/auth/route_requirements.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace protogate::auth {
namespace {

using config::v1::MethodAuth;
using config::v1::MethodSettings;

bool SelectorMatches(const std::string& selector, const std::string& name) {
  return name == selector ||
         (name.size() > selector.size() && name.starts_with(selector) &&
          name[selector.size()] == '.');
}

// The index of the `methods` entry that decides `method` (-1:
// method_defaults; -2: none).
int DecidingEntry(const config::v1::GatewayConfig& config,
                  const std::string& method) {
  int best = -2;
  size_t best_length = 0;
  for (int i = 0; i < config.methods_size(); ++i) {
    const MethodSettings& m = config.methods(i);
    if (!m.has_auth() || !SelectorMatches(m.selector(), method)) continue;
    if (best < 0 || m.selector().size() > best_length) {
      best = i;
      best_length = m.selector().size();
    }
  }
  if (best == -2 && config.method_defaults().has_auth()) best = -1;
  return best;
}

absl::StatusOr<std::unique_ptr<Requirement>> Resolve(
    const MethodAuth& rule, const std::string& path,
    const CredentialNames& names) {
  auto need = std::make_unique<Requirement>();
  need->allow_anonymous = rule.allow_anonymous();
  need->scopes.assign(rule.scopes().begin(), rule.scopes().end());
  need->insufficient_scope_challenge =
      absl::StrCat("Bearer error=\"insufficient_scope\", scope=\"",
                   absl::StrJoin(need->scopes, " "), "\"");
  if (rule.require_any().empty()) {
    for (const auto& [name, index] : names.providers) {
      need->providers.push_back(index);
    }
    for (const auto& [name, index] : names.api_keys) {
      need->api_keys.push_back(index);
    }
    return need;
  }
  for (int i = 0; i < rule.require_any_size(); ++i) {
    const std::string& name = rule.require_any(i);
    if (auto it = names.providers.find(name); it != names.providers.end()) {
      need->providers.push_back(it->second);
    } else if (auto k = names.api_keys.find(name); k != names.api_keys.end()) {
      need->api_keys.push_back(k->second);
    } else {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ".auth.require_any[", i,
                       "]: unknown credential \"", name, "\""));
    }
  }
  return need;
}

}  // namespace

const config::v1::MethodAuth* FindMethodAuth(
    const config::v1::GatewayConfig& config,
    const std::string& method_full_name) {
  const int entry = DecidingEntry(config, method_full_name);
  if (entry == -2) return nullptr;
  return entry == -1 ? &config.method_defaults().auth()
                     : &config.methods(entry).auth();
}

absl::StatusOr<RouteRequirements> RouteRequirements::Build(
    const config::v1::GatewayConfig& config, const routing::RouteTable& routes,
    const CredentialNames& names) {
  RouteRequirements out;
  // Entry index + 1 (0: method_defaults) -> its resolved requirement.
  absl::flat_hash_map<int, const Requirement*> resolved;
  out.by_route_.reserve(routes.routes().size());
  for (const routing::Route& route : routes.routes()) {
    const int entry = DecidingEntry(config, route.method->full_name());
    if (entry == -2) {
      out.by_route_.push_back(nullptr);
      continue;
    }
    auto [it, inserted] = resolved.try_emplace(entry, nullptr);
    if (inserted) {
      const bool defaults = entry == -1;
      absl::StatusOr<std::unique_ptr<Requirement>> need =
          Resolve(defaults ? config.method_defaults().auth()
                           : config.methods(entry).auth(),
                  defaults ? std::string("method_defaults")
                           : absl::StrCat("methods[", entry, "]"),
                  names);
      if (!need.ok()) return need.status();
      it->second = need->get();
      out.owned_.push_back(*std::move(need));
    }
    out.by_route_.push_back(it->second);
  }
  return out;
}

}  // namespace protogate::auth
