#include "codegen/http_bindings.h"

#include <algorithm>
#include <string_view>

#include "codegen/well_known.h"

namespace protogate::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using routing::FieldPath;
using routing::Route;
using routing::RouteSource;
using routing::Segment;

// True when every wildcard segment of the template belongs to a variable.
bool WildcardsAreVariables(const Route& route) {
  const std::vector<Segment>& segments = route.path.segments();
  std::vector<bool> covered(segments.size(), false);
  for (const routing::Variable& variable : route.path.variables()) {
    for (int i = variable.start_segment; i < variable.end_segment; ++i) {
      covered[i] = true;
    }
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].kind != Segment::Kind::kLiteral && !covered[i]) {
      return false;
    }
  }
  return true;
}

bool Describable(const Route& route) {
  return !route.method->client_streaming() && route.http_method != "*" &&
         WildcardsAreVariables(route);
}

struct QueryWalk {
  const Route& route;
  std::vector<QueryParameter>* out;
  std::vector<const Descriptor*> stack;  // Messages on the current path.

  bool BoundByPath(const FieldPath& path) const {
    for (const FieldPath& bound : route.variable_fields) {
      if (bound == path) return true;
    }
    return false;
  }

  void Walk(const Descriptor& message, FieldPath* path,
            const std::string& prefix) {
    stack.push_back(&message);
    for (int i = 0; i < message.field_count(); ++i) {
      const FieldDescriptor& field = *message.field(i);
      if (path->empty() && &field == route.body_field) continue;
      path->push_back(&field);
      const std::string name = prefix + field.name();
      if (IsScalarLike(field)) {
        if (!BoundByPath(*path)) out->push_back({name, *path});
      } else if (field.is_map()) {
        if (IsScalarLike(*field.message_type()->map_value())) {
          out->push_back({name, *path, /*map=*/true});
        }
      } else if (!field.is_repeated() &&
                 WellKnownOf(*field.message_type()) == WellKnown::kNone &&
                 std::find(stack.begin(), stack.end(), field.message_type()) ==
                     stack.end()) {
        Walk(*field.message_type(), path, name + ".");
      }
      path->pop_back();
    }
    stack.pop_back();
  }
};

}  // namespace

std::vector<Binding> DescribedBindings(const routing::RouteTable& table) {
  std::vector<Binding> out;
  const std::vector<Route>& routes = table.routes();
  size_t i = 0;
  while (i < routes.size()) {
    const MethodDescriptor* method = routes[i].method;
    const size_t first_of_method = out.size();
    int index = 0;
    const Route* grpc_route = nullptr;
    for (; i < routes.size() && routes[i].method == method; ++i) {
      const Route& route = routes[i];
      if (route.source == RouteSource::kGrpcPath) {
        grpc_route = &route;
        continue;
      }
      if (Describable(route)) out.push_back({&route, index});
      ++index;
    }
    if (out.size() == first_of_method && grpc_route != nullptr &&
        Describable(*grpc_route)) {
      out.push_back({grpc_route, 0});
    }
  }
  return out;
}

std::vector<QueryParameter> QueryParameters(const Route& route) {
  std::vector<QueryParameter> out;
  if (route.body == routing::RouteBody::kWholeMessage) return out;
  QueryWalk walk{route, &out, {}};
  FieldPath path;
  walk.Walk(*route.method->input_type(), &path, "");
  return out;
}

bool HasRawRequestBody(const Route& route) {
  const Descriptor* body = nullptr;
  if (route.body == routing::RouteBody::kWholeMessage) {
    body = route.method->input_type();
  } else if (route.body == routing::RouteBody::kField &&
             route.body_field->message_type() != nullptr &&
             !route.body_field->is_repeated()) {
    body = route.body_field->message_type();
  }
  return body != nullptr && body->full_name() == "google.api.HttpBody";
}

bool HasRawResponse(const Route& route) {
  const Descriptor* result = route.method->output_type();
  if (route.response_body_field != nullptr) {
    result = route.response_body_field->is_repeated()
                 ? nullptr
                 : route.response_body_field->message_type();
  }
  return result != nullptr && result->full_name() == "google.api.HttpBody";
}

bool HasPrefix(const FieldPath& path, const FieldPath& prefix) {
  return path.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), path.begin());
}

}  // namespace protogate::codegen
