// BookstoreService: the demo backend, a synchronous gRPC implementation of
// demo.bookstore.v1.Bookstore (proto/demo/bookstore.proto) over an in-memory
// BookStore seeded with shelves 1 "Fiction" and 2 "Science" (books 1-6).
// Semantics and errors are those of BookStore (book_store.h).
//
// Test knobs, read from the request metadata of every method:
// - "x-demo-delay-ms: N" (0 <= N <= 10000): the handler waits N ms before
//   answering, and stops waiting as soon as the call is cancelled (client
//   deadline, disconnect, server shutdown). Other values: INVALID_ARGUMENT.
// - "x-demo-fail: V": after any delay, fail with UNAVAILABLE "demo failure
//   requested by x-demo-fail", or with code V when V is a number 1..16.
// - "x-demo-echo-<rest>: V": echoed back as trailing metadata with the same
//   key ("-bin" keys included).
// Every response carries the initial metadata "x-demo-server: bookstore".
// StreamBooks has its knobs in the request (repeat, delay_ms, fail_after).
//
// Thread safety: handlers run concurrently on gRPC's threads; the store is
// guarded by a mutex.
// Ownership: must outlive the grpc::Server it is registered with.
//
// Example:
//   BookstoreService service;
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
// (or use DemoServer::Start() from demo_server.h).
#pragma once

#include <atomic>
#include <cstdint>

#include "demo/bookstore.grpc.pb.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/server_context.h"
#include "tools/demo/book_store.h"

namespace protogate::demo {

class BookstoreService final : public bookstore_pb::Bookstore::Service {
 public:
  // A fresh store with the seed data; ids continue at shelf 3, book 7.
  BookstoreService() = default;

  grpc::Status ListShelves(
      grpc::ServerContext* context, const google::protobuf::Empty* request,
      bookstore_pb::ListShelvesResponse* response) override;
  grpc::Status CreateShelf(grpc::ServerContext* context,
                           const bookstore_pb::CreateShelfRequest* request,
                           bookstore_pb::Shelf* response) override;
  grpc::Status GetShelf(grpc::ServerContext* context,
                        const bookstore_pb::GetShelfRequest* request,
                        bookstore_pb::Shelf* response) override;
  grpc::Status ListBooks(grpc::ServerContext* context,
                         const bookstore_pb::ListBooksRequest* request,
                         bookstore_pb::ListBooksResponse* response) override;
  grpc::Status GetBook(grpc::ServerContext* context,
                       const bookstore_pb::GetBookRequest* request,
                       bookstore_pb::Book* response) override;
  grpc::Status CreateBook(grpc::ServerContext* context,
                          const bookstore_pb::CreateBookRequest* request,
                          bookstore_pb::Book* response) override;
  grpc::Status UpdateBook(grpc::ServerContext* context,
                          const bookstore_pb::UpdateBookRequest* request,
                          bookstore_pb::Book* response) override;
  grpc::Status DeleteBook(grpc::ServerContext* context,
                          const bookstore_pb::DeleteBookRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status LookupBook(grpc::ServerContext* context,
                          const bookstore_pb::LookupBookRequest* request,
                          bookstore_pb::Book* response) override;
  grpc::Status CheckIsbns(grpc::ServerContext* context,
                          const bookstore_pb::CheckIsbnsRequest* request,
                          bookstore_pb::CheckIsbnsResponse* response) override;
  grpc::Status GetBookCover(grpc::ServerContext* context,
                            const bookstore_pb::GetBookRequest* request,
                            google::api::HttpBody* response) override;
  grpc::Status UploadBookCover(
      grpc::ServerContext* context,
      const bookstore_pb::UploadBookCoverRequest* request,
      bookstore_pb::Book* response) override;
  grpc::Status ImportBooks(
      grpc::ServerContext* context, const google::api::HttpBody* request,
      bookstore_pb::ImportBooksResponse* response) override;
  grpc::Status StreamBooks(
      grpc::ServerContext* context,
      const bookstore_pb::StreamBooksRequest* request,
      grpc::ServerWriter<bookstore_pb::Book>* writer) override;
  grpc::Status CreateBooks(
      grpc::ServerContext* context,
      grpc::ServerReader<bookstore_pb::CreateBookRequest>* reader,
      bookstore_pb::CreateBooksResponse* response) override;
  grpc::Status LookupBooks(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<bookstore_pb::Book,
                               bookstore_pb::LookupBookRequest>* stream)
      override;
  // Books written by StreamBooks so far (all calls): lets tests see how far
  // a stream got.
  int64_t streamed_books() const { return streamed_books_.load(); }
  // StreamBooks calls whose handler is running.
  int active_streams() const { return active_streams_.load(); }
  grpc::Status Stats(grpc::ServerContext* context,
                     const google::protobuf::Empty* request,
                     bookstore_pb::StatsResponse* response) override;

 private:
  BookStore store_;
  std::atomic<int64_t> streamed_books_{0};
  std::atomic<int> active_streams_{0};
};

}  // namespace protogate::demo
