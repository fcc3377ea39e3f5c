#include "expr/env.h"

#include <utility>

#include "gateway/base/strings.h"

namespace protogate::expr {

int Env::Declare(std::string name, Type type) {
  auto [it, inserted] = index_.try_emplace(name, size());
  if (inserted) {
    names_.push_back(std::move(name));
    types_.push_back(std::move(type));
  }
  return it->second;
}

int Env::Find(std::string_view name) const {
  auto it = index_.find(base::ToAbsl(name));
  return it == index_.end() ? -1 : it->second;
}

}  // namespace protogate::expr
