#include "gateway/transcoding/codec_set.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/text_codecs.h"
#include "google/protobuf/descriptor.pb.h"

namespace protogate::transcoding {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

namespace {

constexpr int kMaxDenseNumber = 256;

WktKind WktKindOf(const Descriptor& d) {
  if (d.file()->name().rfind("google/protobuf/", 0) != 0) return WktKind::kNone;
  static const auto* const kinds =
      new absl::flat_hash_map<std::string, WktKind>{
          {"google.protobuf.Any", WktKind::kAny},
          {"google.protobuf.Timestamp", WktKind::kTimestamp},
          {"google.protobuf.Duration", WktKind::kDuration},
          {"google.protobuf.FieldMask", WktKind::kFieldMask},
          {"google.protobuf.Struct", WktKind::kStruct},
          {"google.protobuf.Value", WktKind::kValue},
          {"google.protobuf.ListValue", WktKind::kListValue},
          {"google.protobuf.Empty", WktKind::kEmpty},
          {"google.protobuf.DoubleValue", WktKind::kWrapper},
          {"google.protobuf.FloatValue", WktKind::kWrapper},
          {"google.protobuf.Int64Value", WktKind::kWrapper},
          {"google.protobuf.UInt64Value", WktKind::kWrapper},
          {"google.protobuf.Int32Value", WktKind::kWrapper},
          {"google.protobuf.UInt32Value", WktKind::kWrapper},
          {"google.protobuf.BoolValue", WktKind::kWrapper},
          {"google.protobuf.StringValue", WktKind::kWrapper},
          {"google.protobuf.BytesValue", WktKind::kWrapper},
      };
  auto it = kinds->find(d.full_name());
  return it == kinds->end() ? WktKind::kNone : it->second;
}

uint32_t WireTypeOf(FieldDescriptor::Type type) {
  switch (type) {
    case FieldDescriptor::TYPE_DOUBLE:
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
      return 1;
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
      return 5;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return 2;
    case FieldDescriptor::TYPE_GROUP:
      return 3;
    default:
      return 0;
  }
}

}  // namespace

const int32_t* EnumCodec::FindByName(std::string_view name,
                                     bool case_insensitive) const {
  auto it = by_name.find(base::ToAbsl(name));
  if (it != by_name.end()) return &it->second;
  if (!case_insensitive) return nullptr;
  for (const auto& [n, v] : by_name) {
    if (absl::EqualsIgnoreCase(n, base::ToAbsl(name))) return &v;
  }
  return nullptr;
}

const FieldCodec* MessageCodec::FindByJsonOrProtoName(
    std::string_view name) const {
  auto it = by_name_.find(base::ToAbsl(name));
  return it == by_name_.end() ? nullptr : &fields_[it->second];
}

const FieldCodec* MessageCodec::FindByProtoName(std::string_view name) const {
  auto it = by_proto_name_.find(base::ToAbsl(name));
  return it == by_proto_name_.end() ? nullptr : &fields_[it->second];
}

const FieldCodec* MessageCodec::FindSparse(uint32_t number) const {
  auto it = by_number_sparse_.find(number);
  return it == by_number_sparse_.end() ? nullptr : &fields_[it->second];
}

// Compiles descriptors into codecs. Not thread-safe; callers serialize.
class CodecBuilder {
 public:
  using MessageMap =
      absl::flat_hash_map<const Descriptor*, std::unique_ptr<MessageCodec>>;
  using EnumMap =
      absl::flat_hash_map<const EnumDescriptor*, std::unique_ptr<EnumCodec>>;

  CodecBuilder(MessageMap* messages, EnumMap* enums)
      : messages_(messages), enums_(enums) {}

  // Creates codecs for every message of `file` and its dependencies.
  void AddFile(const FileDescriptor* file) {
    if (!files_.insert({file, true}).second) return;
    for (int i = 0; i < file->dependency_count(); ++i) {
      AddFile(file->dependency(i));
    }
    for (int i = 0; i < file->message_type_count(); ++i) {
      AddMessage(file->message_type(i));
    }
  }

