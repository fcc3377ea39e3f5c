// LabelConfigPath: a config path as people read it, each list item named
// by what it is called in the config, so that a problem says which
// cluster, route, method or policy it is about:
//   clusters[1].endpoints[0]   ->  clusters[1] "books": endpoints[0]
//   routes[0].cluster          ->  routes[0] "demo.bookstore": cluster
//   methods[2]                 ->  methods[2] "demo.bookstore.v1.Bookstore"
// An item's name is the first non-empty string field of `name`, `service`,
// `selector` and `target` it has; items without one, and paths the config
// message does not have, are left as they are.
//
// Thread safety: stateless function.
//
// Example:
//   std::string where = LabelConfigPath(config, "clusters[1].name");
#pragma once

#include <string>
#include <string_view>

#include "protogate/config/v1/config.pb.h"

namespace protogate::config {

// `path` (proto field names, "a.b[2].c") with the items of `config` it
// passes through named; see above.
std::string LabelConfigPath(const v1::GatewayConfig& config,
                            std::string_view path);

}  // namespace protogate::config
