// JSON <-> protobuf transcoding throughput: protogate::transcoding against
// libprotobuf (util::JsonStringToMessage + SerializeToString, and
// ParseFromString + util::MessageToJsonString) on the same descriptors, in
// the same run. Payloads (tests/bench/bench_types.proto):
//   record   one ~400-byte record
//   list     20 records
//   wkt      Timestamp, Duration, Struct, Value, wrappers, Any, FieldMask
//   numbers  ~1 MiB of repeated int32 and double
//   deep     60 nested messages
// Benchmarks are named <direction>/<payload>/<impl>. Both directions count
// the payload's JSON size as bytes processed (input for json_to_wire, output
// for wire_to_json), so the two implementations' MB/s compare directly.
// tools/bench/transcoding.sh builds, runs and tabulates this.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench_types.pb.h"
#include "benchmark/benchmark.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/json_to_wire.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/wire_to_json.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace protogate::bench {
namespace {

using google::protobuf::Message;
using transcoding::CodecSet;
using transcoding::MessageCodec;

struct Payload {
  std::string name;
  std::unique_ptr<Message> message;
  std::string json;  // Compact proto3 JSON of `message`.
  std::string wire;  // libprotobuf's serialization of `message`.
};

Record MakeRecord(int i) {
  Record r;
  r.set_id(1000 + i);
  r.set_shelf_id(7);
  r.set_title(absl::StrCat("The Left Hand of Darkness, volume ", i));
  r.mutable_author()->set_name("Ursula K. Le Guin");
  r.mutable_author()->set_born(1929);
  r.set_isbn("978-0-441-47812-5");
  r.set_genre(GENRE_FICTION);
  r.set_pages(304 + i);
  r.set_price(12.99 + i);
  r.set_in_stock(i % 3 != 0);
  for (const char* tag : {"classic", "hugo", "nebula", "science-fiction"}) {
    r.add_tags(tag);
  }
  (*r.mutable_labels())["format"] = "paperback";
  (*r.mutable_labels())["language"] = "en";
  (*r.mutable_labels())["publisher"] = "Ace Books";
  r.set_edition(3);
  r.set_rating(4.5f);
  r.set_checksum("\x01\x23\x45\x67\x89\xab\xcd\xef\x10\x32\x54\x76");
  return r;
}

RecordList MakeList() {
  RecordList list;
  for (int i = 0; i < 20; ++i) *list.add_records() = MakeRecord(i);
  list.set_next_page_token("CgwIARIIc2hlbGYvNw");
  list.set_total_size(1234);
  return list;
}

google::protobuf::Value Text(const std::string& s) {
  google::protobuf::Value v;
  v.set_string_value(s);
  return v;
}

WktHeavy MakeWkt() {
  WktHeavy w;
  w.mutable_create_time()->set_seconds(1700000000);
  w.mutable_create_time()->set_nanos(123000000);
  w.mutable_update_time()->set_seconds(1710000000);
  w.mutable_ttl()->set_seconds(3600);
  w.mutable_ttl()->set_nanos(500000000);
  auto& fields = *w.mutable_attributes()->mutable_fields();
  fields["region"] = Text("eu-west-1");
  fields["replicas"].set_number_value(3);
  fields["public"].set_bool_value(true);
  fields["owner"].set_null_value(google::protobuf::NULL_VALUE);
  auto* list = fields["zones"].mutable_list_value();
  for (const char* z : {"a", "b", "c"}) *list->add_values() = Text(z);
  auto& nested = *fields["limits"].mutable_struct_value()->mutable_fields();
  nested["cpu"].set_number_value(2.5);
  nested["memory"] = Text("4Gi");
  w.mutable_extra()->set_number_value(0.25);
  w.mutable_limit()->set_value(100);
  w.mutable_quota()->set_value(1234567890123);
  w.mutable_note()->set_value("created by the nightly import");
  w.mutable_enabled()->set_value(true);
  w.mutable_score()->set_value(0.875);
  w.mutable_version()->set_value(42);
  w.mutable_detail()->PackFrom(MakeRecord(1).author());
  google::protobuf::Duration d;
  d.set_seconds(90);
  w.add_history()->PackFrom(d);
  google::protobuf::Timestamp t;
  t.set_seconds(1600000000);
  w.add_history()->PackFrom(t);
  w.mutable_mask()->add_paths("create_time");
  w.mutable_mask()->add_paths("attributes.region");
  for (int i = 0; i < 3; ++i) {
    auto* e = w.add_events();
    e->set_seconds(1700000000 + i * 86400);
    e->set_nanos(i * 1000);
  }
  return w;
}

Numbers MakeNumbers() {
  Numbers n;
  uint64_t x = 88172645463325252u;  // xorshift64
  size_t bytes = 0;
  while (bytes < 1024 * 1024) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const int32_t i = static_cast<int32_t>(x % 2000001) - 1000000;
    const double d = static_cast<double>(x % 100000000) / 1000.0;
    n.add_ints(i);
    n.add_reals(d);
    bytes += absl::StrCat(i).size() + absl::StrCat(d).size() + 2;
  }
  return n;
}

Deep MakeDeep(int levels) {
  Deep root;
  Deep* d = &root;
  for (int i = 0; i < levels; ++i) {
    d->set_level(i);
    d->set_name(absl::StrCat("level-", i));
    if (i + 1 < levels) d = d->mutable_child();
  }
  return root;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "transcoding_bench: %s\n", what.c_str());
  std::exit(1);
}

