#include "gateway/transcoding/request_transcoder.h"

#include <string>

#include "absl/strings/match.h"
#include "gateway/transcoding/response_transcoder.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace protogate::transcoding {
namespace {

using demo::bookstore::v1::Book;
using demo::bookstore::v1::CreateBookRequest;
using demo::bookstore::v1::UpdateBookRequest;
using test::QueryRequest;
using testing::CodecOf;
using testing::Codecs;
using testing::FromText;
using testing::Same;

FieldPath PathOf(const google::protobuf::Descriptor* d,
                 std::initializer_list<const char*> names) {
  FieldPath path;
  for (const char* name : names) {
    const auto* f = d->FindFieldByName(name);
    EXPECT_NE(f, nullptr) << name;
    path.push_back(f);
    if (f->message_type() != nullptr) d = f->message_type();
  }
  return path;
}

// Builds a QueryRequest from a query string (no path, no body).
absl::StatusOr<QueryRequest> FromQuery(std::string_view query,
                                       ParseOptions options = {}) {
  RequestSpec spec{.codec = &CodecOf(QueryRequest::descriptor())};
  std::string wire;
  absl::Status s = BuildRequest(Codecs(), spec, {}, query, "", options, &wire);
  if (!s.ok()) return s;
  QueryRequest m;
  if (!m.ParseFromString(wire)) return absl::InternalError("bad wire");
  return m;
}

TEST(BuildRequestTest, QueryParametersFillFields) {
  struct {
    const char* query;
    const char* text;
  } cases[] = {
      {"", ""},
      {"name=a%20b&pageSize=5", R"(name: "a b" page_size: 5)"},
      {"page_size=-2&&", "page_size: -2"},
      {"name=a+b", R"(name: "a+b")"},
      {"name=%2B%26%3D", R"(name: "+&=")"},
      {"name=", R"(name: "")"},
      {"color=GREEN&colors=RED&colors=2", "color: GREEN colors: [RED, GREEN]"},
      {"color=1", "color: RED"},
      {"tags=a&tags=b&tags=a", R"(tags: ["a", "b", "a"])"},
      {"filter.a=3&filter.b=x", R"(filter { a: 3 b: "x" })"},
      {"filter.child.a=4", "filter { child { a: 4 } }"},
      {"since=2024-01-01T00:00:00Z", "since { seconds: 1704067200 }"},
      {"limit=7", "limit { value: 7 }"},
      {"limit=0", "limit {}"},
      {"labels%5Bk%5D=v&labels[j]=w",
       R"(labels { key: "k" value: "v" } labels { key: "j" value: "w" })"},
      {"update_mask=a.bC,d", R"(update_mask { paths: ["a.b_c", "d"] })"},
      {"flag=true&blob=AQ", R"(flag: true blob: "\001")"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<QueryRequest> got = FromQuery(c.query);
    ASSERT_TRUE(got.ok()) << got.status() << " for " << c.query;
    EXPECT_TRUE(Same(*got, FromText<QueryRequest>(c.text)))
        << c.query << " got " << got->ShortDebugString();
  }
}

TEST(BuildRequestTest, BadQueryParametersAreInvalidArgument) {
  struct {
    const char* query;
    const char* message;
  } cases[] = {
      {"nope=1", R"(unknown query parameter "nope")"},
      {"filter.nope=1", R"(unknown query parameter "filter.nope")"},
      {"name.x=1", R"(unknown query parameter "name.x")"},
      {"pageSize=x", R"(field "pageSize": expected int32, got "x")"},
      {"pageSize=1.5", R"(field "pageSize": expected int32)"},
      {"pageSize=1&page_size=2", "repeated for a non-repeated field"},
      {"color=BLUE", R"(unknown value "BLUE")"},
      {"flag=yes", R"(field "flag": expected bool)"},
      {"flag", R"(field "flag": expected bool, got "")"},
      {"since=yesterday", R"(field "since": expected RFC 3339)"},
      {"items.a=1", R"(unknown query parameter "items.a")"},
      {"items=1", R"(query parameter "items" names a field that cannot)"},
      {"filter=1", R"(query parameter "filter" names a field that cannot)"},
      {"labels=1", "cannot be set from the query"},
      {"name=%zz", R"(malformed percent-encoding in query parameter "name")"},
      {"na%2=1", "malformed percent-encoding"},
      {"blob=***", R"(field "blob": expected bytes)"},
  };
  for (const auto& c : cases) {
    absl::Status s = FromQuery(c.query).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.query;
    EXPECT_TRUE(absl::StrContains(s.message(), c.message))
        << c.query << " -> " << s.message();
  }
}

TEST(BuildRequestTest, UnknownQueryParametersIgnoredWhenAllowed) {
  ParseOptions options;
  options.ignore_unknown_fields = true;
  absl::StatusOr<QueryRequest> got = FromQuery("nope=1&pageSize=2", options);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->page_size(), 2);
}

TEST(BuildRequestTest, QueryOptionsFromRouteConfig) {
  RequestSpec spec{.codec = &CodecOf(QueryRequest::descriptor()),
                   .query_plus = QueryPlus::kSpace,
                   .ignored_query_params = {"api_key"}};
  std::string wire;
  ASSERT_TRUE(BuildRequest(Codecs(), spec, {}, "name=a+b%2B&api_key=k", "",
                           ParseOptions(), &wire)
                  .ok());
  QueryRequest m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_EQ(m.name(), "a b+");
  absl::Status s =
      BuildRequest(Codecs(), spec, {}, "nope=1", "", ParseOptions(), &wire);
  EXPECT_TRUE(
      absl::StrContains(s.message(), R"(unknown query parameter "nope")"))
      << s;
  spec.ignore_unknown_query_params = true;
  EXPECT_TRUE(
      BuildRequest(Codecs(), spec, {}, "nope=1", "", ParseOptions(), &wire)
          .ok());
  // Always-ignored names do not count as query parameters for body: "*".
  spec.body = BodyMode::kWholeMessage;
  spec.ignore_unknown_query_params = false;
  EXPECT_TRUE(
      BuildRequest(Codecs(), spec, {}, "api_key=k", "{}", ParseOptions(), &wire)
          .ok());
}

TEST(BuildRequestTest, UpdateBookWithNestedPathBindingsAndBody) {
  const auto* d = UpdateBookRequest::descriptor();
  const FieldPath shelf = PathOf(d, {"book", "shelf_id"});
  const FieldPath id = PathOf(d, {"book", "id"});
  const PathBinding bindings[] = {{&shelf, "3"}, {&id, "9"}};
  RequestSpec spec{.codec = &CodecOf(d),
                   .body = BodyMode::kField,
                   .body_field = d->FindFieldByName("book")};
  std::string wire;
  ASSERT_TRUE(
      BuildRequest(Codecs(), spec, bindings, "",
                   R"({"title": "T", "publishTime": "2024-01-01T00:00:00Z"})",
                   ParseOptions(), &wire)
          .ok());
  UpdateBookRequest m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_TRUE(Same(m, FromText<UpdateBookRequest>(R"(
      book { shelf_id: 3 id: 9 title: "T"
             publish_time { seconds: 1704067200 } })")))
      << m.ShortDebugString();

  // The body may not set a path-bound field.
  absl::Status s =
      BuildRequest(Codecs(), spec, bindings, "",
                   R"({"title": "T", "id": "10"})", ParseOptions(), &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), R"(field "book.id" is bound)"))
      << s;
  // Nor may the query.
  s = BuildRequest(Codecs(), spec, bindings, "book.id=4", "", ParseOptions(),
                   &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "which the path binds")) << s;
  // Nor a query parameter inside the body field.
  s = BuildRequest(Codecs(), spec, bindings, "book.title=x", "", ParseOptions(),
                   &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "sets a field of the body")) << s;
}

