// Env and Activation: what an expression may name, at load time (Env: the
// declared variables and their types) and at run time (Activation: their
// values).
//
// Variable names may be qualified ("steps.shelf.response"): CEL resolves
// `a.b.c` to the longest declared prefix and selects the rest as fields.
//
// Thread safety: Env is immutable once programs are compiled against it;
// Activation implementations say their own (Program::Eval only reads).
// Ownership: message types in declared Types point into a DescriptorPool
// that must outlive the Env and every Program compiled against it.
//
// Example:
//   Env env;
//   const int request = env.Declare("request", Type::Message(*input));
//   class Vars : public Activation {
//     Value Get(int index) const override { return Value::Message(*req); }
//   };
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "expr/type.h"
#include "expr/value.h"

namespace protogate::expr {

class Env {
 public:
  // Declares `name` with `type` and returns its index (0, 1, ...);
  // redeclaring a name returns the existing index and keeps the first type.
  int Declare(std::string name, Type type);

  // The index of `name`, or -1.
  int Find(std::string_view name) const;
  const Type& type(int index) const { return types_[index]; }
  const std::string& name(int index) const { return names_[index]; }
  int size() const { return static_cast<int>(names_.size()); }

 private:
  absl::flat_hash_map<std::string, int> index_;
  std::vector<std::string> names_;
  std::vector<Type> types_;
};

// The values of an Env's variables during one evaluation.
class Activation {
 public:
  virtual ~Activation() = default;
  // The value of variable `index` (as returned by Env::Declare). A variable
  // without a value may return Value::Error(...) and the expression's
  // result is that error unless CEL's logic absorbs it.
  virtual Value Get(int index) const = 0;
};

}  // namespace protogate::expr
