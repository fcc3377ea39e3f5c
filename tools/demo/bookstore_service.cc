#include "tools/demo/bookstore_service.h"

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

}  // namespace protogate::demo
