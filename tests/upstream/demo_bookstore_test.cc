// The demo Bookstore's semantics, exercised through Upstreams the way the
// gateway calls it.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "demo/bookstore.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/upstream/upstream_test_util.h"
#include "tools/demo/demo_server.h"
#include "tools/demo/isbn.h"

namespace protogate::upstream::testing {
namespace {

namespace pb = ::demo::bookstore::v1;
using ::google::protobuf::Empty;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class DemoBookstoreTest : public DemoBackendTest {
 protected:
  // Calls `method` and parses the response into `Response`; fails the test
  // unless the call succeeds.
  template <typename Response>
  Response CallOk(const std::string& method,
                  const google::protobuf::Message& request) {
    CallResult result = Call(method, request);
    Response response;
    EXPECT_TRUE(result.status.ok()) << method << ": " << result.status;
    EXPECT_TRUE(response.ParseFromString(result.payload)) << method;
    return response;
  }
};

// The single google.rpc.BadRequest field of an INVALID_ARGUMENT result.
std::string BadRequestField(const CallResult& result) {
  google::rpc::Status status;
  google::rpc::BadRequest bad_request;
  if (!status.ParseFromString(result.status_details) ||
      status.details_size() != 1 || !status.details(0).UnpackTo(&bad_request) ||
      bad_request.field_violations_size() != 1) {
    return "<no BadRequest detail>";
  }
  return bad_request.field_violations(0).field();
}

TEST_F(DemoBookstoreTest, ListShelvesReturnsTheSeedShelves) {
  auto response = CallOk<pb::ListShelvesResponse>("ListShelves", Empty());
  ASSERT_EQ(response.shelves_size(), 2);
  EXPECT_EQ(response.shelves(0).id(), 1);
  EXPECT_EQ(response.shelves(0).theme(), "Fiction");
  EXPECT_EQ(response.shelves(0).book_count(), 3);
  EXPECT_EQ(response.shelves(1).id(), 2);
  EXPECT_EQ(response.shelves(1).theme(), "Science");
  EXPECT_EQ(response.shelves(1).book_count(), 3);
}

TEST_F(DemoBookstoreTest, SeedBooksAreComplete) {
  pb::ListBooksRequest request;
  request.set_shelf(1);
  auto response = CallOk<pb::ListBooksResponse>("ListBooks", request);
  ASSERT_EQ(response.books_size(), 3);
  const pb::Book& book = response.books(0);
  EXPECT_EQ(book.title(), "The Left Hand of Darkness");
  ASSERT_EQ(book.authors_size(), 1);
  EXPECT_EQ(book.authors(0).family_name(), "Le Guin");
  EXPECT_EQ(book.genre(), pb::GENRE_FICTION);
  EXPECT_EQ(book.publish_time().seconds(), -26438400);  // 1969-03-01Z
  EXPECT_EQ(book.labels().at("language"), "en");
  EXPECT_TRUE(demo::IsValidIsbn13(book.isbn()));
  EXPECT_GT(book.page_count(), 0u);
  EXPECT_GT(book.price(), 0);
  EXPECT_FALSE(book.cover_thumbnail().empty());
  EXPECT_EQ(response.books(2).authors_size(), 2);  // Good Omens.
}

TEST_F(DemoBookstoreTest, CreateShelfAssignsTheNextId) {
  pb::CreateShelfRequest request;
  request.mutable_shelf()->set_theme("Poetry");
  request.mutable_shelf()->set_id(99);  // Ignored.
  auto shelf = CallOk<pb::Shelf>("CreateShelf", request);
  EXPECT_EQ(shelf.id(), 3);
  EXPECT_EQ(shelf.theme(), "Poetry");
  EXPECT_EQ(CallOk<pb::Shelf>("CreateShelf", request).id(), 4);
}

TEST_F(DemoBookstoreTest, CreateShelfWithoutThemeIsInvalidArgument) {
  CallResult result = Call("CreateShelf", pb::CreateShelfRequest());
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status.message(), "shelf.theme: must not be empty");
  EXPECT_EQ(BadRequestField(result), "shelf.theme");
}

TEST_F(DemoBookstoreTest, GetShelfOfUnknownIdIsNotFound) {
  pb::GetShelfRequest request;
  request.set_shelf(9);
  CallResult result = Call("GetShelf", request);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(result.status.message(), "shelf 9 not found");
}

TEST_F(DemoBookstoreTest, ListBooksFiltersByGenreTagsAndPageSize) {
  pb::ListBooksRequest request;
  request.set_shelf(2);
  request.set_genre(pb::GENRE_SCIENCE);
  auto science = CallOk<pb::ListBooksResponse>("ListBooks", request);
  EXPECT_EQ(science.total(), 2);
  ASSERT_EQ(science.books_size(), 2);
  EXPECT_EQ(science.books(0).id(), 4);

  request.add_tags("popular-science");
  request.add_tags("evolution");
  auto tagged = CallOk<pb::ListBooksResponse>("ListBooks", request);
  ASSERT_EQ(tagged.books_size(), 1);
  EXPECT_EQ(tagged.books(0).title(), "The Selfish Gene");

  pb::ListBooksRequest paged;
  paged.set_shelf(2);
  paged.set_page_size(1);
  auto page = CallOk<pb::ListBooksResponse>("ListBooks", paged);
  EXPECT_EQ(page.books_size(), 1);
  EXPECT_EQ(page.total(), 3);

  paged.set_page_size(-1);
  CallResult negative = Call("ListBooks", paged);
  EXPECT_EQ(negative.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(negative), "page_size");
}

TEST_F(DemoBookstoreTest, BookLifecycle) {
  pb::CreateBookRequest create;
  create.set_shelf(2);
  create.mutable_book()->set_title("Cosmos");
  create.mutable_book()->set_shelf_id(1);  // The path's shelf wins.
  auto created = CallOk<pb::Book>("CreateBook", create);
  EXPECT_EQ(created.id(), 7);
  EXPECT_EQ(created.shelf_id(), 2);

  pb::UpdateBookRequest update;
  *update.mutable_book() = created;
  update.mutable_book()->set_price(14.5);
  EXPECT_EQ(CallOk<pb::Book>("UpdateBook", update).price(), 14.5);

  pb::LookupBookRequest lookup;
  lookup.set_name("shelves/2/books/7");
  EXPECT_EQ(CallOk<pb::Book>("LookupBook", lookup).price(), 14.5);

  pb::DeleteBookRequest del;
  del.set_shelf(2);
  del.set_book(7);
  EXPECT_TRUE(Call("DeleteBook", del).status.ok());
  CallResult again = Call("DeleteBook", del);
  EXPECT_EQ(again.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(again.status.message(), "book 7 not found on shelf 2");
}

TEST_F(DemoBookstoreTest, CreateBookWithoutTitleIsInvalidArgument) {
  pb::CreateBookRequest create;
  create.set_shelf(1);
  CallResult result = Call("CreateBook", create);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(result), "book.title");
}

TEST_F(DemoBookstoreTest, UpdateOfMissingBookIsNotFound) {
  pb::UpdateBookRequest update;
  update.mutable_book()->set_shelf_id(1);
  update.mutable_book()->set_id(42);
  update.mutable_book()->set_title("Ghost");
  CallResult result = Call("UpdateBook", update);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(result.status.message(), "book 42 not found on shelf 1");
}

TEST_F(DemoBookstoreTest, LookupBookRejectsMalformedNames) {
  for (const char* name : {"", "shelves/1", "shelves/x/books/1",
                           "shelf/1/books/1", "shelves/1/books/1/extra"}) {
    pb::LookupBookRequest lookup;
    lookup.set_name(name);
    CallResult result = Call("LookupBook", lookup);
    EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(BadRequestField(result), "name") << name;
  }
}

TEST_F(DemoBookstoreTest, CheckIsbnsValidatesChecksums) {
  pb::CheckIsbnsRequest request;
  request.add_isbns("978-0-441-47812-5");
  request.add_isbns("9780441478126");
  request.add_isbns("not an isbn");
  auto response = CallOk<pb::CheckIsbnsResponse>("CheckIsbns", request);
  EXPECT_THAT(response.valid(),
              UnorderedElementsAre(Pair("978-0-441-47812-5", true),
                                   Pair("9780441478126", false),
                                   Pair("not an isbn", false)));
}

TEST_F(DemoBookstoreTest, StatsCountsShelvesAndBooks) {
  auto stats = CallOk<pb::StatsResponse>("Stats", Empty());
  EXPECT_EQ(stats.shelves(), 2);
  EXPECT_EQ(stats.books(), 6);
  EXPECT_THAT(stats.books_per_shelf(),
              UnorderedElementsAre(Pair(1, 3), Pair(2, 3)));
}

TEST_F(DemoBookstoreTest, DelayKnobRejectsOutOfRangeValues) {
  for (const char* value : {"-1", "10001", "soon"}) {
    CallResult result = Call("Stats", Empty(), {{"x-demo-delay-ms", value}});
    EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument)
        << value;
    EXPECT_THAT(result.status.ToString(), HasSubstr("x-demo-delay-ms"));
  }
}