TEST(BuildRequestTest, CreateBookPathQueryAndBody) {
  const auto* d = CreateBookRequest::descriptor();
  const FieldPath shelf = PathOf(d, {"shelf"});
  const PathBinding bindings[] = {{&shelf, "12"}};
  RequestSpec spec{.codec = &CodecOf(d),
                   .body = BodyMode::kField,
                   .body_field = d->FindFieldByName("book")};
  std::string wire;
  ASSERT_TRUE(
      BuildRequest(Codecs(), spec, bindings, "", "", ParseOptions(), &wire)
          .ok());
  CreateBookRequest m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_TRUE(Same(m, FromText<CreateBookRequest>("shelf: 12")));

  absl::Status s = BuildRequest(Codecs(), spec, bindings, "", "{\"titel\": 1}",
                                ParseOptions(), &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), R"(field "book.titel")")) << s;

  const PathBinding bad[] = {{&shelf, "x"}};
  s = BuildRequest(Codecs(), spec, bad, "", "", ParseOptions(), &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(),
                                R"(field "shelf": expected int64, got "x")"))
      << s;
}

TEST(BuildRequestTest, WholeMessageBody) {
  const auto* d = CreateBookRequest::descriptor();
  const FieldPath shelf = PathOf(d, {"shelf"});
  const PathBinding bindings[] = {{&shelf, "1"}};
  RequestSpec spec{.codec = &CodecOf(d), .body = BodyMode::kWholeMessage};
  std::string wire = "garbage";
  ASSERT_TRUE(BuildRequest(Codecs(), spec, bindings, "",
                           R"({"book": {"title": "x"}})", ParseOptions(), &wire)
                  .ok());
  CreateBookRequest m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_TRUE(
      Same(m, FromText<CreateBookRequest>(R"(shelf: 1 book { title: "x" })")));

  ASSERT_TRUE(
      BuildRequest(Codecs(), spec, {}, "", "", ParseOptions(), &wire).ok());
  EXPECT_EQ(wire, "");

  absl::Status s = BuildRequest(Codecs(), spec, bindings, "shelf=2", "{}",
                                ParseOptions(), &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), R"(query parameter "shelf")"))
      << s;
  s = BuildRequest(Codecs(), spec, {}, "x=1", "{}", ParseOptions(), &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);

  s = BuildRequest(Codecs(), spec, bindings, "", R"({"shelf": "2"})",
                   ParseOptions(), &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), R"(field "shelf" is bound)")) << s;
}

