#include "gateway/ratelimit/redis_reply_pool.h"

#include <cstdlib>
#include <cstring>

#include "gateway/base/thread_block_cache.h"

namespace protogate::ratelimit {
namespace {

// One reply; `reply` first, so a redisReply* is a Node*.
struct Node {
  redisReply reply;
  redisReply* inline_elements[RedisReplyPool::kInlineElements];
};

using NodeCache = base::ThreadBlockCache<Node, RedisReplyPool::kMaxFreeNodes>;

Node* NewNode(int type) {
  auto* node = static_cast<Node*>(NodeCache::Allocate(sizeof(Node)));
  node->reply = redisReply{};
  node->reply.type = type;
  return node;
}

// Links `node` into its parent array, as hiredis' own functions do.
void* Linked(const redisReadTask* task, Node* node) {
  if (node != nullptr && task->parent != nullptr) {
    auto* parent = static_cast<redisReply*>(task->parent->obj);
    parent->element[task->idx] = &node->reply;
  }
  return node;
}

void FreeObject(void* object) {
  auto* node = static_cast<Node*>(object);
  if (node == nullptr) return;
  redisReply& reply = node->reply;
  switch (reply.type) {
    case REDIS_REPLY_ARRAY:
      if (reply.element != nullptr) {
        for (size_t i = 0; i < reply.elements; ++i) {
          FreeObject(reply.element[i]);
        }
        if (reply.element != node->inline_elements) std::free(reply.element);
      }
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      std::free(reply.str);
      break;
    default:
      break;
  }
  NodeCache::Free(node);
}

void* CreateString(const redisReadTask* task, char* str, size_t len) {
  Node* node = NewNode(task->type);
  if (node == nullptr) return nullptr;
  auto* text = static_cast<char*>(std::malloc(len + 1));
  if (text == nullptr) {
    FreeObject(node);
    return nullptr;
  }
  std::memcpy(text, str, len);
  text[len] = '\0';
  node->reply.str = text;
  node->reply.len = len;
  return Linked(task, node);
}

void* CreateArray(const redisReadTask* task, int elements) {
  Node* node = NewNode(REDIS_REPLY_ARRAY);
  if (node == nullptr) return nullptr;
  if (elements > 0) {
    const auto n = static_cast<size_t>(elements);
    if (n <= RedisReplyPool::kInlineElements) {
      std::memset(node->inline_elements, 0, n * sizeof(redisReply*));
      node->reply.element = node->inline_elements;
    } else {
      node->reply.element =
          static_cast<redisReply**>(std::calloc(n, sizeof(redisReply*)));
      if (node->reply.element == nullptr) {
        FreeObject(node);
        return nullptr;
      }
    }
    node->reply.elements = n;
  }
  return Linked(task, node);
}

void* CreateInteger(const redisReadTask* task, long long value) {
  Node* node = NewNode(REDIS_REPLY_INTEGER);
  if (node == nullptr) return nullptr;
  node->reply.integer = value;
  return Linked(task, node);
}

void* CreateNil(const redisReadTask* task) {
  return Linked(task, NewNode(REDIS_REPLY_NIL));
}

redisReplyObjectFunctions kFunctions = {
    &CreateString, &CreateArray, &CreateInteger, &CreateNil, &FreeObject};

}  // namespace

redisReplyObjectFunctions* RedisReplyPool::Functions() { return &kFunctions; }

}  // namespace protogate::ratelimit
