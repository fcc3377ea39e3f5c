// Program: one CEL expression (the subset parser.h describes), parsed and
// checked once against an Env, evaluated any number of times.
//
// Semantics are CEL's for what the subset supports: int and uint overflow,
// division by zero, a missing map key or an out-of-range index give error
// values; `&&`, `||` and the all/exists macros absorb an error when the
// other operand decides the result (false && error == false); equality
// compares numbers across int, uint and double by value.
//
// Evaluation walks the checked tree. Scalars, strings read from messages,
// repeated fields and messages are not copied; a string or list that an
// expression builds (concatenation, map(), string()) allocates.
//
// Thread safety: immutable after Compile(); Eval() may run concurrently.
// Ownership: the Env's descriptor pool must outlive the program; values an
// Activation returns must outlive the Eval() call that reads them.
//
// Example:
//   Env env;
//   env.Declare("request", Type::Message(*request_type));
//   absl::StatusOr<std::unique_ptr<const Program>> p =
//       Program::Compile("request.page_size > 0 && request.page_size <= 50",
//                        env);
//   Value v = (*p)->Eval(activation);  // Value::Bool(...) or an error value.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "expr/ast.h"
#include "expr/checker.h"
#include "expr/env.h"

namespace protogate::expr {

class Program {
 public:
  // InvalidArgument `column <n>: <what>` for a syntax or type error.
  static absl::StatusOr<std::unique_ptr<const Program>> Compile(
      std::string_view text, const Env& env,
      CheckMode mode = CheckMode::kStrict);

  // The result's static type (dyn when it depends on run-time values).
  const Type& type() const { return root_->type; }
  // The Env variables the expression reads (sorted, unique).
  const std::vector<int>& variables() const { return variables_; }
  const std::string& text() const { return text_; }
  // True when the expression is a constant (no variables).
  bool is_constant() const { return variables_.empty(); }

  // The expression's value, or an error value (never throws, never fails
  // otherwise).
  Value Eval(const Activation& activation) const;

 private:
  Program() = default;

  std::string text_;
  std::unique_ptr<Node> root_;
  int slots_ = 0;
  std::vector<int> variables_;
};

}  // namespace protogate::expr