TEST(BuildRequestTest, BodyOnNoBodyRouteIsRejected) {
  RequestSpec spec{.codec = &CodecOf(QueryRequest::descriptor())};
  std::string wire;
  absl::Status s =
      BuildRequest(Codecs(), spec, {}, "", "{}", ParseOptions(), &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "does not accept a body")) << s;
}

TEST(BuildRequestTest, QueryParamOverlappingPathBindingIsRejected) {
  const auto* d = QueryRequest::descriptor();
  const FieldPath filter_a = PathOf(d, {"filter", "a"});
  const PathBinding bindings[] = {{&filter_a, "1"}};
  RequestSpec spec{.codec = &CodecOf(d)};
  std::string wire;
  absl::Status s = BuildRequest(Codecs(), spec, bindings, "filter.a=2", "",
                                ParseOptions(), &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), R"(sets field "filter.a")")) << s;
  // A sibling field is fine.
  ASSERT_TRUE(BuildRequest(Codecs(), spec, bindings, "filter.b=x", "",
                           ParseOptions(), &wire)
                  .ok());
  QueryRequest m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_TRUE(Same(m, FromText<QueryRequest>(R"(filter { a: 1 b: "x" })")));
}

// Two members of one oneof are an InvalidArgument naming the oneof, from any
// mix of path, query and body.
TEST(BuildRequestTest, TwoMembersOfOneOneofAreRejected) {
  const auto* d = test::OneofRequest::descriptor();
  const FieldPath name = PathOf(d, {"name"});
  const FieldPath inner_a = PathOf(d, {"inner", "a"});
  const PathBinding by_name[] = {{&name, "x"}};
  const PathBinding by_inner_a[] = {{&inner_a, "x"}};
  const RequestSpec no_body{.codec = &CodecOf(d)};
  const RequestSpec whole{.codec = &CodecOf(d),
                          .body = BodyMode::kWholeMessage};
  const RequestSpec nested_body{.codec = &CodecOf(d),
                                .body = BodyMode::kField,
                                .body_field = d->FindFieldByName("nested")};
  const RequestSpec inner_body{.codec = &CodecOf(d),
                               .body = BodyMode::kField,
                               .body_field = d->FindFieldByName("inner")};
  struct {
    const char* name;
    const RequestSpec* spec;
    absl::Span<const PathBinding> path;
    const char* query;
    const char* body;
    const char* message;  // "" when accepted
  } cases[] = {
      {"two in the query",
       &no_body,
       {},
       "name=A&number=5",
       "",
       R"(oneof "selector" is set twice: by field "name" and by field "number")"},
      {"nested member in the query",
       &no_body,
       {},
       "nested.a=1&number=5",
       "",
       R"(oneof "selector")"},
      {"same member twice is fine",
       &no_body,
       {},
       "nested.a=1&nested.b=x",
       "",
       ""},
      {"one level down",
       &no_body,
       {},
       "inner.a=x&inner.b=2",
       "",
       R"(oneof "inner.kind" is set twice: by field "inner.a")"},
      {"path and query", &no_body, by_name, "number=5", "",
       R"(oneof "selector")"},
      {"path and query one level down", &no_body, by_inner_a, "inner.b=2", "",
       R"(oneof "inner.kind")"},
      {"other fields are fine", &no_body, by_inner_a, "inner.c=y&number=2", "",
       ""},
      {"path and whole body", &whole, by_name, "", R"({"number": 5})",
       R"(oneof "selector")"},
      {"path and whole body one level down", &whole, by_inner_a, "",
       R"({"inner": {"b": 5}})", R"(oneof "inner.kind")"},
      {"path and whole body, other field", &whole, by_name, "",
       R"({"inner": {"b": 5}})", ""},
      {"query and a body field that is a member",
       &nested_body,
       {},
       "number=5",
       R"({"a": 1})",
       R"(oneof "selector")"},
      {"path and body field", &inner_body, by_name, "", R"({"a": "x"})", ""},
      {"two in the body",
       &whole,
       {},
       "",
       R"({"name": "x", "number": 5})",
       R"(oneof "selector")"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string wire;
    absl::Status s = BuildRequest(Codecs(), *c.spec, c.path, c.query, c.body,
                                  ParseOptions(), &wire);
    if (*c.message == '\0') {
      EXPECT_TRUE(s.ok()) << s;
      continue;
    }
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), c.message)) << s;
  }
}