bool Same(const Message& a, const Message& b) {
  google::protobuf::util::MessageDifferencer differencer;
  return differencer.Compare(a, b);
}

const CodecSet& Codecs() {
  static const CodecSet* codecs = [] {
    const google::protobuf::Descriptor* roots[] = {
        Record::descriptor(), RecordList::descriptor(), WktHeavy::descriptor(),
        Numbers::descriptor(), Deep::descriptor()};
    auto built = CodecSet::Build(
        *google::protobuf::DescriptorPool::generated_pool(), roots);
    if (!built.ok()) Die(built.status().ToString());
    return built->release();
  }();
  return *codecs;
}

const MessageCodec& CodecOf(const Message& m) {
  return *Codecs().Find(m.GetDescriptor());
}

// Fills json and wire, and checks that both libraries agree on them.
void Prepare(Payload& p) {
  const Message& m = *p.message;
  p.wire = m.SerializeAsString();
  if (auto s =
          transcoding::WireToJson(Codecs(), CodecOf(m), p.wire, {}, &p.json);
      !s.ok()) {
    Die(absl::StrCat(p.name, ": ", s.ToString()));
  }
  std::string wire;
  if (auto s = transcoding::JsonToWire(Codecs(), CodecOf(m), p.json, {}, &wire);
      !s.ok()) {
    Die(absl::StrCat(p.name, ": ", s.ToString()));
  }
  std::unique_ptr<Message> ours(m.New()), lib(m.New());
  if (!ours->ParseFromString(wire) || !Same(*ours, m)) {
    Die(p.name + ": our JSON -> wire differs from the message");
  }
  if (!google::protobuf::util::JsonStringToMessage(p.json, lib.get()).ok() ||
      !Same(*lib, m)) {
    Die(p.name + ": libprotobuf does not read our JSON back");
  }
}

std::vector<Payload>& Payloads() {
  static auto* payloads = [] {
    auto* v = new std::vector<Payload>();
    auto add = [&](std::string name, const Message& m) {
      Payload& p = v->emplace_back();
      p.name = std::move(name);
      p.message.reset(m.New());
      p.message->CopyFrom(m);
      Prepare(p);
    };
    add("record", MakeRecord(0));
    add("list", MakeList());
    add("wkt", MakeWkt());
    add("numbers", MakeNumbers());
    add("deep", MakeDeep(60));
    return v;
  }();
  return *payloads;
}

void OursJsonToWire(benchmark::State& state, const Payload* p) {
  const MessageCodec& codec = CodecOf(*p->message);
  const transcoding::ParseOptions options;
  std::string wire;
  for (auto _ : state) {
    wire.clear();
    auto s = transcoding::JsonToWire(Codecs(), codec, p->json, options, &wire);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(wire.data());
  }
  state.SetBytesProcessed(state.iterations() * p->json.size());
}

void LibJsonToWire(benchmark::State& state, const Payload* p) {
  std::unique_ptr<Message> m(p->message->New());
  std::string wire;
  for (auto _ : state) {
    m->Clear();
    if (!google::protobuf::util::JsonStringToMessage(p->json, m.get()).ok()) {
      state.SkipWithError("JsonStringToMessage failed");
    }
    m->SerializeToString(&wire);
    benchmark::DoNotOptimize(wire.data());
  }
  state.SetBytesProcessed(state.iterations() * p->json.size());
}

void OursWireToJson(benchmark::State& state, const Payload* p) {
  const MessageCodec& codec = CodecOf(*p->message);
  const transcoding::PrintOptions options;
  std::string json;
  for (auto _ : state) {
    auto s = transcoding::WireToJson(Codecs(), codec, p->wire, options, &json);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(json.data());
  }
  state.SetBytesProcessed(state.iterations() * p->json.size());
}

void LibWireToJson(benchmark::State& state, const Payload* p) {
  std::unique_ptr<Message> m(p->message->New());
  std::string json;
  for (auto _ : state) {
    json.clear();
    if (!m->ParseFromString(p->wire) ||
        !google::protobuf::util::MessageToJsonString(*m, &json).ok()) {
      state.SkipWithError("ParseFromString/MessageToJsonString failed");
    }
    benchmark::DoNotOptimize(json.data());
  }
  state.SetBytesProcessed(state.iterations() * p->json.size());
}

void RegisterAll() {
  for (const Payload& p : Payloads()) {
    std::fprintf(stderr, "payload %-8s json %8zu bytes, wire %8zu bytes\n",
                 p.name.c_str(), p.json.size(), p.wire.size());
    const Payload* payload = &p;
    benchmark::RegisterBenchmark(
        absl::StrCat("json_to_wire/", p.name, "/ours").c_str(), OursJsonToWire,
        payload);
    benchmark::RegisterBenchmark(
        absl::StrCat("json_to_wire/", p.name, "/libprotobuf").c_str(),
        LibJsonToWire, payload);
    benchmark::RegisterBenchmark(
        absl::StrCat("wire_to_json/", p.name, "/ours").c_str(), OursWireToJson,
        payload);
    benchmark::RegisterBenchmark(
        absl::StrCat("wire_to_json/", p.name, "/libprotobuf").c_str(),
        LibWireToJson, payload);
  }
}

}  // namespace
}  // namespace protogate::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  protogate::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
