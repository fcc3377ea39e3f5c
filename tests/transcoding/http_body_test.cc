#include "gateway/transcoding/http_body.h"

#include "demo/bookstore.pb.h"
#include "gateway/transcoding/request_transcoder.h"
#include "gmock/gmock.h"
#include "google/api/httpbody.pb.h"
#include "gtest/gtest.h"
#include "tests/transcoding/test_util.h"

namespace protogate::transcoding {
namespace {

namespace bookstore = ::demo::bookstore::v1;

TEST(HttpBodyTest, RecognisesOnlyGoogleApiHttpBody) {
  EXPECT_TRUE(IsHttpBody(google::api::HttpBody::descriptor()));
  EXPECT_FALSE(IsHttpBody(bookstore::Book::descriptor()));
  EXPECT_FALSE(IsHttpBody(nullptr));
}

TEST(HttpBodyTest, AppendsAMessageLibprotobufReads) {
  std::string wire;
  AppendHttpBody("text/csv", std::string("a,b\n\0z", 6), &wire);
  google::api::HttpBody body;
  ASSERT_TRUE(body.ParseFromString(wire));
  EXPECT_EQ(body.content_type(), "text/csv");
  EXPECT_EQ(body.data(), std::string("a,b\n\0z", 6));
}

TEST(HttpBodyTest, ReadsTheWholeMessageOrAMergedField) {
  google::api::HttpBody body;
  body.set_content_type("image/png");
  body.set_data(
      "\x89"
      "PNG");
  absl::StatusOr<HttpBodyView> view =
      ReadHttpBody(body.SerializeAsString(), nullptr);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->content_type, "image/png");
  EXPECT_EQ(view->data,
            "\x89"
            "PNG");

  // A field given twice merges: the later data wins, the type stays.
  bookstore::UploadBookCoverRequest first, second;
  first.mutable_cover()->set_content_type("image/gif");
  first.mutable_cover()->set_data("old");
  second.mutable_cover()->set_data("new");
  std::string wire = first.SerializeAsString() + second.SerializeAsString();
  view = ReadHttpBody(
      wire, bookstore::UploadBookCoverRequest::descriptor()->FindFieldByName(
                "cover"));
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->content_type, "image/gif");
  EXPECT_EQ(view->data, "new");
}

TEST(HttpBodyTest, MalformedBytesAreInvalidArgument) {
  absl::StatusOr<HttpBodyView> view = ReadHttpBody(
      "\x0a\x05"
      "ab",
      nullptr);
  EXPECT_EQ(view.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HttpBodyTest, BuildRequestPutsTheRawBodyBesidePathFields) {
  const auto* d = bookstore::UploadBookCoverRequest::descriptor();
  RequestSpec spec{.codec = &testing::CodecOf(d),
                   .body = BodyMode::kField,
                   .body_field = d->FindFieldByName("cover"),
                   .http_body = true};
  const FieldPath shelf = {d->FindFieldByName("shelf")};
  const PathBinding bindings[] = {{&shelf, "3"}};
  std::string wire;
  ASSERT_TRUE(BuildRequest(testing::Codecs(), spec, bindings, "",
                           RequestBody{.bytes = "{not json",
                                       .content_type = "image/png"},
                           ParseOptions(), &wire)
                  .ok());
  bookstore::UploadBookCoverRequest m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_EQ(m.shelf(), 3);
  EXPECT_EQ(m.cover().content_type(), "image/png");
  EXPECT_EQ(m.cover().data(), "{not json");
}

TEST(HttpBodyTest, BuildRequestMakesTheWholeRequestFromTheBody) {
  const auto* d = google::api::HttpBody::descriptor();
  RequestSpec spec{.codec = &testing::CodecOf(d),
                   .body = BodyMode::kWholeMessage,
                   .http_body = true};
  std::string wire;
  ASSERT_TRUE(BuildRequest(testing::Codecs(), spec, {}, "",
                           RequestBody{.bytes = "1,Dune,GENRE_FICTION\n",
                                       .content_type = "text/csv"},
                           ParseOptions(), &wire)
                  .ok());
  google::api::HttpBody m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_EQ(m.content_type(), "text/csv");
  EXPECT_EQ(m.data(), "1,Dune,GENRE_FICTION\n");
}

}  // namespace
}  // namespace protogate::transcoding
