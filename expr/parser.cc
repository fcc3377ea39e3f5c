#include "expr/parser.h"

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "expr/lexer.h"
#include "gateway/base/strings.h"

namespace protogate::expr {
namespace {

constexpr int kMaxDepth = 250;
constexpr size_t kMaxText = 100000;

std::unique_ptr<Node> MakeNode(NodeKind kind, int position) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->position = position;
  return n;
}

std::unique_ptr<Node> Call(std::string name, int position,
                           std::unique_ptr<Node> a,
                           std::unique_ptr<Node> b = nullptr) {
  auto n = MakeNode(NodeKind::kCall, position);
  n->name = std::move(name);
  n->args.push_back(std::move(a));
  if (b != nullptr) n->args.push_back(std::move(b));
  return n;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  absl::StatusOr<std::unique_ptr<Node>> ParseAll();

 private:
  using Result = absl::StatusOr<std::unique_ptr<Node>>;

  absl::Status Advance() { return lexer_.Next(&tok_); }
  bool Is(std::string_view punct) const {
    return tok_.kind == Tok::kPunct && tok_.text == punct;
  }
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(tok_.position, ": ", base::ToAbsl(what)));
  }
  absl::Status Expect(std::string_view punct);

  Result Expr();
  Result Binary(int level);
  Result Unary();
  Result Member();
  Result MemberSuffix(std::unique_ptr<Node> base);
  Result Primary();
  Result Literal();
  Result IdentOrCall();
  Result ListOrMap();
  absl::Status Args(std::string_view close,
                    std::vector<std::unique_ptr<Node>>* out);
  Result Macro(std::unique_ptr<Node> call);

  Lexer lexer_;
  Token tok_;
  int depth_ = 0;
};

absl::Status Parser::Expect(std::string_view punct) {
  if (!Is(punct))
    return Error(absl::StrCat("expected '", base::ToAbsl(punct), "'"));
  return Advance();
}

absl::StatusOr<std::unique_ptr<Node>> Parser::ParseAll() {
  absl::Status st = Advance();
  if (!st.ok()) return st;
  Result e = Expr();
  if (!e.ok()) return e;
  if (tok_.kind != Tok::kEof) return Error("unexpected text after expression");
  return e;
}

Parser::Result Parser::Expr() {
  if (++depth_ > kMaxDepth) return Error("expression nests too deeply");
  Result cond = Binary(0);
  if (!cond.ok() || !Is("?")) {
    --depth_;
    return cond;
  }
  const int at = tok_.position;
  absl::Status st = Advance();
  if (!st.ok()) return st;
  Result a = Binary(0);
  if (!a.ok()) return a;
  if (st = Expect(":"); !st.ok()) return st;
  Result b = Expr();
  if (!b.ok()) return b;
  auto n = MakeNode(NodeKind::kCond, at);
  n->args.push_back(*std::move(cond));
  n->args.push_back(*std::move(a));
  n->args.push_back(*std::move(b));
  --depth_;
  return n;
}

// Levels: 0 ||, 1 &&, 2 relations, 3 + -, 4 * / %.
Parser::Result Parser::Binary(int level) {
  if (level == 5) return Unary();
  static const std::vector<std::string_view> kOps[] = {
      {"||"},
      {"&&"},
      {"<", "<=", ">", ">=", "==", "!=", "in"},
      {"+", "-"},
      {"*", "/", "%"}};
  Result left = Binary(level + 1);
  // Each operator of a chain deepens the (left-deep) tree by one.
  const int depth_before = depth_;
  while (left.ok()) {
    std::string op;
    for (std::string_view o : kOps[level]) {
      if ((tok_.kind == Tok::kPunct || tok_.kind == Tok::kIdent) &&
          tok_.text == o) {
        op = std::string(o);
      }
    }
    if (op.empty()) break;
    const int at = tok_.position;
    if (++depth_ > kMaxDepth) return Error("expression nests too deeply");
    absl::Status st = Advance();
    if (!st.ok()) return st;
    Result right = Binary(level + 1);
    if (!right.ok()) return right;
    if (op == "||" || op == "&&") {
      auto n = MakeNode(op == "||" ? NodeKind::kOr : NodeKind::kAnd, at);
      n->args.push_back(*std::move(left));
      n->args.push_back(*std::move(right));
      left = std::move(n);
    } else {
      const std::string name = op == "in" ? "@in" : absl::StrCat("_", op, "_");
      left = Call(name, at, *std::move(left), *std::move(right));
    }
  }
  depth_ = depth_before;
  return left;
}

