// expr/<i>: the cost of evaluating one CEL expression (expr::Program::Eval)
// over an aggbench.Item read in place, per expression of kExpressions; the
// label is the expression. Part of aggregator_bench (tools/bench/aggregator.sh
// prints the table).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "expr/program.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"

namespace protogate::aggregator {
namespace {

constexpr const char* kExpressions[] = {
    "item.price.cents",
    "item.id + 1",
    "item.price.cents * 2 > 1000 && item.name.startsWith('item')",
    "item.name + ' (' + string(item.price.cents) + ')'",
    "item.detail.title.matches('^title-[0-9]+$')",
    "[1, 2, 7].exists(x, x == item.id)",
    "has(item.detail) ? item.detail.title : 'none'",
    "timestamp('2026-01-01T00:00:00Z') + duration('1h') > "
    "timestamp('2026-01-01T00:30:00Z')",
};

struct Silent : google::protobuf::compiler::MultiFileErrorCollector {
  void AddError(const std::string&, int, int, const std::string&) override {}
};

// The Item message and its programs, built once.
class ExprEnv {
 public:
  static const ExprEnv& Get() {
    static const ExprEnv* env = new ExprEnv();
    return *env;
  }
  const google::protobuf::Message& item() const { return *item_; }
  const expr::Program& program(int i) const { return *programs_[i]; }

 private:
  ExprEnv() : importer_(&tree_, &errors_) {
    tree_.MapPath("", PROTOGATE_PROTO_DIR);
    tree_.MapPath("", AGGBENCH_PROTO_DIR);
    tree_.MapPath("", PROTOBUF_INCLUDE_DIR);
    importer_.Import("bench_plans.proto");
    const auto* type = importer_.pool()->FindMessageTypeByName("aggbench.Item");
    factory_ = std::make_unique<google::protobuf::DynamicMessageFactory>(
        importer_.pool());
    item_.reset(factory_->GetPrototype(type)->New());
    google::protobuf::TextFormat::ParseFromString(
        R"pb(id: 7
             name: "item-7"
             detail { id: 7 title: "title-7" }
             price { id: 7 cents: 700 })pb",
        item_.get());
    expr::Env env;
    env.Declare("item", expr::Type::Message(*type));
    for (const char* text : kExpressions) {
      auto p = expr::Program::Compile(text, env);
      if (!p.ok()) std::abort();
      programs_.push_back(*std::move(p));
    }
  }

  google::protobuf::compiler::DiskSourceTree tree_;
  Silent errors_;
  google::protobuf::compiler::Importer importer_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::unique_ptr<google::protobuf::Message> item_;
  std::vector<std::unique_ptr<const expr::Program>> programs_;
};

class ItemActivation : public expr::Activation {
 public:
  explicit ItemActivation(const google::protobuf::Message& item)
      : item_(item) {}
  expr::Value Get(int) const override { return expr::Value::Message(item_); }

 private:
  const google::protobuf::Message& item_;
};

void BM_Expression(benchmark::State& state) {
  const ExprEnv& env = ExprEnv::Get();
  const int i = static_cast<int>(state.range(0));
  const expr::Program& program = env.program(i);
  const ItemActivation activation(env.item());
  for (auto _ : state) {
    expr::Value v = program.Eval(activation);
    benchmark::DoNotOptimize(v);
  }
  state.SetLabel(kExpressions[i]);
}
BENCHMARK(BM_Expression)
    ->Name("expr")
    ->DenseRange(0, std::size(kExpressions) - 1)
    ->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace protogate::aggregator
