#include "tools/demo/seed_data.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace protogate::demo {
namespace {

using ::demo::bookstore::v1::Book;
using ::demo::bookstore::v1::Genre;
using ::demo::bookstore::v1::Shelf;

struct AuthorSpec {
  const char* given_name;
  const char* family_name;
  int born;
};

struct BookSpec {
  int64_t id;
  int64_t shelf_id;
  const char* title;
  std::vector<AuthorSpec> authors;
  Genre genre;
  absl::CivilDay published;
  const char* isbn;
  uint32_t page_count;
  double price;
  bool in_stock;
  std::vector<const char*> tags;
  std::vector<std::pair<const char*, const char*>> labels;
};

// The eight-byte PNG signature: a stand-in cover thumbnail that shows how
// bytes fields look in JSON.
constexpr char kThumbnail[] = "\x89PNG\r\n\x1a\n";

Book MakeBook(const BookSpec& spec) {
  Book book;
  book.set_id(spec.id);
  book.set_shelf_id(spec.shelf_id);
  book.set_title(spec.title);
  for (const AuthorSpec& a : spec.authors) {
    auto* author = book.add_authors();
    author->set_given_name(a.given_name);
    author->set_family_name(a.family_name);
    author->set_born(a.born);
  }
  book.set_genre(spec.genre);
  book.mutable_publish_time()->set_seconds(absl::ToUnixSeconds(
      absl::FromCivil(spec.published, absl::UTCTimeZone())));
  book.set_isbn(spec.isbn);
  book.set_page_count(spec.page_count);
  book.set_price(spec.price);
  book.set_in_stock(spec.in_stock);
  for (const char* tag : spec.tags) book.add_tags(tag);
  for (const auto& [key, value] : spec.labels) {
    (*book.mutable_labels())[key] = value;
  }
  return book;
}

Shelf MakeShelf(int64_t id, const char* theme) {
  Shelf shelf;
  shelf.set_id(id);
  shelf.set_theme(theme);
  return shelf;
}

}  // namespace

SeedData MakeSeedData() {
  using ::demo::bookstore::v1::GENRE_FICTION;
  using ::demo::bookstore::v1::GENRE_HISTORY;
  using ::demo::bookstore::v1::GENRE_SCIENCE;
  const BookSpec specs[] = {
      {1,
       1,
       "The Left Hand of Darkness",
       {{"Ursula K.", "Le Guin", 1929}},
       GENRE_FICTION,
       absl::CivilDay(1969, 3, 1),
       "9780441478125",
       304,
       9.99,
       true,
       {"classic", "science-fiction"},
       {{"language", "en"}, {"format", "paperback"}}},
      {2,
       1,
       "Beloved",
       {{"Toni", "Morrison", 1931}},
       GENRE_FICTION,
       absl::CivilDay(1987, 9, 2),
       "9781400033416",
       324,
       15.00,
       true,
       {"classic", "historical"},
       {{"language", "en"}, {"format", "paperback"}}},
      {3,
       1,
       "Good Omens",
       {{"Terry", "Pratchett", 1948}, {"Neil", "Gaiman", 1960}},
       GENRE_FICTION,
       absl::CivilDay(1990, 5, 1),
       "9780060853983",
       432,
       11.49,
       false,
       {"comedy", "fantasy"},
       {{"language", "en"}, {"format", "hardcover"}}},
      {4,
       2,
       "A Brief History of Time",
       {{"Stephen", "Hawking", 1942}},
       GENRE_SCIENCE,
       absl::CivilDay(1988, 4, 1),
       "9780553380163",
       212,
       18.00,
       true,
       {"cosmology", "popular-science"},
       {{"language", "en"}, {"format", "paperback"}}},
      {5,
       2,
       "The Selfish Gene",
       {{"Richard", "Dawkins", 1941}},
       GENRE_SCIENCE,
       absl::CivilDay(1976, 1, 1),
       "9780198788607",
       544,
       12.99,
       true,
       {"biology", "evolution", "popular-science"},
       {{"language", "en"}, {"format", "paperback"}}},
      {6,
       2,
       "The Structure of Scientific Revolutions",
       {{"Thomas S.", "Kuhn", 1922}},
       GENRE_HISTORY,
       absl::CivilDay(1962, 1, 1),
       "9780226458120",
       264,
       20.00,
       false,
       {"philosophy", "history-of-science"},
       {{"language", "en"}, {"format", "paperback"}}},
  };
  SeedData data;
  data.shelves = {MakeShelf(1, "Fiction"), MakeShelf(2, "Science")};
  for (const BookSpec& spec : specs) data.books.push_back(MakeBook(spec));
  data.books[0].set_cover_thumbnail(kThumbnail, sizeof(kThumbnail) - 1);
  return data;
}

}  // namespace protogate::demo
