#include "gateway/http/header_field.h"

#include <ostream>

namespace protogate::http {

std::ostream& operator<<(std::ostream& out, const HeaderName& name) {
  return out << name.view();
}

}  // namespace protogate::http