TEST(BuildRequestTest, UpdateMaskIsFilledFromTheBody) {
  const auto* d = QueryRequest::descriptor();
  RequestSpec spec{.codec = &CodecOf(d),
                   .body = BodyMode::kWholeMessage,
                   .update_mask_field = d->FindFieldByName("update_mask")};
  std::string wire;
  ASSERT_TRUE(BuildRequest(Codecs(), spec, {}, "",
                           R"({"name": "x", "filter": {"a": 1, "child": {}},
                               "labels": {"k": "v", "j": "w"}, "tags": ["a"],
                               "since": "1970-01-01T00:00:01Z"})",
                           ParseOptions(), &wire)
                  .ok());
  QueryRequest m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_EQ(m.update_mask().ShortDebugString(),
            R"(paths: "name" paths: "filter.a" paths: "filter.child" )"
            R"(paths: "labels" paths: "tags" paths: "since")");

  // A mask the client sent is kept as is.
  ASSERT_TRUE(BuildRequest(Codecs(), spec, {}, "",
                           R"({"name": "x", "updateMask": "flag"})",
                           ParseOptions(), &wire)
                  .ok());
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_EQ(m.update_mask().ShortDebugString(), R"(paths: "flag")");

  // body: "filter": paths are relative to the body field.
  spec.body = BodyMode::kField;
  spec.body_field = d->FindFieldByName("filter");
  ASSERT_TRUE(BuildRequest(Codecs(), spec, {}, "",
                           R"({"a": 2, "child": {"b": "q"}})", ParseOptions(),
                           &wire)
                  .ok());
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_EQ(m.update_mask().ShortDebugString(),
            R"(paths: "a" paths: "child.b")");
  ASSERT_TRUE(BuildRequest(Codecs(), spec, {}, "updateMask=a", R"({"a": 2})",
                           ParseOptions(), &wire)
                  .ok());
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_EQ(m.update_mask().ShortDebugString(), R"(paths: "a")");
}

