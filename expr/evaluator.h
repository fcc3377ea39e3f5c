// Evaluate: walks a checked syntax tree (ast.h) and computes its value.
// Internal to expr/ (Program::Eval calls it).
//
// Thread safety: reads the tree only; `slots` belongs to the caller.
#pragma once

#include "expr/ast.h"
#include "expr/env.h"

namespace protogate::expr {

// REQUIRES: `root` passed Check(); `slots` has room for its slots.
Value Evaluate(const Node& root, const Activation& activation, Value* slots);

}  // namespace protogate::expr
