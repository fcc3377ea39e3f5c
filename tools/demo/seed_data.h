// The demo bookstore's fixed initial content: shelf 1 "Fiction" (books 1-3)
// and shelf 2 "Science" (books 4-6). Deterministic, so the README's curl
// session and the tests see the same data every run.
//
// Thread safety: stateless.
#pragma once

#include <vector>

#include "demo/bookstore.pb.h"

namespace protogate::demo {

struct SeedData {
  std::vector<::demo::bookstore::v1::Shelf> shelves;  // book_count left 0.
  std::vector<::demo::bookstore::v1::Book> books;     // Ordered by id.
};

// The first free ids after the seed data.
inline constexpr int64_t kFirstFreeShelfId = 3;
inline constexpr int64_t kFirstFreeBookId = 7;

SeedData MakeSeedData();

}  // namespace protogate::demo