TEST(DemoServerTest, StartReportsAnUnusableAddress) {
  auto first = demo::DemoServer::Start("127.0.0.1:0");
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string taken = (*first)->address();
  auto second = demo::DemoServer::Start(taken);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().ToString(), HasSubstr(taken));

  EXPECT_EQ(demo::DemoServer::Start("localhost").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DemoServerTest, AddressNamesTheBoundPort) {
  auto server = demo::DemoServer::Start("127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_GT((*server)->port(), 0);
  EXPECT_EQ((*server)->address(),
            absl::StrCat("127.0.0.1:", (*server)->port()));
  (*server)->Shutdown();
  (*server)->Shutdown();  // Idempotent.
}

TEST(IsbnTest, ChecksIsbn13Checksums) {
  EXPECT_TRUE(demo::IsValidIsbn13("9780553380163"));
  EXPECT_TRUE(demo::IsValidIsbn13("978 0 553 38016 3"));
  EXPECT_FALSE(demo::IsValidIsbn13("9780553380164"));
  EXPECT_FALSE(demo::IsValidIsbn13("978055338016"));
  EXPECT_FALSE(demo::IsValidIsbn13("97805533801630"));
  EXPECT_FALSE(demo::IsValidIsbn13(""));
}

}  // namespace
}  // namespace protogate::upstream::testing
