#include "tools/demo/book_store.h"

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/field_mask_util.h"
#include "tools/demo/demo_errors.h"
#include "tools/demo/isbn.h"
#include "tools/demo/seed_data.h"

namespace protogate::demo {
namespace {

constexpr int kMaxIsbnsPerCheck = 1000;

grpc::Status ShelfNotFound(int64_t shelf) {
  return NotFound("demo.bookstore.v1.Shelf", absl::StrCat("shelves/", shelf),
                  absl::StrCat("shelf ", shelf, " not found"));
}

grpc::Status BookNotFound(int64_t shelf, int64_t book) {
  return NotFound("demo.bookstore.v1.Book",
                  absl::StrCat("shelves/", shelf, "/books/", book),
                  absl::StrCat("book ", book, " not found on shelf ", shelf));
}

bool Matches(const bookstore_pb::Book& book,
             const bookstore_pb::ListBooksRequest& request) {
  if (request.genre() != bookstore_pb::GENRE_UNSPECIFIED &&
      book.genre() != request.genre()) {
    return false;
  }
  return absl::c_all_of(request.tags(), [&](const std::string& tag) {
    return absl::c_linear_search(book.tags(), tag);
  });
}

// Parses "shelves/{shelf}/books/{book}".
bool ParseBookName(absl::string_view name, int64_t& shelf, int64_t& book) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  return parts.size() == 4 && parts[0] == "shelves" && parts[2] == "books" &&
         absl::SimpleAtoi(parts[1], &shelf) &&
         absl::SimpleAtoi(parts[3], &book);
}

}  // namespace

BookStore::BookStore()
    : next_shelf_id_(kFirstFreeShelfId), next_book_id_(kFirstFreeBookId) {
  SeedData seed = MakeSeedData();
  absl::MutexLock lock(&mu_);
  for (auto& shelf : seed.shelves) shelves_[shelf.id()] = std::move(shelf);
  for (auto& book : seed.books) {
    books_[{book.shelf_id(), book.id()}] = std::move(book);
  }
}

grpc::Status BookStore::CheckShelf(int64_t shelf) const {
  return shelves_.contains(shelf) ? grpc::Status::OK : ShelfNotFound(shelf);
}

int32_t BookStore::CountBooks(int64_t shelf) const {
  auto first = books_.lower_bound({shelf, INT64_MIN});
  auto last = books_.lower_bound({shelf + 1, INT64_MIN});
  return static_cast<int32_t>(std::distance(first, last));
}

grpc::Status BookStore::ListShelves(
    bookstore_pb::ListShelvesResponse& out) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [id, shelf] : shelves_) {
    bookstore_pb::Shelf* added = out.add_shelves();
    *added = shelf;
    added->set_book_count(CountBooks(id));
  }
  return grpc::Status::OK;
}

grpc::Status BookStore::CreateShelf(
    const bookstore_pb::CreateShelfRequest& request, bookstore_pb::Shelf& out) {
  if (request.shelf().theme().empty()) {
    return BadField("shelf.theme", "must not be empty");
  }
  absl::MutexLock lock(&mu_);
  bookstore_pb::Shelf& shelf = shelves_[next_shelf_id_];
  shelf.set_id(next_shelf_id_++);
  shelf.set_theme(request.shelf().theme());
  out = shelf;
  return grpc::Status::OK;
}

grpc::Status BookStore::GetShelf(const bookstore_pb::GetShelfRequest& request,
                                 bookstore_pb::Shelf& out) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = shelves_.find(request.shelf());
  if (it == shelves_.end()) return ShelfNotFound(request.shelf());
  out = it->second;
  out.set_book_count(CountBooks(request.shelf()));
  return grpc::Status::OK;
}

grpc::Status BookStore::ListBooks(const bookstore_pb::ListBooksRequest& request,
                                  bookstore_pb::ListBooksResponse& out) const {
  if (request.page_size() < 0) {
    return BadField("page_size", "must not be negative");
  }
  absl::ReaderMutexLock lock(&mu_);
  if (grpc::Status s = CheckShelf(request.shelf()); !s.ok()) return s;
  int32_t total = 0;
  for (auto it = books_.lower_bound({request.shelf(), INT64_MIN});
       it != books_.end() && it->first.first == request.shelf(); ++it) {
    if (!Matches(it->second, request)) continue;
    ++total;
    if (request.page_size() == 0 || out.books_size() < request.page_size()) {
      *out.add_books() = it->second;
    }
  }
  out.set_total(total);
  return grpc::Status::OK;
}