TEST(BuildRequestTest, UpdateMaskCountsKeysSetToDefaultValues) {
  // Presence is JSON presence: clearing a field to its default value must
  // still put it in the mask, although proto3 writes no bytes for it.
  const auto* d = QueryRequest::descriptor();
  RequestSpec spec{.codec = &CodecOf(d),
                   .body = BodyMode::kWholeMessage,
                   .update_mask_field = d->FindFieldByName("update_mask")};
  std::string wire;
  ASSERT_TRUE(BuildRequest(Codecs(), spec, {}, "",
                           R"({"name": "", "pageSize": 0, "tags": [],
                               "filter": {"a": 0}, "since": null})",
                           ParseOptions(), &wire)
                  .ok());
  QueryRequest m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_EQ(m.update_mask().ShortDebugString(),
            R"(paths: "name" paths: "page_size" paths: "tags" )"
            R"(paths: "filter.a" paths: "since")");
}

TEST(AppendFieldFromTextTest, EncodesScalarsAndWkts) {
  const auto* d = QueryRequest::descriptor();
  struct {
    FieldPath path;
    const char* value;
    const char* text;
  } cases[] = {
      {PathOf(d, {"name"}), "shelves/1/books/2",
       R"(name: "shelves/1/books/2")"},
      {PathOf(d, {"page_size"}), "-1", "page_size: -1"},
      {PathOf(d, {"color"}), "GREEN", "color: GREEN"},
      {PathOf(d, {"since"}), "1970-01-01T00:00:01.5Z",
       "since { seconds: 1 nanos: 500000000 }"},
      {PathOf(d, {"limit"}), "3", "limit { value: 3 }"},
      {PathOf(d, {"filter", "child", "b"}), "q",
       R"(filter { child { b: "q" } })"},
  };
  for (const auto& c : cases) {
    std::string wire;
    ASSERT_TRUE(AppendFieldFromText(Codecs(), c.path, c.value, &wire).ok())
        << c.value;
    QueryRequest m;
    ASSERT_TRUE(m.ParseFromString(wire));
    EXPECT_TRUE(Same(m, FromText<QueryRequest>(c.text))) << c.value;
  }
}

TEST(BuildResponseTest, WholeMessageOrOneField) {
  const Book book = FromText<Book>(R"(title: "t" authors { born: 1 })");
  const MessageCodec& codec = CodecOf(Book::descriptor());
  std::string json;
  ASSERT_TRUE(BuildResponse(Codecs(), codec, nullptr, book.SerializeAsString(),
                            PrintOptions(), &json)
                  .ok());
  EXPECT_EQ(json, R"({"title":"t","authors":[{"born":1}]})");
  ASSERT_TRUE(BuildResponse(Codecs(), codec,
                            Book::descriptor()->FindFieldByName("authors"),
                            book.SerializeAsString(), PrintOptions(), &json)
                  .ok());
  EXPECT_EQ(json, R"([{"born":1}])");
  absl::Status s =
      BuildResponse(Codecs(), codec, nullptr, "\x0a", PrintOptions(), &json);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace protogate::transcoding
