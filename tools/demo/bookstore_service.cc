#include "tools/demo/bookstore_service.h"

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/demo/test_knobs.h"

namespace protogate::demo {

using google::protobuf::Empty;

grpc::Status BookstoreService::ListShelves(
    grpc::ServerContext* context, const Empty* /*request*/,
    bookstore_pb::ListShelvesResponse* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.ListShelves(*response);
}

grpc::Status BookstoreService::CreateShelf(
    grpc::ServerContext* context,
    const bookstore_pb::CreateShelfRequest* request,
    bookstore_pb::Shelf* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.CreateShelf(*request, *response);
}

grpc::Status BookstoreService::GetShelf(
    grpc::ServerContext* context, const bookstore_pb::GetShelfRequest* request,
    bookstore_pb::Shelf* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.GetShelf(*request, *response);
}

grpc::Status BookstoreService::ListBooks(
    grpc::ServerContext* context, const bookstore_pb::ListBooksRequest* request,
    bookstore_pb::ListBooksResponse* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.ListBooks(*request, *response);
}

grpc::Status BookstoreService::GetBook(
    grpc::ServerContext* context, const bookstore_pb::GetBookRequest* request,
    bookstore_pb::Book* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.GetBook(request->shelf(), request->book(), *response);
}

grpc::Status BookstoreService::CreateBook(
    grpc::ServerContext* context,
    const bookstore_pb::CreateBookRequest* request,
    bookstore_pb::Book* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.CreateBook(*request, *response);
}

grpc::Status BookstoreService::UpdateBook(
    grpc::ServerContext* context,
    const bookstore_pb::UpdateBookRequest* request,
    bookstore_pb::Book* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.UpdateBook(*request, *response);
}

grpc::Status BookstoreService::DeleteBook(
    grpc::ServerContext* context,
    const bookstore_pb::DeleteBookRequest* request, Empty* /*response*/) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.DeleteBook(*request);
}

grpc::Status BookstoreService::LookupBook(
    grpc::ServerContext* context,
    const bookstore_pb::LookupBookRequest* request,
    bookstore_pb::Book* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.LookupBook(*request, *response);
}

grpc::Status BookstoreService::CheckIsbns(
    grpc::ServerContext* context,
    const bookstore_pb::CheckIsbnsRequest* request,
    bookstore_pb::CheckIsbnsResponse* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return BookStore::CheckIsbns(*request, *response);
}

grpc::Status BookstoreService::GetBookCover(
    grpc::ServerContext* context, const bookstore_pb::GetBookRequest* request,
    google::api::HttpBody* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.GetBookCover(*request, *response);
}

grpc::Status BookstoreService::UploadBookCover(
    grpc::ServerContext* context,
    const bookstore_pb::UploadBookCoverRequest* request,
    bookstore_pb::Book* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.UploadBookCover(*request, *response);
}

grpc::Status BookstoreService::ImportBooks(
    grpc::ServerContext* context, const google::api::HttpBody* request,
    bookstore_pb::ImportBooksResponse* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.ImportBooks(*request, *response);
}

grpc::Status BookstoreService::Stats(grpc::ServerContext* context,
                                     const Empty* /*request*/,
                                     bookstore_pb::StatsResponse* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  return store_.Stats(*response);
}

grpc::Status BookstoreService::StreamBooks(
    grpc::ServerContext* context,
    const bookstore_pb::StreamBooksRequest* request,
    grpc::ServerWriter<bookstore_pb::Book>* writer) {
  active_streams_.fetch_add(1);
  absl::Cleanup done = [this] { active_streams_.fetch_sub(1); };
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  if (request->repeat() < 0 || request->repeat() > 100000 ||
      request->delay_ms() < 0 || request->delay_ms() > 10000 ||
      request->fail_after() < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "repeat must be 0..100000, delay_ms 0..10000 and "
                        "fail_after >= 0");
  }
  bookstore_pb::ListBooksRequest list;
  list.set_shelf(request->shelf());
  list.set_genre(request->genre());
  bookstore_pb::ListBooksResponse books;
  if (grpc::Status s = store_.ListBooks(list, books); !s.ok()) return s;
  const absl::Duration delay = absl::Milliseconds(request->delay_ms());
  int sent = 0;
  for (int round = 0; round < std::max(1, request->repeat()); ++round) {
    for (const bookstore_pb::Book& book : books.books()) {
      if (request->fail_after() > 0 && sent == request->fail_after()) {
        return grpc::Status(
            grpc::StatusCode::ABORTED,
            absl::StrCat("demo stream failure after ", sent, " books"));
      }
      if (delay > absl::ZeroDuration()) WaitUnlessCancelled(*context, delay);
      if (context->IsCancelled() || !writer->Write(book)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
      }
      streamed_books_.fetch_add(1);
      ++sent;
    }
  }
  return grpc::Status::OK;
}

grpc::Status BookstoreService::CreateBooks(
    grpc::ServerContext* context,
    grpc::ServerReader<bookstore_pb::CreateBookRequest>* reader,
    bookstore_pb::CreateBooksResponse* response) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  bookstore_pb::CreateBookRequest request;
  while (reader->Read(&request)) {
    if (grpc::Status s = store_.CreateBook(request, *response->add_books());
        !s.ok()) {
      return s;
    }
  }
  return grpc::Status::OK;
}

grpc::Status BookstoreService::LookupBooks(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<bookstore_pb::Book,
                             bookstore_pb::LookupBookRequest>* stream) {
  if (grpc::Status s = ApplyTestKnobs(*context); !s.ok()) return s;
  bookstore_pb::LookupBookRequest request;
  while (stream->Read(&request)) {
    bookstore_pb::Book book;
    if (grpc::Status s = store_.LookupBook(request, book); !s.ok()) return s;
    if (!stream->Write(book)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
    }
  }
  return grpc::Status::OK;
}

}  // namespace protogate::demo