Parser::Result Parser::Unary() {
  if (!Is("!") && !Is("-")) return Member();
  const std::string op = tok_.text;
  const int at = tok_.position;
  if (++depth_ > kMaxDepth) return Error("expression nests too deeply");
  absl::Status st = Advance();
  if (!st.ok()) return st;
  if (op == "-" && (tok_.kind == Tok::kInt || tok_.kind == Tok::kDouble)) {
    tok_.text = absl::StrCat("-", tok_.text);
    Result lit = Literal();
    if (!lit.ok()) return lit;
    --depth_;
    return MemberSuffix(*std::move(lit));
  }
  Result operand = Unary();
  if (!operand.ok()) return operand;
  --depth_;
  return Call(op == "!" ? "!_" : "-_", at, *std::move(operand));
}

Parser::Result Parser::Member() {
  Result base = Primary();
  if (!base.ok()) return base;
  return MemberSuffix(*std::move(base));
}

Parser::Result Parser::MemberSuffix(std::unique_ptr<Node> base) {
  const int depth_before = depth_;
  while (Is(".") || Is("[")) {
    const int at = tok_.position;
    if (++depth_ > kMaxDepth) return Error("expression nests too deeply");
    const bool dot = Is(".");
    absl::Status st = Advance();
    if (!st.ok()) return st;
    if (!dot) {
      Result index = Expr();
      if (!index.ok()) return index;
      if (st = Expect("]"); !st.ok()) return st;
      auto n = MakeNode(NodeKind::kIndex, at);
      n->args.push_back(std::move(base));
      n->args.push_back(*std::move(index));
      base = std::move(n);
      continue;
    }
    if (tok_.kind != Tok::kIdent) return Error("expected a field name");
    std::string name = tok_.text;
    if (st = Advance(); !st.ok()) return st;
    if (!Is("(")) {
      auto n = MakeNode(NodeKind::kSelect, at);
      n->name = std::move(name);
      n->args.push_back(std::move(base));
      base = std::move(n);
      continue;
    }
    if (st = Advance(); !st.ok()) return st;
    auto n = MakeNode(NodeKind::kCall, at);
    n->name = std::move(name);
    n->receiver = true;
    n->args.push_back(std::move(base));
    if (st = Args(")", &n->args); !st.ok()) return st;
    Result m = Macro(std::move(n));
    if (!m.ok()) return m;
    base = *std::move(m);
  }
  depth_ = depth_before;
  return base;
}

absl::Status Parser::Args(std::string_view close,
                          std::vector<std::unique_ptr<Node>>* out) {
  while (!Is(close)) {
    Result e = Expr();
    if (!e.ok()) return e.status();
    out->push_back(*std::move(e));
    if (Is(",")) {
      absl::Status st = Advance();
      if (!st.ok()) return st;
    } else if (!Is(close)) {
      return Error(absl::StrCat("expected ',' or '", base::ToAbsl(close), "'"));
    }
  }
  return Advance();
}

Parser::Result Parser::Primary() {
  switch (tok_.kind) {
    case Tok::kEof:
      return Error("unexpected end of expression");
    case Tok::kIdent:
      return IdentOrCall();
    case Tok::kPunct:
      break;
    default:
      return Literal();
  }
  if (Is("(")) {
    absl::Status st = Advance();
    if (!st.ok()) return st;
    Result e = Expr();
    if (!e.ok()) return e;
    if (st = Expect(")"); !st.ok()) return st;
    return e;
  }
  if (Is("[") || Is("{")) return ListOrMap();
  if (Is(".")) return Error("leading '.' names are not supported");
  return Error(absl::StrCat("unexpected '", tok_.text, "'"));
}

Parser::Result Parser::Literal() {
  auto n = MakeNode(NodeKind::kConst, tok_.position);
  const std::string& t = tok_.text;
  switch (tok_.kind) {
    case Tok::kInt: {
      const bool neg = t[0] == '-';
      const std::string digits = t.substr(neg ? 1 : 0);
      const bool hex =
          digits.size() > 2 && (digits[1] == 'x' || digits[1] == 'X');
      uint64_t u = 0;
      bool ok = hex ? absl::SimpleHexAtoi(digits.substr(2), &u)
                    : absl::SimpleAtoi(digits, &u);
      const uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
      if (!ok || u > limit) return Error("int literal out of range");
      n->value = Value::Int(neg ? static_cast<int64_t>(0 - u)
                                : static_cast<int64_t>(u));
      break;
    }
    case Tok::kUint: {
      const bool hex = t.size() > 2 && (t[1] == 'x' || t[1] == 'X');
      uint64_t u = 0;
      if (!(hex ? absl::SimpleHexAtoi(t.substr(2), &u)
                : absl::SimpleAtoi(t, &u)))
        return Error("uint literal out of range");
      n->value = Value::Uint(u);
      break;
    }
    case Tok::kDouble: {
      errno = 0;
      n->value = Value::Double(std::strtod(t.c_str(), nullptr));
      break;
    }
    case Tok::kString:
      n->value = Value::String(t);
      break;
    case Tok::kBytes:
      n->value = Value::Bytes(t);
      break;
    default:
      return Error("expected a literal");
  }
  absl::Status st = Advance();
  if (!st.ok()) return st;
  return n;
}

