#include "gateway/proxy/client_cancel.h"

#include <utility>

namespace protogate::proxy {

std::shared_ptr<upstream::CallCanceller> CancelWithClient(
    const http::Request& request) {
  http::ClientCancellation* gone = request.cancellation();
  if (gone == nullptr) return nullptr;
  auto canceller = std::make_shared<upstream::CallCanceller>();
  // Strong: calls hold their canceller weakly, so the request's signal
  // keeps it alive (as long as the request).
  gone->OnCancel([canceller] { canceller->Cancel(); });
  return canceller;
}

}  // namespace protogate::proxy
