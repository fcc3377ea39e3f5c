// json_to_wire and wire_to_json: round-trip checks of the transcoder on the
// transcoding test types (see fuzz_targets.h).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/json_to_wire.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/wire_to_json.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"
#include "test_types.pb.h"
#include "tests/fuzz/fuzz_targets.h"

namespace protogate::fuzz {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::Message;
using transcoding::CodecSet;
using transcoding::JsonToWire;
using transcoding::MessageCodec;
using transcoding::ParseOptions;
using transcoding::PrintOptions;
using transcoding::WireToJson;

namespace test = transcoding::test;

const CodecSet& Codecs() {
  static const CodecSet* codecs = [] {
    // libprotobuf logs every rejected parse (e.g. invalid UTF-8); quiet.
    google::protobuf::SetLogHandler(nullptr);
    const Descriptor* roots[] = {test::Scalars::descriptor(),
                                 test::Wkts::descriptor()};
    auto built = CodecSet::Build(
        *google::protobuf::DescriptorPool::generated_pool(), roots);
    if (!built.ok()) AbortUnlessOk("fuzz codecs", built.status());
    return built->release();
  }();
  return *codecs;
}

const MessageCodec& CodecOf(const Message& prototype) {
  return *Codecs().Find(prototype.GetDescriptor());
}

// Brings a message parsed by libprotobuf to the form our printer gives it:
// no unknown fields (also inside Any); a google.protobuf.Value without a
// kind is null (README "Value without a kind": printed as null); every
// google.protobuf.NullValue number is NULL_VALUE (all print as null).
void Normalize(Message* m) {
  const google::protobuf::Reflection& r = *m->GetReflection();
  const Descriptor& d = *m->GetDescriptor();
  r.MutableUnknownFields(m)->Clear();
  if (d.full_name() == "google.protobuf.Value" &&
      !r.GetOneofFieldDescriptor(*m, d.oneof_decl(0))) {
    r.SetEnumValue(m, d.FindFieldByName("null_value"), 0);
    return;
  }
  if (d.full_name() == "google.protobuf.Any") {
    const std::string url = r.GetString(*m, d.FindFieldByNumber(1));
    const Descriptor* type =
        google::protobuf::DescriptorPool::generated_pool()
            ->FindMessageTypeByName(url.substr(url.rfind('/') + 1));
    if (type == nullptr) return;
    std::unique_ptr<Message> inner(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(type)
            ->New());
    if (!inner->ParseFromString(r.GetString(*m, d.FindFieldByNumber(2)))) {
      return;
    }
    Normalize(inner.get());
    r.SetString(m, d.FindFieldByNumber(2), inner->SerializeAsString());
    return;
  }
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r.ListFields(*m, &fields);
  for (const auto* f : fields) {
    if (f->enum_type() != nullptr &&
        f->enum_type()->full_name() == "google.protobuf.NullValue") {
      if (f->is_repeated()) {
        for (int i = 0; i < r.FieldSize(*m, f); ++i) {
          r.SetRepeatedEnumValue(m, f, i, 0);
        }
      } else if (f->containing_oneof() != nullptr) {
        r.SetEnumValue(m, f, 0);
      } else {
        r.ClearField(m, f);
      }
    }
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (!f->is_repeated()) {
      Normalize(r.MutableMessage(m, f));
      continue;
    }
    for (int i = 0; i < r.FieldSize(*m, f); ++i) {
      Normalize(r.MutableRepeatedMessage(m, f, i));
    }
  }
}

bool Same(const Message& a, const Message& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

absl::Status Broken(const Message& prototype, std::string_view what,
                    std::string_view detail) {
  return absl::InternalError(absl::StrCat(prototype.GetTypeName(), ": ",
                                          base::ToAbsl(what), ": ",
                                          base::ToAbsl(detail)));
}

// Parses `json` into a fresh message; a non-OK status names the step.
absl::Status ParseBack(const Message& prototype, std::string_view json,
                       const ParseOptions& options,
                       std::unique_ptr<Message>* out) {
  std::string wire;
  absl::Status s =
      JsonToWire(Codecs(), CodecOf(prototype), json, options, &wire);
  if (!s.ok()) {
    return Broken(prototype, "printed JSON is rejected",
                  absl::StrCat(s.ToString(), " in ", base::ToAbsl(json)));
  }
  out->reset(prototype.New());
  if (!(*out)->ParseFromString(wire)) {
    return Broken(prototype, "libprotobuf rejects our wire", json);
  }
  return absl::OkStatus();
}

// Options for parsing printed JSON back: limits off (emit_unpopulated adds
// a level of nesting; wire input may nest 100 messages), the rest default.
ParseOptions ReparseOptions() {
  ParseOptions options;
  options.max_depth = 1000;
  options.max_input_bytes = size_t{1} << 30;
  return options;
}

absl::Status JsonRoundTrip(const Message& prototype, std::string_view input,
                           const ParseOptions& options) {
  const MessageCodec& codec = CodecOf(prototype);
  std::string wire;
  if (!JsonToWire(Codecs(), codec, input, options, &wire).ok()) {
    return absl::OkStatus();  // Rejected input is fine.
  }
  std::unique_ptr<Message> parsed(prototype.New());
  if (!parsed->ParseFromString(wire)) {
    return Broken(prototype, "libprotobuf rejects the wire of accepted JSON",
                  input);
  }
  std::string printed;
  absl::Status s = WireToJson(Codecs(), codec, wire, PrintOptions(), &printed);
  if (!s.ok()) {
    return Broken(prototype, "the wire of accepted JSON does not print",
                  s.ToString());
  }
  std::unique_ptr<Message> again;
  if (s = ParseBack(prototype, printed, ReparseOptions(), &again); !s.ok()) {
    return s;
  }
  if (!Same(*parsed, *again)) {
    return Broken(prototype, "print + parse changes the message", printed);
  }
  std::string reprinted;
  s = WireToJson(Codecs(), codec, again->SerializeAsString(), PrintOptions(),
                 &reprinted);
  if (!s.ok() || reprinted != printed) {
    return Broken(prototype, "printing is not stable",
                  absl::StrCat(printed, " then ", reprinted));
  }
  // Every print option still prints JSON that parses to the same message.
  PrintOptions all;
  all.emit_unpopulated = true;
  all.enums_as_ints = true;
  all.proto_field_names = true;
  all.indent = 2;
  std::string verbose;
  if (s = WireToJson(Codecs(), codec, wire, all, &verbose); !s.ok()) {
    return Broken(prototype, "does not print with all options", s.ToString());
  }
  if (s = ParseBack(prototype, verbose, ReparseOptions(), &again); !s.ok()) {
    return s;
  }
  if (!Same(*parsed, *again)) {
    return Broken(prototype, "all-options print + parse changes the message",
                  verbose);
  }
  return absl::OkStatus();
}

absl::Status WireRoundTrip(const Message& prototype, std::string_view input) {
  const MessageCodec& codec = CodecOf(prototype);
  std::string printed;
  if (!WireToJson(Codecs(), codec, input, PrintOptions(), &printed).ok()) {
    return absl::OkStatus();  // Rejected input is fine.
  }
  std::unique_ptr<Message> again;
  if (absl::Status s = ParseBack(prototype, printed, ReparseOptions(), &again);
      !s.ok()) {
    return s;
  }
  std::string reprinted;
  absl::Status s = WireToJson(Codecs(), codec, again->SerializeAsString(),
                              PrintOptions(), &reprinted);
  if (!s.ok() || reprinted != printed) {
    return Broken(prototype, "printing is not stable",
                  absl::StrCat(printed, " then ", reprinted));
  }
  std::unique_ptr<Message> lib(prototype.New());
  if (lib->ParseFromArray(input.data(), static_cast<int>(input.size()))) {
    Normalize(lib.get());
    Normalize(again.get());
    if (!Same(*lib, *again)) {
      return Broken(prototype, "libprotobuf reads another message", printed);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckJsonToWire(std::string_view input) {
  ParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  lenient.case_insensitive_enums = true;
  for (const Message* prototype :
       {static_cast<const Message*>(&test::Scalars::default_instance()),
        static_cast<const Message*>(&test::Wkts::default_instance())}) {
    for (const ParseOptions& options : {ParseOptions(), lenient}) {
      if (absl::Status s = JsonRoundTrip(*prototype, input, options); !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckWireToJson(std::string_view input) {
  for (const Message* prototype :
       {static_cast<const Message*>(&test::Scalars::default_instance()),
        static_cast<const Message*>(&test::Wkts::default_instance())}) {
    if (absl::Status s = WireRoundTrip(*prototype, input); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace protogate::fuzz
