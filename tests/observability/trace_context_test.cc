#include "gateway/observability/trace_context.h"

#include <string>

#include "gtest/gtest.h"

namespace protogate::observability {
namespace {

constexpr std::string_view kParent =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, ParsesTheW3cExample) {
  absl::StatusOr<TraceContext> parsed = ParseTraceparent(kParent);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->ParentSpanIdHex(), "00f067aa0ba902b7");
  EXPECT_TRUE(parsed->sampled());
}

TEST(TraceContextTest, RejectsMalformedHeaders) {
  for (std::string_view bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
       }) {
    absl::StatusOr<TraceContext> parsed = ParseTraceparent(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(TraceContextTest, AcceptsLaterVersionsWithMoreFields) {
  absl::StatusOr<TraceContext> parsed = ParseTraceparent(
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TracerTest, ContinuesAValidParentWithANewSpan) {
  Tracer tracer(0);  // The parent's flag decides, not the ratio.
  TraceContext context = tracer.Continue(kParent, "congo=t61rcWkgMzE");
  EXPECT_EQ(context.TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(context.ParentSpanIdHex(), "00f067aa0ba902b7");
  EXPECT_NE(context.SpanIdHex(), "00f067aa0ba902b7");
  EXPECT_NE(context.span_id, SpanId{});
  EXPECT_TRUE(context.sampled());
  EXPECT_EQ(context.tracestate.view(), "congo=t61rcWkgMzE");
  EXPECT_EQ(context.Traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-" +
                                       context.SpanIdHex() + "-01");
}

TEST(TracerTest, UnsampledParentStaysUnsampled) {
  Tracer tracer(1);
  TraceContext context = tracer.Continue(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "");
  EXPECT_FALSE(context.sampled());
}

TEST(TracerTest, StartsATraceWithTheRatioWhenThereIsNoParent) {
  TraceContext always = Tracer(1).Continue("", "");
  EXPECT_TRUE(always.sampled());
  EXPECT_FALSE(always.has_parent());
  EXPECT_NE(always.trace_id, TraceId{});
  EXPECT_FALSE(Tracer(0).Continue("", "").sampled());
}

TEST(TracerTest, InvalidParentStartsANewTraceAndDropsTracestate) {
  TraceContext context = Tracer(1).Continue("garbage", "a=b");
  EXPECT_FALSE(context.has_parent());
  EXPECT_EQ(context.tracestate.view(), "");
  EXPECT_TRUE(context.sampled());
}

TEST(TraceContextTest, ChildKeepsTheTraceAndPointsAtItsParent) {
  TraceContext server = Tracer(1).Continue(kParent, "");
  TraceContext first = server.Child();
  TraceContext second = server.Child();
  EXPECT_EQ(first.trace_id, server.trace_id);
  EXPECT_EQ(first.parent_span_id, server.span_id);
  EXPECT_NE(first.span_id, second.span_id);
  EXPECT_EQ(first.flags, server.flags);
  absl::StatusOr<TraceContext> parsed = ParseTraceparent(first.Traceparent());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->parent_span_id, first.span_id);
}

TEST(TraceContextTest, ChildrenAndCopiesShareTheTracestate) {
  TraceContext server = Tracer(1).Continue(kParent, "congo=t61rcWkgMzE");
  TraceContext child = server.Child();
  TraceContext copy = child;
  EXPECT_EQ(child.tracestate.view(), "congo=t61rcWkgMzE");
  EXPECT_EQ(copy.tracestate.view(), "congo=t61rcWkgMzE");
  EXPECT_EQ(copy.tracestate.view().data(), server.tracestate.view().data());
  TraceContext moved = std::move(copy);
  EXPECT_EQ(moved.tracestate.view(), "congo=t61rcWkgMzE");
  EXPECT_TRUE(Tracer(1).Continue(kParent, "").Child().tracestate.empty());
}

// Every byte value at every position of both ids, in all their forms.
TEST(TraceContextTest, HexOfEveryByteValueAtEveryPosition) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int value = 0; value < 256; ++value) {
    for (size_t at = 0; at < 16; ++at) {
      TraceContext context;
      context.trace_id.fill(0x5a);
      context.span_id.fill(0xa5);
      context.parent_span_id.fill(0x0f);
      context.trace_id[at] = static_cast<uint8_t>(value);
      context.span_id[at % 8] = static_cast<uint8_t>(value);
      context.parent_span_id[at % 8] = static_cast<uint8_t>(value);
      const std::string digits = {kHex[value >> 4], kHex[value & 15]};
      std::string trace(32, ' ');
      for (size_t i = 0; i < 16; ++i)
        trace.replace(2 * i, 2, i == at ? digits : "5a");
      std::string span(16, ' ');
      std::string parent(16, ' ');
      for (size_t i = 0; i < 8; ++i) {
        span.replace(2 * i, 2, i == at % 8 ? digits : "a5");
        parent.replace(2 * i, 2, i == at % 8 ? digits : "0f");
      }
      EXPECT_EQ(context.TraceIdHex(), trace);
      EXPECT_EQ(context.SpanIdHex(), span);
      EXPECT_EQ(context.ParentSpanIdHex(), parent);
      char trace_out[32];
      char span_out[16];
      EXPECT_EQ(context.TraceIdHex(trace_out), trace);
      EXPECT_EQ(context.SpanIdHex(span_out), span);
      context.flags = 1;
      EXPECT_EQ(context.Traceparent(), "00-" + trace + "-" + span + "-01");
    }
  }
}

}  // namespace
}  // namespace protogate::observability
