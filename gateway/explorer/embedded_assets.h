// The explorer page's files, compiled into the binary from assets/ by
// CMake (embed_assets.cmake writes embedded_assets.cc into the build tree).
//
// Thread safety: immutable data with static storage duration.
#pragma once

#include <span>
#include <string_view>

namespace protogate::explorer {

struct EmbeddedAsset {
  std::string_view name;  // File name in assets/, e.g. "explorer.js".
  std::string_view content;
};

// Every file of assets/, in name order.
std::span<const EmbeddedAsset> EmbeddedAssets();

}  // namespace protogate::explorer