Parser::Result Parser::IdentOrCall() {
  const int at = tok_.position;
  std::string name = tok_.text;
  absl::Status st = Advance();
  if (!st.ok()) return st;
  if (name == "true" || name == "false") {
    auto n = MakeNode(NodeKind::kConst, at);
    n->value = Value::Bool(name == "true");
    return n;
  }
  if (name == "null") return MakeNode(NodeKind::kConst, at);
  if (name == "in" || IsReserved(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, ": reserved word \"", name, "\""));
  }
  if (!Is("(")) {
    auto n = MakeNode(NodeKind::kIdent, at);
    n->name = std::move(name);
    return n;
  }
  if (st = Advance(); !st.ok()) return st;
  auto n = MakeNode(NodeKind::kCall, at);
  n->name = std::move(name);
  if (st = Args(")", &n->args); !st.ok()) return st;
  return Macro(std::move(n));
}

Parser::Result Parser::ListOrMap() {
  const bool list = Is("[");
  auto n = MakeNode(list ? NodeKind::kList : NodeKind::kMap, tok_.position);
  absl::Status st = Advance();
  if (!st.ok()) return st;
  const std::string_view close = list ? "]" : "}";
  while (!Is(close)) {
    Result e = Expr();
    if (!e.ok()) return e;
    n->args.push_back(*std::move(e));
    if (!list) {
      if (st = Expect(":"); !st.ok()) return st;
      Result v = Expr();
      if (!v.ok()) return v;
      n->args.push_back(*std::move(v));
    }
    if (Is(",")) {
      if (st = Advance(); !st.ok()) return st;
    } else if (!Is(close)) {
      return Error(absl::StrCat("expected ',' or '", base::ToAbsl(close), "'"));
    }
  }
  if (st = Advance(); !st.ok()) return st;
  return n;
}

// Expands has() and the comprehension macros; other calls pass through.
Parser::Result Parser::Macro(std::unique_ptr<Node> call) {
  const std::string& name = call->name;
  auto fail = [&](std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(call->position, ": ", base::ToAbsl(what)));
  };
  if (!call->receiver && name == "has") {
    if (call->args.size() != 1 || call->args[0]->kind != NodeKind::kSelect) {
      return fail("has() needs a field selection, as in has(a.b)");
    }
    std::unique_ptr<Node> select = std::move(call->args[0]);
    select->test_only = true;
    return select;
  }
  if (!call->receiver) return call;
  static const std::pair<std::string_view, expr::Macro> kMacros[] = {
      {"all", Macro::kAll},
      {"exists", Macro::kExists},
      {"exists_one", Macro::kExistsOne},
      {"map", Macro::kMap},
      {"filter", Macro::kFilter}};
  for (const auto& [macro_name, macro] : kMacros) {
    if (name != macro_name) continue;
    const size_t args = call->args.size() - 1;
    if (!(args == 2 || (args == 3 && macro == Macro::kMap))) break;
    if (call->args[1]->kind != NodeKind::kIdent) {
      return fail(absl::StrCat(name, "() needs a variable name first"));
    }
    auto loop = MakeNode(NodeKind::kLoop, call->position);
    loop->macro = macro;
    loop->name = call->args[1]->name;
    loop->args.push_back(std::move(call->args[0]));
    if (args == 3) {  // map(x, filter, transform)
      loop->args.push_back(std::move(call->args[3]));
      loop->args.push_back(std::move(call->args[2]));
    } else {
      loop->args.push_back(std::move(call->args[2]));
    }
    return loop;
  }
  return call;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Node>> Parse(std::string_view text) {
  if (text.size() > kMaxText) {
    return absl::InvalidArgumentError("expression longer than 100000 bytes");
  }
  return Parser(text).ParseAll();
}

}  // namespace protogate::expr
