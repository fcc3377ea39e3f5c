// BookStore: the demo bookstore's in-memory data and the semantics of every
// Bookstore RPC, independent of transport. BookstoreService forwards to it.
//
// Errors are grpc::Status values with google.rpc details (demo_errors.h):
// NOT_FOUND "shelf 9 not found" / "book 42 not found on shelf 1" with a
// ResourceInfo, INVALID_ARGUMENT "<field>: <problem>" with a BadRequest.
//
// Thread safety: every method may be called concurrently; one absl::Mutex
// guards the data.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "demo/bookstore.pb.h"
#include "google/api/httpbody.pb.h"
#include "grpcpp/support/status.h"

namespace protogate::demo {

namespace bookstore_pb = ::demo::bookstore::v1;

class BookStore {
 public:
  // Starts with MakeSeedData(): shelves 1-2, books 1-6; new shelves get ids
  // from 3, new books from 7.
  BookStore();
  BookStore(const BookStore&) = delete;
  BookStore& operator=(const BookStore&) = delete;

  // Each method fills `out` and returns OK, or returns the error without
  // touching the data.
  grpc::Status ListShelves(bookstore_pb::ListShelvesResponse& out) const;
  // INVALID_ARGUMENT "shelf.theme: must not be empty".
  grpc::Status CreateShelf(const bookstore_pb::CreateShelfRequest& request,
                           bookstore_pb::Shelf& out);
  grpc::Status GetShelf(const bookstore_pb::GetShelfRequest& request,
                        bookstore_pb::Shelf& out) const;
  // Books in id order filtered by genre and tags; `total` counts the matches
  // before page_size cuts the list. INVALID_ARGUMENT for page_size < 0.
  grpc::Status ListBooks(const bookstore_pb::ListBooksRequest& request,
                         bookstore_pb::ListBooksResponse& out) const;
  grpc::Status GetBook(int64_t shelf, int64_t book,
                       bookstore_pb::Book& out) const;
  // Assigns the id; shelf_id comes from the request's `shelf`.
  // INVALID_ARGUMENT "book.title: must not be empty".
  grpc::Status CreateBook(const bookstore_pb::CreateBookRequest& request,
                          bookstore_pb::Book& out);
  // Updates the book named by book.shelf_id and book.id: the fields in
  // update_mask (proto names; id and shelf_id excluded), or the whole book
  // when the mask is empty. INVALID_ARGUMENT for unknown mask paths and an
  // empty resulting title.
  grpc::Status UpdateBook(const bookstore_pb::UpdateBookRequest& request,
                          bookstore_pb::Book& out);
  grpc::Status DeleteBook(const bookstore_pb::DeleteBookRequest& request);
  // INVALID_ARGUMENT unless name is "shelves/{shelf}/books/{book}".
  grpc::Status LookupBook(const bookstore_pb::LookupBookRequest& request,
                          bookstore_pb::Book& out) const;
  // At most 1000 ISBNs (else INVALID_ARGUMENT); see IsValidIsbn13.
  static grpc::Status CheckIsbns(const bookstore_pb::CheckIsbnsRequest& request,
                                 bookstore_pb::CheckIsbnsResponse& out);
  grpc::Status Stats(bookstore_pb::StatsResponse& out) const;
  // The cover as image/png; NOT_FOUND when the book has none.
  grpc::Status GetBookCover(const bookstore_pb::GetBookRequest& request,
                            google::api::HttpBody& out) const;
  // INVALID_ARGUMENT unless the cover is image/* and at most 64 KiB.
  grpc::Status UploadBookCover(
      const bookstore_pb::UploadBookCoverRequest& request,
      bookstore_pb::Book& out);
  // Creates one book per "shelf,title,genre" line of a text/csv body;
  // INVALID_ARGUMENT naming the line for a malformed one (nothing is added
  // then), or for another content type.
  grpc::Status ImportBooks(const google::api::HttpBody& request,
                           bookstore_pb::ImportBooksResponse& out);

 private:
  using BookKey = std::pair<int64_t, int64_t>;  // (shelf id, book id)

  grpc::Status CheckShelf(int64_t shelf) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  int32_t CountBooks(int64_t shelf) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<int64_t, bookstore_pb::Shelf> shelves_ ABSL_GUARDED_BY(mu_);
  std::map<BookKey, bookstore_pb::Book> books_ ABSL_GUARDED_BY(mu_);
  int64_t next_shelf_id_ ABSL_GUARDED_BY(mu_);
  int64_t next_book_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::demo