  void AddMessage(const Descriptor* d) {
    if (messages_->contains(d)) return;
    auto codec = std::make_unique<MessageCodec>();
    codec->descriptor_ = d;
    pending_.push_back(codec.get());
    (*messages_)[d] = std::move(codec);
    for (int i = 0; i < d->nested_type_count(); ++i) {
      AddMessage(d->nested_type(i));
    }
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->message_type() != nullptr) {
        AddMessage(d->field(i)->message_type());
      }
    }
    for (const FieldDescriptor* ext : Extensions(d)) {
      if (ext->message_type() != nullptr) AddMessage(ext->message_type());
    }
  }

  // Fills the field tables of every codec created since the last call.
  absl::Status Finish() {
    while (!pending_.empty()) {
      MessageCodec* codec = pending_.back();
      pending_.pop_back();
      Fill(codec);
    }
    return absl::OkStatus();
  }

 private:
  const EnumCodec* Enum(const EnumDescriptor* e) {
    auto& slot = (*enums_)[e];
    if (slot == nullptr) {
      slot = std::make_unique<EnumCodec>();
      slot->descriptor = e;
      slot->is_null_value = e->full_name() == "google.protobuf.NullValue";
      for (int i = 0; i < e->value_count(); ++i) {
        const auto* v = e->value(i);
        slot->by_name.emplace(v->name(), v->number());
        slot->by_number.emplace(v->number(), v->name());  // First name wins.
      }
    }
    return slot.get();
  }

  // Extensions of `d` known to its pool (JSON keys "[full.name]").
  static std::vector<const FieldDescriptor*> Extensions(const Descriptor* d) {
    std::vector<const FieldDescriptor*> extensions;
    if (d->extension_range_count() > 0) {
      d->file()->pool()->FindAllExtensions(d, &extensions);
    }
    return extensions;
  }

  FieldCodec MakeField(const FieldDescriptor* f) {
    FieldCodec fc;
    fc.descriptor = f;
    fc.json_name = f->is_extension() ? absl::StrCat("[", f->full_name(), "]")
                                     : f->json_name();
    fc.proto_name = f->is_extension() ? fc.json_name : f->name();
    fc.json_key = JsonQuote(fc.json_name);
    fc.proto_key = JsonQuote(fc.proto_name);
    fc.number = static_cast<uint32_t>(f->number());
    fc.type = f->type();
    fc.tag = (fc.number << 3) | WireTypeOf(fc.type);
    fc.packed_tag = (fc.number << 3) | 2;
    fc.repeated = f->is_repeated();
    fc.is_map = f->is_map();
    fc.packable = f->is_packable();
    fc.encode_packed = f->is_packed();
    fc.has_presence = f->has_presence();
    if (f->real_containing_oneof() != nullptr) {
      fc.oneof_index = f->real_containing_oneof()->index();
    }
    if (f->message_type() != nullptr) {
      fc.message = (*messages_)[f->message_type()].get();
    }
    if (f->enum_type() != nullptr) fc.enum_codec = Enum(f->enum_type());
    return fc;
  }

  void Fill(MessageCodec* codec) {
    const Descriptor* d = codec->descriptor_;
    codec->wkt_ = WktKindOf(*d);
    codec->map_entry_ = d->options().map_entry();
    codec->oneof_count_ = d->oneof_decl_count();
    for (int i = 0; i < d->field_count(); ++i) {
      codec->fields_.push_back(MakeField(d->field(i)));
    }
    for (const FieldDescriptor* ext : Extensions(d)) {
      codec->fields_.push_back(MakeField(ext));
    }
    std::sort(codec->fields_.begin(), codec->fields_.end(),
              [](const FieldCodec& a, const FieldCodec& b) {
                return a.number < b.number;
              });
    uint32_t max_number = 0;
    for (size_t i = 0; i < codec->fields_.size(); ++i) {
      FieldCodec& fc = codec->fields_[i];
      fc.index = static_cast<int>(i);
      codec->by_name_.emplace(fc.json_name, fc.index);
      codec->by_name_.emplace(fc.proto_name, fc.index);
      codec->by_proto_name_.emplace(fc.proto_name, fc.index);
      max_number = std::max(max_number, fc.number);
    }
    if (max_number < kMaxDenseNumber) {
      codec->by_number_dense_.assign(max_number + 1, 0);
      for (const FieldCodec& fc : codec->fields_) {
        codec->by_number_dense_[fc.number] = fc.index + 1;
      }
    } else {
      for (const FieldCodec& fc : codec->fields_) {
        codec->by_number_sparse_.emplace(fc.number, fc.index);
      }
    }
  }

  MessageMap* messages_;
  EnumMap* enums_;
  absl::flat_hash_map<const FileDescriptor*, bool> files_;
  std::vector<MessageCodec*> pending_;
};