grpc::Status BookStore::GetBook(int64_t shelf, int64_t book,
                                bookstore_pb::Book& out) const {
  absl::ReaderMutexLock lock(&mu_);
  if (grpc::Status s = CheckShelf(shelf); !s.ok()) return s;
  auto it = books_.find({shelf, book});
  if (it == books_.end()) return BookNotFound(shelf, book);
  out = it->second;
  return grpc::Status::OK;
}

grpc::Status BookStore::CreateBook(
    const bookstore_pb::CreateBookRequest& request, bookstore_pb::Book& out) {
  if (request.book().title().empty()) {
    return BadField("book.title", "must not be empty");
  }
  absl::MutexLock lock(&mu_);
  if (grpc::Status s = CheckShelf(request.shelf()); !s.ok()) return s;
  out = request.book();
  out.set_id(next_book_id_++);
  out.set_shelf_id(request.shelf());
  books_[{out.shelf_id(), out.id()}] = out;
  return grpc::Status::OK;
}

grpc::Status BookStore::UpdateBook(
    const bookstore_pb::UpdateBookRequest& request, bookstore_pb::Book& out) {
  const bookstore_pb::Book& book = request.book();
  const google::protobuf::FieldMask& mask = request.update_mask();
  if (!google::protobuf::util::FieldMaskUtil::IsValidFieldMask<
          bookstore_pb::Book>(mask)) {
    return BadField("update_mask", "names a field that Book does not have");
  }
  for (const std::string& path : mask.paths()) {
    if (path == "id" || path == "shelf_id") {
      return BadField("update_mask", "id and shelf_id cannot be updated");
    }
  }
  bool replace = mask.paths().empty();
  if (replace && book.title().empty()) {
    return BadField("book.title", "must not be empty");
  }
  absl::MutexLock lock(&mu_);
  if (grpc::Status s = CheckShelf(book.shelf_id()); !s.ok()) return s;
  auto it = books_.find({book.shelf_id(), book.id()});
  if (it == books_.end()) return BookNotFound(book.shelf_id(), book.id());
  if (replace) {
    it->second = book;
  } else {
    bookstore_pb::Book updated = it->second;
    google::protobuf::util::FieldMaskUtil::MergeOptions options;
    options.set_replace_message_fields(true);
    options.set_replace_repeated_fields(true);
    google::protobuf::util::FieldMaskUtil::MergeMessageTo(book, mask, options,
                                                          &updated);
    if (updated.title().empty()) {
      return BadField("book.title", "must not be empty");
    }
    it->second = std::move(updated);
  }
  out = it->second;
  return grpc::Status::OK;
}

grpc::Status BookStore::DeleteBook(
    const bookstore_pb::DeleteBookRequest& request) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status s = CheckShelf(request.shelf()); !s.ok()) return s;
  if (books_.erase({request.shelf(), request.book()}) == 0) {
    return BookNotFound(request.shelf(), request.book());
  }
  return grpc::Status::OK;
}

grpc::Status BookStore::LookupBook(
    const bookstore_pb::LookupBookRequest& request,
    bookstore_pb::Book& out) const {
  int64_t shelf = 0;
  int64_t book = 0;
  if (!ParseBookName(request.name(), shelf, book)) {
    return BadField("name", absl::StrCat("\"", request.name(),
                                         "\" is not of the form "
                                         "\"shelves/{shelf}/books/{book}\""));
  }
  return GetBook(shelf, book, out);
}

grpc::Status BookStore::CheckIsbns(
    const bookstore_pb::CheckIsbnsRequest& request,
    bookstore_pb::CheckIsbnsResponse& out) {
  if (request.isbns_size() > kMaxIsbnsPerCheck) {
    return BadField("isbns",
                    absl::StrCat("at most ", kMaxIsbnsPerCheck,
                                 " per request, got ", request.isbns_size()));
  }
  for (const std::string& isbn : request.isbns()) {
    (*out.mutable_valid())[isbn] = IsValidIsbn13(isbn);
  }
  return grpc::Status::OK;
}

