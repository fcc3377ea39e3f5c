#include "tools/demo/storefront_data.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "tools/demo/demo_errors.h"

namespace protogate::demo {
namespace {

using storefront_pb::Money;
using storefront_pb::Stock;

constexpr char kCurrency[] = "EUR";
// Fewer available items than this is LOW_STOCK.
constexpr int kLowStockThreshold = 5;

struct ReviewSpec {
  const char* author;
  int rating;
  const char* text;
};

struct ProductSpec {
  const char* id;
  const char* name;
  const char* description;
  const char* category;
  const char* brand;
  std::vector<const char*> tags;
  int64_t list_cents;
  int discount_percent;
  int available;
  const char* warehouse;
  std::vector<ReviewSpec> reviews;  // Newest first.
};

std::vector<ProductSpec> Specs() {
  return {
      {"p1",
       "Yirgacheffe beans 250 g",
       "Washed Ethiopian coffee with notes of jasmine and lemon.",
       "coffee",
       "Kaldi Roasters",
       {"single-origin", "light-roast"},
       1290,
       0,
       42,
       "ams-1",
       {{"mira", 5, "Bright and floral, my morning favourite."},
        {"tom", 4, "Great as filter, a bit sharp as espresso."},
        {"ana", 5, "Smells like a flower shop."}}},
      {"p2",
       "Huila beans 1 kg",
       "Colombian coffee, caramel and red apple, roasted for espresso.",
       "coffee",
       "Kaldi Roasters",
       {"single-origin", "espresso"},
       3900,
       10,
       17,
       "ams-1",
       {{"jo", 4, "Solid everyday espresso."},
        {"li", 3, "Fine, but I prefer darker roasts."}}},
      {"p3",
       "Swiss Water decaf 500 g",
       "Chemical-free decaffeinated blend from Brazil and Peru.",
       "coffee",
       "Nightcap",
       {"decaf", "blend"},
       1800,
       0,
       3,
       "ber-2",
       {{"sam", 4, "You would not guess it is decaf."}}},
      {"p4",
       "Sencha green tea 100 g",
       "Steamed Japanese green tea, grassy and sweet.",
       "tea",
       "Ocha House",
       {"green", "loose-leaf"},
       950,
       0,
       0,
       "ber-2",
       {}},
      {"p5",
       "Assam breakfast tea 250 g",
       "Malty black tea from Assam; takes milk well.",
       "tea",
       "Ocha House",
       {"black", "loose-leaf"},
       790,
       0,
       120,
       "ams-1",
       {{"kim", 5, "Strong, malty, perfect with milk."},
        {"raj", 4, "Good value for a big bag."}}},
      {"p6",
       "Gooseneck kettle 1 l",
       "Electric kettle with a precise spout and temperature control.",
       "kitchen",
       "Pourfect",
       {"electric", "pour-over"},
       6900,
       15,
       8,
       "ber-2",
       {{"eva", 5, "Precise pour, holds the temperature."},
        {"max", 2, "The lid rattles."}}},
      {"p7",
       "Hand burr grinder",
       "Conical steel burrs, 40 grind settings, fits in a travel bag.",
       "kitchen",
       "Pourfect",
       {"manual", "grinder"},
       8900,
       0,
       4,
       "ams-1",
       {{"ola", 5, "Consistent grind, easy to clean."}}},
      {"p8",
       "Pour-over dripper",
       "Ceramic cone dripper for one to two cups.",
       "kitchen",
       "Pourfect",
       {"ceramic", "pour-over"},
       3000,
       20,
       55,
       "ams-1",
       {{"ben", 4, "Pretty and slow enough."},
        {"ida", 5, "Makes a clean cup."},
        {"leo", 4, "Buy the filters in bulk."}}},
  };
}

Money MakeMoney(int64_t cents) {
  Money money;
  money.set_currency_code(kCurrency);
  money.set_units(cents / 100);
  money.set_nanos(static_cast<int32_t>(cents % 100) * 10'000'000);
  return money;
}

Stock::Availability AvailabilityOf(int available) {
  if (available == 0) return Stock::OUT_OF_STOCK;
  return available < kLowStockThreshold ? Stock::LOW_STOCK : Stock::IN_STOCK;
}

ProductRecord MakeRecord(const ProductSpec& spec) {
  ProductRecord r;
  r.product.set_id(spec.id);
  r.product.set_name(spec.name);
  r.product.set_description(spec.description);
  r.product.set_category(spec.category);
  r.product.set_brand(spec.brand);
  r.product.set_image_url(std::string("https://img.example.com/products/") +
                          spec.id + ".jpg");
  for (const char* tag : spec.tags) r.product.add_tags(tag);

  r.price.set_product_id(spec.id);
  const int64_t cents = spec.list_cents * (100 - spec.discount_percent) / 100;
  *r.price.mutable_amount() = MakeMoney(cents);
  *r.price.mutable_list_price() = MakeMoney(spec.list_cents);
  r.price.set_discount_percent(spec.discount_percent);

  r.stock.set_product_id(spec.id);
  r.stock.set_available(spec.available);
  r.stock.set_warehouse(spec.warehouse);
  r.stock.set_availability(AvailabilityOf(spec.available));

  int total = 0;
  for (const ReviewSpec& review : spec.reviews) {
    auto* out = r.reviews.add_reviews();
    out->set_author(review.author);
    out->set_rating(review.rating);
    out->set_text(review.text);
    total += review.rating;
  }
  const int count = r.reviews.reviews_size();
  r.reviews.set_review_count(count);
  r.reviews.set_average_rating(count == 0 ? 0.0 : double(total) / count);
  return r;
}

}  // namespace

const ProductRecord* StorefrontData::Find(std::string_view id) const {
  for (const ProductRecord& r : products) {
    if (r.product.id() == id) return &r;
  }
  return nullptr;
}

StorefrontData MakeStorefrontData() {
  StorefrontData data;
  for (const ProductSpec& spec : Specs()) {
    data.products.push_back(MakeRecord(spec));
  }
  return data;
}

grpc::Status LookupProduct(const StorefrontData& data, std::string_view field,
                           std::string_view id, const ProductRecord*& out) {
  if (id.empty()) return BadField(base::ToAbsl(field), "must not be empty");
  out = data.Find(id);
  if (out != nullptr) return grpc::Status::OK;
  return NotFound("demo.storefront.v1.Product",
                  absl::StrCat("products/", base::ToAbsl(id)),
                  absl::StrCat("product \"", base::ToAbsl(id), "\" not found"));
}

storefront_pb::ProductSummary Summarize(const storefront_pb::Product& product) {
  storefront_pb::ProductSummary summary;
  summary.set_id(product.id());
  summary.set_name(product.name());
  summary.set_category(product.category());
  summary.set_image_url(product.image_url());
  return summary;
}

}  // namespace protogate::demo
