// WirePrinter: reads protobuf wire format against a compiled codec and
// writes JSON events to a RapidJSON writer. Internal to the library; the
// public entry points are in wire_to_json.h.
//
// Semantics follow the protobuf parser: the last value of a singular scalar
// wins, repeated occurrences of a singular message merge, the last member
// of a oneof wins, the last entry of a duplicated map key wins, unknown
// fields are skipped. Fields print in field-number order.
//
// Thread safety: one printer per call, used by one thread.
// Ownership: borrows codecs, options and the writer for its lifetime.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/options.h"
#include "gateway/transcoding/wire_format.h"

namespace protogate::transcoding {

// Flags beyond PrintOptions for internal callers.
struct PrintFlags {
  // Any with a type the codecs do not know prints {"@type", "value"(base64)}
  // instead of failing.
  bool unknown_any_as_base64 = false;
};

// Writes the JSON of the message (or, when `field` is non-null, of that
// top-level field's value) encoded in `wire` into `*json`.
absl::Status PrintWireJson(const CodecSet& codecs, const MessageCodec& codec,
                           const FieldCodec* field, std::string_view wire,
                           const PrintOptions& options, const PrintFlags& flags,
                           std::string* json);

// One wire occurrence of a field.
struct WireValue {
  uint32_t wire_type = 0;
  uint64_t bits = 0;       // Varint / fixed value.
  std::string_view bytes;  // Length-delimited value.
};
using Occurrences = absl::InlinedVector<WireValue, 1>;
// Scratch space a printer borrows, reused across messages and prints.
struct PrintScratch {
  // Occurrence tables by nesting depth (a deque: deeper levels never move a
  // shallower one).
  std::deque<std::vector<Occurrences>> tables;
  std::string text;  // Text forms of well-known types.
};

template <typename Writer>
class WirePrinter {
 public:
  // `scratch` is used by this printer alone while it prints.
  WirePrinter(const CodecSet& codecs, const PrintOptions& options,
              const PrintFlags& flags, Writer* writer, PrintScratch* scratch)
      : codecs_(codecs),
        options_(options),
        flags_(flags),
        w_(*writer),
        scratch_(*scratch) {}

  // The JSON value of a whole message (object, or a WKT's special form).
  absl::Status Message(const MessageCodec& codec, std::string_view wire);
  // The JSON value of `field` given its occurrences (possibly none).
  absl::Status FieldValue(const FieldCodec& field, const Occurrences& occ);
  // Collects the occurrences of every field of `codec` in `wire`.
  absl::Status Collect(const MessageCodec& codec, std::string_view wire,
                       std::vector<Occurrences>* fields);

 private:
  absl::Status Fields(const MessageCodec& codec, std::string_view wire);
  // Fields() in one pass over the wire, for the usual encoding: fields in
  // increasing number order, each singular one once, a repeated or map
  // field's values together, one member per oneof. Sets *out_of_order
  // (having written part of the object) when `wire` is not like that.
  absl::Status FieldsInOrder(const MessageCodec& codec, std::string_view wire,
                             bool* out_of_order);
  // The repeated or map field whose elements FieldsInOrder() is writing.
  struct OpenField {
    const FieldCodec* field = nullptr;  // Null: none.
    Occurrences* entries = nullptr;     // A map field's entries so far.
  };
  // One element of a repeated or map `field` in FieldsInOrder(): opens the
  // field in `open` first (its key and array; a map's entries are
  // collected and written by CloseField()).
  absl::Status InOrderElement(const FieldCodec& field, uint32_t wire_type,
                              const WireValue& v, OpenField& open);
  // Ends the open field's array, or writes its map; then none is open.
  absl::Status CloseField(OpenField& open);
  void Key(const FieldCodec& field);
  // The occurrence table of the current depth.
  std::vector<Occurrences>& Table();
  absl::Status Repeated(const FieldCodec& field, const Occurrences& occ);
  absl::Status Map(const FieldCodec& field, const Occurrences& occ);
  absl::Status Singular(const FieldCodec& field, const WireValue& v);
  absl::Status Packed(const FieldCodec& field, std::string_view bytes);
  absl::Status Scalar(const FieldCodec& field, const WireValue& v);
  // An enum value: its name, or its number when unknown or when
  // `enums_as_ints`; null for google.protobuf.NullValue.
  void Enum(const FieldCodec& field, int32_t number);
  absl::Status MapKey(const FieldCodec& key, const WireValue& v,
                      std::string* out);
  absl::Status MergedMessage(const FieldCodec& field, const Occurrences& occ);
  absl::Status Wkt(const MessageCodec& codec, std::string_view wire);
  absl::Status Any(const MessageCodec& codec, std::string_view wire);
  absl::Status Value(const MessageCodec& codec, std::string_view wire);
  absl::Status Number(std::string_view text);
  absl::Status Bad(std::string_view what);
  absl::Status BadValue(const MessageCodec& codec, const FieldCodec& field);
  // The next known field in `r` (unknown fields and groups skipped) and
  // its wire type; nullptr at the end, or with *error set (InvalidArgument)
  // on a bad tag or unknown field.
  const FieldCodec* NextField(const MessageCodec& codec, WireReader& r,
                              uint32_t* wire_type, absl::Status* error);
  // A string value: copied as is when plain ASCII, else validated and
  // escaped by the writer.
  absl::Status String(const FieldCodec& field, std::string_view s);
  // A 64-bit integer as a JSON string ("123").
  template <typename Int>
  void QuotedInt(Int v);
  bool IsDefault(const FieldCodec& field, const WireValue& v) const;

  const CodecSet& codecs_;
  const PrintOptions& options_;
  const PrintFlags& flags_;
  Writer& w_;
  int depth_ = 0;
  PrintScratch& scratch_;
};

}  // namespace protogate::transcoding