grpc::Status BookStore::GetBookCover(
    const bookstore_pb::GetBookRequest& request,
    google::api::HttpBody& out) const {
  bookstore_pb::Book book;
  if (grpc::Status s = GetBook(request.shelf(), request.book(), book);
      !s.ok()) {
    return s;
  }
  if (book.cover_thumbnail().empty()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("book ", request.book(), " has no cover"));
  }
  out.set_content_type("image/png");
  out.set_data(book.cover_thumbnail());
  return grpc::Status::OK;
}

grpc::Status BookStore::UploadBookCover(
    const bookstore_pb::UploadBookCoverRequest& request,
    bookstore_pb::Book& out) {
  const google::api::HttpBody& cover = request.cover();
  if (!absl::StartsWith(cover.content_type(), "image/")) {
    return BadField("cover", "Content-Type must be image/*");
  }
  if (cover.data().empty() || cover.data().size() > 64 * 1024) {
    return BadField("cover", "must be 1 byte to 64 KiB");
  }
  absl::MutexLock lock(&mu_);
  if (grpc::Status s = CheckShelf(request.shelf()); !s.ok()) return s;
  auto it = books_.find({request.shelf(), request.book()});
  if (it == books_.end()) return BookNotFound(request.shelf(), request.book());
  it->second.set_cover_thumbnail(cover.data());
  out = it->second;
  return grpc::Status::OK;
}

namespace {

// Parses one "shelf,title,genre" CSV line into a CreateBookRequest.
bool ParseImportLine(absl::string_view line,
                     bookstore_pb::CreateBookRequest& row) {
  std::vector<absl::string_view> cells = absl::StrSplit(line, ',');
  int64_t shelf = 0;
  bookstore_pb::Genre genre = bookstore_pb::GENRE_UNSPECIFIED;
  if (cells.size() != 3 || !absl::SimpleAtoi(cells[0], &shelf) ||
      !bookstore_pb::Genre_Parse(
          std::string(absl::StripAsciiWhitespace(cells[2])), &genre)) {
    return false;
  }
  row.set_shelf(shelf);
  row.mutable_book()->set_title(
      std::string(absl::StripAsciiWhitespace(cells[1])));
  row.mutable_book()->set_genre(genre);
  return !row.book().title().empty();
}

}  // namespace

grpc::Status BookStore::ImportBooks(const google::api::HttpBody& request,
                                    bookstore_pb::ImportBooksResponse& out) {
  const std::string& type = request.content_type();
  if (type.substr(0, type.find(';')) != "text/csv") {
    return BadField("content_type", "must be text/csv");
  }
  std::vector<bookstore_pb::CreateBookRequest> rows;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(request.data(), '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (!ParseImportLine(line, rows.emplace_back())) {
      return BadField(
          absl::StrCat("line ", line_number),
          "expected \"shelf,title,GENRE_...\" with a numeric shelf and a "
          "title");
    }
  }
  {
    // Every shelf must exist before anything is added.
    absl::ReaderMutexLock lock(&mu_);
    for (const bookstore_pb::CreateBookRequest& row : rows) {
      if (grpc::Status s = CheckShelf(row.shelf()); !s.ok()) return s;
    }
  }
  for (const bookstore_pb::CreateBookRequest& row : rows) {
    if (grpc::Status s = CreateBook(row, *out.add_books()); !s.ok()) return s;
  }
  return grpc::Status::OK;
}

grpc::Status BookStore::Stats(bookstore_pb::StatsResponse& out) const {
  absl::ReaderMutexLock lock(&mu_);
  out.set_shelves(static_cast<int32_t>(shelves_.size()));
  out.set_books(static_cast<int32_t>(books_.size()));
  for (const auto& [id, shelf] : shelves_) {
    (*out.mutable_books_per_shelf())[id] = CountBooks(id);
  }
  return grpc::Status::OK;
}

}  // namespace protogate::demo
