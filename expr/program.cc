#include "expr/program.h"

#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "expr/evaluator.h"
#include "expr/parser.h"
#include "gateway/base/strings.h"

namespace protogate::expr {

absl::StatusOr<std::unique_ptr<const Program>> Program::Compile(
    std::string_view text, const Env& env, CheckMode mode) {
  absl::StatusOr<std::unique_ptr<Node>> root = Parse(text);
  if (!root.ok()) {
    // The parser reports byte offsets; report columns like the checker.
    absl::string_view message = root.status().message();
    const size_t colon = message.find(": ");
    int offset = 0;
    if (colon != std::string_view::npos &&
        absl::SimpleAtoi(message.substr(0, colon), &offset)) {
      return absl::InvalidArgumentError(
          absl::StrCat("column ", offset + 1,
                       ": syntax error: ", message.substr(colon + 2)));
    }
    return root.status();
  }
  CheckOutput out;
  absl::Status st = Check(env, mode, **root, &out);
  if (!st.ok()) return st;
  std::unique_ptr<Program> p(new Program());
  p->text_ = std::string(text);
  p->root_ = *std::move(root);
  p->slots_ = out.slots;
  p->variables_ = std::move(out.variables);
  return std::unique_ptr<const Program>(std::move(p));
}

Value Program::Eval(const Activation& activation) const {
  absl::InlinedVector<Value, 4> slots(slots_);
  return Evaluate(*root_, activation, slots.data());
}

}  // namespace protogate::expr
