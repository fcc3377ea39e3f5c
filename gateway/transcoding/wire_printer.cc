#include "gateway/transcoding/wire_printer.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/json_writer.h"
#include "gateway/transcoding/text_codecs.h"
#include "gateway/transcoding/wire_format.h"

namespace protogate::transcoding {

using google::protobuf::FieldDescriptor;

namespace {

// Orders map entries by key (numerically for integer keys), so that a map
// prints the same whatever order the backend serialized it in.
template <typename Entries>
void SortMapEntries(const FieldCodec& key_field, Entries& entries) {
  using google::protobuf::FieldDescriptor;
  const FieldDescriptor::CppType type = key_field.descriptor->cpp_type();
  const bool is_signed = type == FieldDescriptor::CPPTYPE_INT32 ||
                         type == FieldDescriptor::CPPTYPE_INT64;
  const bool is_unsigned = type == FieldDescriptor::CPPTYPE_UINT32 ||
                           type == FieldDescriptor::CPPTYPE_UINT64;
  const auto less = [&](const auto& a, const auto& b) {
    if (is_signed) {
      int64_t x = 0, y = 0;
      (void)absl::SimpleAtoi(a.first, &x);
      (void)absl::SimpleAtoi(b.first, &y);
      return x < y;
    }
    if (is_unsigned) {
      uint64_t x = 0, y = 0;
      (void)absl::SimpleAtoi(a.first, &x);
      (void)absl::SimpleAtoi(b.first, &y);
      return x < y;
    }
    return a.first < b.first;
  };
  // Small maps (the common case): a stable insertion sort, which unlike
  // std::stable_sort allocates no buffer.
  if (entries.size() > 16) {
    std::stable_sort(entries.begin(), entries.end(), less);
    return;
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    for (size_t j = i; j > 0 && less(entries[j], entries[j - 1]); --j) {
      std::swap(entries[j], entries[j - 1]);
    }
  }
}

constexpr int kMaxPrintDepth = 100;

bool WireTypeOk(const FieldCodec& f, uint32_t wire_type) {
  return wire_type == (f.tag & 7) ||
         (f.packable && wire_type == kLengthDelimited);
}

bool ReadValue(WireReader* r, WireValue* v) {
  switch (v->wire_type) {
    case kVarint:
      return r->ReadVarint(&v->bits);
    case kFixed64:
      return r->ReadFixed64(&v->bits);
    case kFixed32: {
      uint32_t b;
      if (!r->ReadFixed32(&b)) return false;
      v->bits = b;
      return true;
    }
    case kLengthDelimited:
      return r->ReadLengthDelimited(&v->bytes);
    default:
      return false;
  }
}

// Whether `f` may come next in the usual encoding (FieldsInOrder): a
// number above `last`, or `last` again for a repeated field, and no second
// member of a oneof (whose members seen so far are the bits of `*oneofs`,
// to which `f`'s is added).
bool InCanonicalOrder(const FieldCodec& f, uint32_t last, uint64_t* oneofs) {
  if (f.number < last || (f.number == last && !f.repeated)) return false;
  if (f.oneof_index < 0) return true;
  const uint64_t bit = f.oneof_index < 64 ? 1ull << f.oneof_index : 0;
  if (bit == 0 || (*oneofs & bit) != 0) return false;
  *oneofs |= bit;
  return true;
}

}  // namespace

template <typename Writer>
absl::Status WirePrinter<Writer>::Bad(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid protobuf encoding: ", base::ToAbsl(what)));
}

template <typename Writer>
absl::Status WirePrinter<Writer>::BadValue(const MessageCodec& codec,
                                           const FieldCodec& field) {
  return Bad(absl::StrCat("bad value for field \"", field.proto_name, "\" of ",
                          codec.full_name()));
}

// Always inlined: it is the inner loop of both printing paths.
template <typename Writer>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline const FieldCodec*
WirePrinter<Writer>::NextField(const MessageCodec& codec, WireReader& r,
                               uint32_t* wire_type, absl::Status* error) {
  while (!r.done()) {
    uint32_t number;
    if (!r.ReadTag(&number, wire_type)) {
      *error = Bad(absl::StrCat("bad tag in ", codec.full_name()));
      return nullptr;
    }
    const FieldCodec* f = codec.FindByNumber(number);
    if (f != nullptr && f->type != FieldDescriptor::TYPE_GROUP) return f;
    if (*wire_type == kEndGroup || !r.Skip(number, *wire_type)) {
      *error = Bad(absl::StrCat("bad unknown field ", number, " in ",
                                codec.full_name()));
      return nullptr;
    }
  }
  return nullptr;
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Collect(const MessageCodec& codec,
                                          std::string_view wire,
                                          std::vector<Occurrences>* fields) {
  // Reused tables keep their size and any heap storage of their entries.
  fields->resize(codec.fields().size());
  for (Occurrences& o : *fields) o.resize(0);
  absl::InlinedVector<int, 2> oneof_last(codec.oneof_count(), -1);
  WireReader r(wire);
  uint32_t wire_type;
  absl::Status error;
  while (const FieldCodec* f = NextField(codec, r, &wire_type, &error)) {
    // Read in place: copying a just-written WireValue stalls on store
    // forwarding, and this is the hottest loop of the printer.
    Occurrences& slot = (*fields)[f->index];
    WireValue& v = slot.emplace_back();
    v.wire_type = wire_type;
    if (!WireTypeOk(*f, wire_type) || !ReadValue(&r, &v)) {
      return BadValue(codec, *f);
    }
    if (f->packable && wire_type == kLengthDelimited && v.bytes.empty()) {
      slot.pop_back();  // An empty packed run adds no elements.
      continue;
    }
    if (f->oneof_index >= 0) {
      int& last = oneof_last[f->oneof_index];
      if (last >= 0 && last != f->index) (*fields)[last].clear();
      last = f->index;
    }
  }
  return error;
}

template <typename Writer>
bool WirePrinter<Writer>::IsDefault(const FieldCodec& field,
                                    const WireValue& v) const {
  // NullValue has one value: every number of it reads back as the default.
  if (field.enum_codec != nullptr && field.enum_codec->is_null_value) {
    return true;
  }
  switch (field.type) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_ENUM:
      // 32-bit varints are truncated, as libprotobuf reads them.
      return static_cast<uint32_t>(v.bits) == 0;
    default:
      return v.wire_type == kLengthDelimited ? v.bytes.empty() : v.bits == 0;
  }
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Message(const MessageCodec& codec,
                                          std::string_view wire) {
  if (++depth_ > kMaxPrintDepth) return Bad("messages nested too deeply");
  absl::Status s;
  if (codec.wkt() != WktKind::kNone && codec.wkt() != WktKind::kEmpty) {
    s = Wkt(codec, wire);
  } else {
    w_.StartObject();
    s = Fields(codec, wire);
    if (!s.ok()) return s;  // The writer is abandoned mid-object.
    w_.EndObject();
  }
  --depth_;
  return s;
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Fields(const MessageCodec& codec,
                                         std::string_view wire) {
  if constexpr (requires { w_.Here(); }) {
    if (!options_.emit_unpopulated) {
      const auto mark = w_.Here();
      bool out_of_order = false;
      absl::Status s = FieldsInOrder(codec, wire, &out_of_order);
      if (!s.ok() || !out_of_order) return s;
      w_.Rewind(mark);  // Collect and sort instead.
    }
  }
  // One occurrence table per nesting level, reused by every message at
  // that level.
  std::vector<Occurrences>& occ = Table();
  if (absl::Status s = Collect(codec, wire, &occ); !s.ok()) return s;
  for (const FieldCodec& f : codec.fields()) {
    if (f.type == FieldDescriptor::TYPE_GROUP) continue;
    const Occurrences& o = occ[f.index];
    if (o.empty()) {
      if (!options_.emit_unpopulated || (f.has_presence && !f.repeated)) {
        continue;
      }
    } else if (!f.repeated && !f.has_presence && IsDefault(f, o.back()) &&
               !options_.emit_unpopulated) {
      continue;
    }
    Key(f);
    if (absl::Status s = FieldValue(f, o); !s.ok()) return s;
  }
  return absl::OkStatus();
}

template <typename Writer>
void WirePrinter<Writer>::Key(const FieldCodec& field) {
  w_.Raw(options_.proto_field_names ? field.proto_key : field.json_key,
         rapidjson::kStringType);
}

template <typename Writer>
absl::Status WirePrinter<Writer>::FieldsInOrder(const MessageCodec& codec,
                                                std::string_view wire,
                                                bool* out_of_order) {
  OpenField open;
  uint32_t last = 0;
  uint64_t oneofs = 0;  // Bit i: a member of oneof i was seen.
  WireReader r(wire);
  uint32_t wire_type;
  absl::Status error;
  while (const FieldCodec* f = NextField(codec, r, &wire_type, &error)) {
    if (!InCanonicalOrder(*f, last, &oneofs)) {
      *out_of_order = true;
      return absl::OkStatus();
    }
    WireValue v{wire_type};
    if (!WireTypeOk(*f, wire_type) || !ReadValue(&r, &v)) {
      return BadValue(codec, *f);
    }
    if (f->number != last) {
      if (absl::Status s = CloseField(open); !s.ok()) return s;
      last = f->number;
    }
    absl::Status s;
    if (f->is_map || f->repeated) {
      s = InOrderElement(*f, wire_type, v, open);
    } else if (f->type == FieldDescriptor::TYPE_MESSAGE) {
      Key(*f);
      s = Message(*f->message, v.bytes);
    } else if (f->has_presence || !IsDefault(*f, v)) {
      Key(*f);
      s = Scalar(*f, v);
    }
    if (!s.ok()) return s;
  }
  if (!error.ok()) return error;
  return CloseField(open);
}

template <typename Writer>
absl::Status WirePrinter<Writer>::InOrderElement(const FieldCodec& field,
                                                 uint32_t wire_type,
                                                 const WireValue& v,
                                                 OpenField& open) {
  if (field.is_map) {
    if (open.field == nullptr) {
      Key(field);
      std::vector<Occurrences>& table = Table();
      if (table.empty()) table.emplace_back();
      open.entries = &table[0];
      open.entries->resize(0);
      open.field = &field;
    }
    open.entries->push_back(v);
    return absl::OkStatus();
  }
  const bool packed = field.packable && wire_type == kLengthDelimited;
  if (open.field == nullptr) {
    if (packed && v.bytes.empty()) return absl::OkStatus();  // No elements.
    Key(field);
    w_.StartArray();
    open.field = &field;
  }
  if (field.type == FieldDescriptor::TYPE_MESSAGE) {
    return Message(*field.message, v.bytes);
  }
  return packed ? Packed(field, v.bytes) : Scalar(field, v);
}

template <typename Writer>
absl::Status WirePrinter<Writer>::CloseField(OpenField& open) {
  const FieldCodec* field = std::exchange(open.field, nullptr);
  if (field == nullptr) return absl::OkStatus();
  if (field->is_map) return Map(*field, *open.entries);
  w_.EndArray();
  return absl::OkStatus();
}

template <typename Writer>
std::vector<Occurrences>& WirePrinter<Writer>::Table() {
  while (scratch_.tables.size() <= static_cast<size_t>(depth_)) {
    scratch_.tables.emplace_back();
  }
  return scratch_.tables[depth_];
}

template <typename Writer>
absl::Status WirePrinter<Writer>::FieldValue(const FieldCodec& field,
                                             const Occurrences& occ) {
  if (field.is_map) return Map(field, occ);
  if (field.repeated) return Repeated(field, occ);
  if (field.type == FieldDescriptor::TYPE_MESSAGE) {
    return MergedMessage(field, occ);
  }
  if (occ.empty()) return Scalar(field, WireValue{field.tag & 7});
  return Scalar(field, occ.back());
}

template <typename Writer>
absl::Status WirePrinter<Writer>::MergedMessage(const FieldCodec& field,
                                                const Occurrences& occ) {
  if (occ.size() <= 1) {
    return Message(*field.message, occ.empty() ? "" : occ[0].bytes);
  }
  std::string merged;  // Concatenated encodings merge, as in the parser.
  for (const WireValue& v : occ) merged.append(v.bytes);
  return Message(*field.message, merged);
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Repeated(const FieldCodec& field,
                                           const Occurrences& occ) {
  w_.StartArray();
  for (const WireValue& v : occ) {
    absl::Status s;
    if (field.type == FieldDescriptor::TYPE_MESSAGE) {
      s = Message(*field.message, v.bytes);
    } else if (field.packable && v.wire_type == kLengthDelimited) {
      s = Packed(field, v.bytes);
    } else {
      s = Scalar(field, v);
    }
    if (!s.ok()) return s;
  }
  w_.EndArray();
  return absl::OkStatus();
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Packed(const FieldCodec& field,
                                         std::string_view bytes) {
  WireReader r(bytes);
  while (!r.done()) {
    WireValue v{field.tag & 7};
    if (!ReadValue(&r, &v)) {
      return Bad(absl::StrCat("bad packed field \"", field.proto_name, "\""));
    }
    if (absl::Status s = Scalar(field, v); !s.ok()) return s;
  }
  return absl::OkStatus();
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Map(const FieldCodec& field,
                                      const Occurrences& occ) {
  const MessageCodec& entry = *field.message;
  std::vector<std::pair<std::string, Occurrences>> entries;
  entries.reserve(occ.size());
  std::vector<Occurrences> parts;
  for (const WireValue& v : occ) {
    if (absl::Status s = Collect(entry, v.bytes, &parts); !s.ok()) return s;
    std::string key;
    const FieldCodec& key_field = entry.fields()[0];
    const WireValue key_value =
        parts[0].empty() ? WireValue{key_field.tag & 7} : parts[0].back();
    if (absl::Status s = MapKey(key_field, key_value, &key); !s.ok()) {
      return s;
    }
    entries.emplace_back(std::move(key), std::move(parts[1]));
  }
  // Stable: entries with one key stay in wire order, and the last one wins.
  // Keys are canonical text, so equal keys are equal strings.
  SortMapEntries(entry.fields()[0], entries);
  w_.StartObject();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && entries[i].first == entries[i + 1].first) {
      continue;
    }
    const auto& [key, value] = entries[i];
    w_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    if (absl::Status s = FieldValue(entry.fields()[1], value); !s.ok()) {
      return s;
    }
  }
  w_.EndObject();
  return absl::OkStatus();
}

template <typename Writer>
absl::Status WirePrinter<Writer>::MapKey(const FieldCodec& key,
                                         const WireValue& v, std::string* out) {
  switch (key.type) {
    case FieldDescriptor::TYPE_STRING:
      if (!IsValidUtf8(v.bytes)) return Bad("invalid UTF-8 in map key");
      out->assign(v.bytes);
      return absl::OkStatus();
    case FieldDescriptor::TYPE_BOOL:
      *out = v.bits != 0 ? "true" : "false";
      return absl::OkStatus();
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SFIXED32:
      *out = absl::StrCat(static_cast<int32_t>(v.bits));
      return absl::OkStatus();
    case FieldDescriptor::TYPE_SINT32:
      *out = absl::StrCat(UnZigZag32(static_cast<uint32_t>(v.bits)));
      return absl::OkStatus();
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SFIXED64:
      *out = absl::StrCat(static_cast<int64_t>(v.bits));
      return absl::OkStatus();
    case FieldDescriptor::TYPE_SINT64:
      *out = absl::StrCat(UnZigZag64(v.bits));
      return absl::OkStatus();
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_FIXED32:
      *out = absl::StrCat(static_cast<uint32_t>(v.bits));
      return absl::OkStatus();
    default:
      *out = absl::StrCat(v.bits);
      return absl::OkStatus();
  }
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Number(std::string_view text) {
  if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
    w_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  } else {
    w_.RawValue(text.data(), text.size(), rapidjson::kNumberType);
  }
  return absl::OkStatus();
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Scalar(const FieldCodec& field,
                                         const WireValue& v) {
  const uint64_t b = v.bits;
  switch (field.type) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SFIXED32:
      w_.Int(static_cast<int32_t>(b));
      break;
    case FieldDescriptor::TYPE_SINT32:
      w_.Int(UnZigZag32(static_cast<uint32_t>(b)));
      break;
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_FIXED32:
      w_.Uint(static_cast<uint32_t>(b));
      break;
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SFIXED64:
      QuotedInt(static_cast<int64_t>(b));
      break;
    case FieldDescriptor::TYPE_SINT64:
      QuotedInt(UnZigZag64(b));
      break;
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_FIXED64:
      QuotedInt(b);
      break;
    case FieldDescriptor::TYPE_BOOL:
      w_.Bool(b != 0);
      break;
    case FieldDescriptor::TYPE_FLOAT: {
      float f;
      const uint32_t b32 = static_cast<uint32_t>(b);
      std::memcpy(&f, &b32, sizeof(f));
      return Number(FormatFloat(f));
    }
    case FieldDescriptor::TYPE_DOUBLE: {
      double d;
      std::memcpy(&d, &b, sizeof(d));
      return Number(FormatDouble(d));
    }
    case FieldDescriptor::TYPE_STRING:
      return String(field, v.bytes);
    case FieldDescriptor::TYPE_BYTES: {
      std::string text;
      Base64Encode(v.bytes, &text);
      w_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      break;
    }
    case FieldDescriptor::TYPE_ENUM:
      Enum(field, static_cast<int32_t>(b));
      break;
    default:
      return Bad("unsupported field type");
  }
  return absl::OkStatus();
}

template <typename Writer>
void WirePrinter<Writer>::Enum(const FieldCodec& field, int32_t number) {
  if (field.enum_codec->is_null_value) {
    w_.Null();
    return;
  }
  auto it = field.enum_codec->by_number.find(number);
  if (options_.enums_as_ints || it == field.enum_codec->by_number.end()) {
    w_.Int(number);
  } else {
    w_.PlainString(it->second);  // An identifier.
  }
}

template <typename Writer>
absl::Status WirePrinter<Writer>::String(const FieldCodec& field,
                                         std::string_view s) {
  if (IsPlainJsonAscii(s)) {
    w_.PlainString(s);
    return absl::OkStatus();
  }
  if (!IsValidUtf8(s)) {
    return Bad(
        absl::StrCat("invalid UTF-8 in field \"", field.proto_name, "\""));
  }
  w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return absl::OkStatus();
}

template <typename Writer>
template <typename Int>
void WirePrinter<Writer>::QuotedInt(Int v) {
  char buf[24];
  buf[0] = '"';
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 1, v).ptr;
  *end++ = '"';
  w_.Raw(std::string_view(buf, static_cast<size_t>(end - buf)),
         rapidjson::kStringType);
}

namespace {

template <typename Writer>
absl::Status Print(WirePrinter<Writer>& printer, const MessageCodec& codec,
                   const FieldCodec* field, std::string_view wire) {
  if (field == nullptr) return printer.Message(codec, wire);
  std::vector<Occurrences> occ;
  if (absl::Status s = printer.Collect(codec, wire, &occ); !s.ok()) return s;
  return printer.FieldValue(*field, occ[field->index]);
}

// What a print needs besides its output, kept per thread: the scratch
// keeps its storage, the buffer and writer their capacity, as long as
// together they hold at most kKeptBytes.
struct ThreadPrint {
  PrintScratch scratch;
  rapidjson::StringBuffer buffer;
  CompactJsonWriter writer{buffer};
  bool busy = false;
};
constexpr size_t kKeptBytes = 256 * 1024;

// Heap bytes `t` holds (what a large print, or a small print of a large
// wire message, leaves behind).
size_t HeldBytes(const ThreadPrint& t) {
  size_t bytes = t.buffer.stack_.GetCapacity() + t.scratch.text.capacity();
  for (const std::vector<Occurrences>& table : t.scratch.tables) {
    bytes += table.capacity() * sizeof(Occurrences);
    for (const Occurrences& o : table) {
      if (o.capacity() > 1) bytes += o.capacity() * sizeof(WireValue);
    }
  }
  return bytes;
}

absl::Status PrintWith(ThreadPrint& t, const CodecSet& codecs,
                       const MessageCodec& codec, const FieldCodec* field,
                       std::string_view wire, const PrintOptions& options,
                       const PrintFlags& flags, std::string* json) {
  rapidjson::StringBuffer& buffer = t.buffer;
  buffer.Clear();
  // JSON is typically 1.5-3x its wire size: grow the buffer once, not ~10x.
  buffer.Reserve(2 * wire.size() + 256);
  absl::Status s;
  if (options.indent > 0) {
    PrettyJsonWriter writer(buffer);
    writer.SetIndent(' ', static_cast<unsigned>(options.indent));
    WirePrinter<PrettyJsonWriter> printer(codecs, options, flags, &writer,
                                          &t.scratch);
    s = Print(printer, codec, field, wire);
  } else {
    t.writer.Reset(buffer);
    WirePrinter<CompactJsonWriter> printer(codecs, options, flags, &t.writer,
                                           &t.scratch);
    s = Print(printer, codec, field, wire);
  }
  if (s.ok()) json->assign(buffer.GetString(), buffer.GetSize());
  buffer.Clear();
  if (HeldBytes(t) > kKeptBytes) {
    buffer.ShrinkToFit();  // Empty: frees it.
    t.scratch.tables.clear();
    std::string().swap(t.scratch.text);
  }
  return s;
}

}  // namespace

absl::Status PrintWireJson(const CodecSet& codecs, const MessageCodec& codec,
                           const FieldCodec* field, std::string_view wire,
                           const PrintOptions& options, const PrintFlags& flags,
                           std::string* json) {
  thread_local ThreadPrint kept;
  if (kept.busy) {  // A print inside a print: its own scratch.
    ThreadPrint own;
    return PrintWith(own, codecs, codec, field, wire, options, flags, json);
  }
  kept.busy = true;
  const absl::Cleanup not_busy = [] { kept.busy = false; };  // Even on throw.
  return PrintWith(kept, codecs, codec, field, wire, options, flags, json);
}

template class WirePrinter<CompactJsonWriter>;
template class WirePrinter<PrettyJsonWriter>;

}  // namespace protogate::transcoding
