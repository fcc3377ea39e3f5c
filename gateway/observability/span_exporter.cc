#include "gateway/observability/span_exporter.h"

#include "google/protobuf/arena.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace protogate::observability {
namespace {

namespace otlp_trace = ::opentelemetry::proto::trace::v1;
namespace otlp_common = ::opentelemetry::proto::common::v1;

otlp_trace::Span::SpanKind Kind(SpanKind kind) {
  switch (kind) {
    case SpanKind::kServer:
      return otlp_trace::Span::SPAN_KIND_SERVER;
    case SpanKind::kClient:
      return otlp_trace::Span::SPAN_KIND_CLIENT;
    case SpanKind::kInternal:
      return otlp_trace::Span::SPAN_KIND_INTERNAL;
  }
  return otlp_trace::Span::SPAN_KIND_UNSPECIFIED;
}

template <size_t N>
std::string Bytes(const std::array<uint8_t, N>& id) {
  return std::string(reinterpret_cast<const char*>(id.data()), N);
}

void SetValue(otlp_common::AnyValue& out,
              const std::variant<std::string, int64_t>& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    out.set_string_value(*text);
  } else {
    out.set_int_value(std::get<int64_t>(value));
  }
}

void Fill(const Span& span, otlp_trace::Span& out) {
  out.set_trace_id(Bytes(span.context.trace_id));
  out.set_span_id(Bytes(span.context.span_id));
  if (span.context.has_parent()) {
    out.set_parent_span_id(Bytes(span.context.parent_span_id));
  }
  if (!span.context.tracestate.empty()) {
    const std::string_view state = span.context.tracestate.view();
    out.set_trace_state(state.data(), state.size());
  }
  out.set_flags(span.context.flags);
  out.set_name(span.name);
  out.set_kind(Kind(span.kind));
  out.set_start_time_unix_nano(absl::ToUnixNanos(span.start));
  out.set_end_time_unix_nano(absl::ToUnixNanos(span.end));
  for (const auto& [key, value] : span.attributes) {
    otlp_common::KeyValue* attribute = out.add_attributes();
    attribute->set_key(key);
    SetValue(*attribute->mutable_value(), value);
  }
  if (span.error)
    out.mutable_status()->set_code(otlp_trace::Status::STATUS_CODE_ERROR);
}

}  // namespace

std::string SerializeExportRequest(const std::vector<Span>& spans,
                                   const std::string& service_name) {
  // The request's messages and strings (a dozen per span) come from an
  // arena and go with it at once, not one allocation and free each.
  google::protobuf::ArenaOptions options;
  options.start_block_size = 16 * 1024;
  options.max_block_size = 256 * 1024;
  google::protobuf::Arena arena(options);
  auto& request = *google::protobuf::Arena::CreateMessage<
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest>(
      &arena);
  otlp_trace::ResourceSpans* resource = request.add_resource_spans();
  otlp_common::KeyValue* name = resource->mutable_resource()->add_attributes();
  name->set_key("service.name");
  name->mutable_value()->set_string_value(service_name);
  otlp_trace::ScopeSpans* scope = resource->add_scope_spans();
  scope->mutable_scope()->set_name("protogate");
  for (const Span& span : spans) Fill(span, *scope->add_spans());
  return request.SerializeAsString();
}

SpanExporter::SpanExporter(SpanExporterOptions options, SpanTransport transport)
    : options_(std::move(options)), transport_(std::move(transport)) {
  thread_ = std::thread([this] { Run(); });
}

SpanExporter::~SpanExporter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    ready_.Signal();
  }
  thread_.join();
}

bool SpanExporter::Export(Span span) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= options_.queue_spans) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  queue_.push_back(std::move(span));
  // The thread waits on a CondVar, not on an absl::Condition of mu_: with a
  // Condition waiter every Unlock here would evaluate it (the slow path).
  if (queue_.size() == options_.batch_spans) ready_.Signal();
  return true;
}

void SpanExporter::Run() {
  while (true) {
    std::vector<Span> batch;
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      if (queue_.size() < options_.batch_spans && !stopping_) {
        ready_.WaitWithTimeout(&mu_, options_.flush_interval);
      }
      stopping = stopping_;
      // When stopping, everything queued goes in one last send.
      while (!queue_.empty() &&
             (stopping || batch.size() < options_.batch_spans)) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!batch.empty()) Send(std::move(batch));
    if (stopping) return;
  }
}

void SpanExporter::Send(std::vector<Span> batch) {
  std::string request = SerializeExportRequest(batch, options_.service_name);
  absl::Status status = transport_(request, options_.export_timeout);
  (status.ok() ? exported_ : failed_)
      .fetch_add(batch.size(), std::memory_order_relaxed);
}

}  // namespace protogate::observability