struct CodecSet::Impl {
  mutable absl::Mutex mu;
  // Codecs are never removed, so pointers handed out stay valid.
  mutable CodecBuilder::MessageMap messages ABSL_GUARDED_BY(mu);
  mutable CodecBuilder::EnumMap enums ABSL_GUARDED_BY(mu);
  mutable absl::flat_hash_map<std::string, const MessageCodec*> lazy_by_name
      ABSL_GUARDED_BY(mu);
  // The codecs compiled by Build(); read without the lock.
  absl::flat_hash_map<const Descriptor*, const MessageCodec*> built;
  absl::flat_hash_map<std::string, const MessageCodec*> built_by_name;
};

CodecSet::CodecSet(const google::protobuf::DescriptorPool* pool,
                   std::unique_ptr<Impl> impl)
    : pool_(pool), impl_(std::move(impl)) {}

CodecSet::~CodecSet() = default;

absl::StatusOr<std::unique_ptr<CodecSet>> CodecSet::Build(
    const google::protobuf::DescriptorPool& pool,
    absl::Span<const Descriptor* const> roots) {
  auto impl = std::make_unique<Impl>();
  {
    absl::MutexLock lock(&impl->mu);
    CodecBuilder builder(&impl->messages, &impl->enums);
    for (const Descriptor* root : roots) {
      if (root == nullptr) {
        return absl::FailedPreconditionError("null root message type");
      }
      builder.AddFile(root->file());
      builder.AddMessage(root);
    }
    if (absl::Status s = builder.Finish(); !s.ok()) return s;
    for (const auto& [d, codec] : impl->messages) {
      impl->built.emplace(d, codec.get());
      impl->built_by_name.emplace(d->full_name(), codec.get());
    }
  }
  return std::unique_ptr<CodecSet>(new CodecSet(&pool, std::move(impl)));
}

const MessageCodec* CodecSet::Find(const Descriptor* type) const {
  auto it = impl_->built.find(type);
  return it == impl_->built.end() ? nullptr : it->second;
}

const MessageCodec* CodecSet::FindByName(std::string_view full_name) const {
  auto it = impl_->built_by_name.find(base::ToAbsl(full_name));
  if (it != impl_->built_by_name.end()) return it->second;
  // Not compiled up front (a type only an Any names): compile it once.
  absl::MutexLock lock(&impl_->mu);
  auto lazy = impl_->lazy_by_name.find(base::ToAbsl(full_name));
  if (lazy != impl_->lazy_by_name.end()) return lazy->second;
  const Descriptor* d = pool_->FindMessageTypeByName(std::string(full_name));
  if (d == nullptr) return nullptr;
  CodecBuilder builder(&impl_->messages, &impl_->enums);
  builder.AddFile(d->file());
  builder.AddMessage(d);
  if (!builder.Finish().ok()) return nullptr;
  const MessageCodec* codec = impl_->messages[d].get();
  impl_->lazy_by_name.emplace(std::string(full_name), codec);
  return codec;
}

}  // namespace protogate::transcoding
