// Ast: the syntax tree of one CEL expression, as the parser builds it and the
// checker annotates it (resolved variables, fields, functions and types).
// Internal to expr/; users hold a Program (program.h).
//
// Thread safety: immutable once checked; evaluation only reads it.
// Ownership: each node owns its children; `field` points into the
// environment's DescriptorPool, which must outlive the tree.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "expr/type.h"
#include "expr/value.h"
#include "google/protobuf/descriptor.h"

namespace re2 {
class RE2;
}

namespace protogate::expr {

enum class NodeKind : uint8_t {
  kConst,   // `value`.
  kIdent,   // `name` (parser); kVar or kSlot after checking.
  kVar,     // Environment variable `index`.
  kSlot,    // Comprehension variable in slot `index`.
  kSelect,  // args[0].name; `field` set for messages. `test_only`: has().
  kIndex,   // args[0][args[1]].
  kCall,    // name(args...), or args[0].name(args[1..]) if `receiver`.
  kList,    // [args...].
  kMap,     // {args[0]: args[1], ...}.
  kAnd,     // args[0] && args[1].
  kOr,      // args[0] || args[1].
  kCond,    // args[0] ? args[1] : args[2].
  kLoop,    // A macro: see Macro.
};

enum class Macro : uint8_t { kAll, kExists, kExistsOne, kMap, kFilter };

// Functions after checking; kUnknown before.
enum class Fn : uint8_t {
  kUnknown,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kNeg,
  kNot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kSize,
  kStartsWith,
  kEndsWith,
  kContains,
  kMatches,
  kToInt,
  kToUint,
  kToDouble,
  kToString,
  kToBool,
  kToBytes,
  kToTimestamp,
  kToDuration,
  kDyn,
  kTypeOf,
  kGetFullYear,
  kGetMonth,
  kGetDayOfYear,
  kGetDayOfMonth,
  kGetDate,
  kGetDayOfWeek,
  kGetHours,
  kGetMinutes,
  kGetSeconds,
  kGetMilliseconds,
};

struct Node {
  NodeKind kind = NodeKind::kConst;
  Fn fn = Fn::kUnknown;
  Macro macro = Macro::kAll;
  bool receiver = false;   // kCall: called as a method.
  bool test_only = false;  // kSelect inside has().
  int index = -1;          // kVar, kSlot; kLoop: the iteration slot.
  int position = 0;        // Offset in the source text.
  std::string name;        // kIdent, kSelect, kCall.
  Value value;             // kConst.
  // kLoop: args[0] the range, args[1] the step (predicate or transform),
  // args[2] the filter of a three-argument map (optional).
  std::vector<std::unique_ptr<Node>> args;
  const google::protobuf::FieldDescriptor* field = nullptr;
  std::shared_ptr<const re2::RE2> regex;  // kMatches with a literal pattern.
  Type type;                              // Set by the checker.
};

}  // namespace protogate::expr
