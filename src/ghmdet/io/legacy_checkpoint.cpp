#include "ghmdet/io/legacy_checkpoint.h"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <vector>

#include "ghmdet/core/error.h"
#include "ghmdet/io/torch_globals.h"
#include "ghmdet/io/unpickler.h"

namespace ghmdet {
namespace {

// 0x1950a86a20f9469cfc6c as pickle's LONG1 bytes (little-endian).
const char kMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr int64_t kProtocolVersion = 1001;

}  // namespace

PickleValuePtr read_legacy_checkpoint(const std::string& bytes, const std::string& path) {
  std::map<std::string, PickleValuePtr> roots;  // storage key → whole storage, in first-seen order
  std::map<std::string, PickleValuePtr> views;
  uint64_t claimed = 0;  // bytes of all storages named so far; they all follow in this file
  auto persistent_load = [&](const PickleValuePtr& pid) -> PickleValuePtr {
    const auto& f = pid->as_sequence("persistent id");
    if (!f.empty() && f[0]->kind == PickleValue::Kind::String && f[0]->s == "module") {
      throw Error("the file holds a pickled nn.Module (torch.save(model)), not weights; "
                  "save model.state_dict() instead");
    }
    if (f.size() != 6 || f[0]->kind != PickleValue::Kind::String || f[0]->s != "storage") {
      throw Error("persistent id is not ('storage', type, key, location, numel, view)");
    }
    const auto dtype = storage_dtype_of(*f[1]);
    if (!dtype) {
      throw Error(fmt::format("unsupported storage type '{}'",
                              f[1]->kind == PickleValue::Kind::Global ? f[1]->s : kind_name(f[1]->kind)));
    }
    const std::string& key = f[2]->as_string("storage key");
    const int64_t numel = f[4]->as_int("storage numel");
    auto& root = roots[key];
    if (!root) {
      // The bytes follow in this same file: a count larger than the file is corrupt, and
      // refusing it here avoids allocating whatever a damaged header claims.
      if (numel < 0 || static_cast<uint64_t>(numel) > bytes.size() / c10::elementSize(*dtype)) {
        throw Error(fmt::format("storage '{}' claims {} elements, more than the file holds", key, numel));
      }
      // Each storage may fit alone while all of them together claim many times the file.
      claimed += static_cast<uint64_t>(numel) * c10::elementSize(*dtype);
      if (claimed > bytes.size()) {
        throw Error(fmt::format("storage '{}' brings the storages to {} bytes in all, more than "
                                "the file holds",
                                key, claimed));
      }
      root = PickleValue::storage(torch::empty({numel}, torch::TensorOptions().dtype(*dtype)));
    } else if (root->tensor.scalar_type() != *dtype || root->tensor.numel() != numel) {
      throw Error(fmt::format("storage '{}' is named with two different types or sizes", key));
    }
    if (f[5]->is_none()) return root;
    const auto& view = f[5]->as_sequence("storage view metadata");
    if (view.size() != 3) throw Error("storage view metadata is not (key, offset, size)");
    const std::string& view_key = view[0]->as_string("view key");
    auto& slot = views[view_key];
    if (!slot) {
      const int64_t offset = view[1]->as_int("view offset");
      const int64_t size = view[2]->as_int("view size");
      if (offset < 0 || size < 0 || offset > numel - size) {
        throw Error(fmt::format("storage view '{}' [{}, +{}) exceeds its storage of {} elements",
                                view_key, offset, size, numel));
      }
      slot = PickleValue::storage(root->tensor.narrow(0, offset, size));
    }
    return slot;
  };

  Unpickler stream(bytes.data(), bytes.size(), path, persistent_load);
  const auto magic = stream.load();
  if (magic->kind != PickleValue::Kind::BigInt || magic->s != std::string(kMagic, 10)) {
    throw Error(fmt::format("{}: not a PyTorch checkpoint (a pickle, but without torch's magic "
                            "number)",
                            path));
  }
  const auto protocol = stream.load();
  if (protocol->kind != PickleValue::Kind::Int || protocol->i != kProtocolVersion) {
    throw Error(fmt::format("{}: unsupported legacy checkpoint protocol version", path));
  }
  const auto sys_info = stream.load();
  if (const auto little = sys_info->get("little_endian"); little && !little->as_bool("little_endian")) {
    throw Error(fmt::format("{}: written on a big-endian machine; only little-endian is read", path));
  }
  auto root = stream.load();
  const auto keys = stream.load();
  size_t pos = stream.position();
  for (const auto& key_value : keys->as_sequence(path + ": storage key list")) {
    const std::string& key = key_value->as_string(path + ": storage key");
    const auto it = roots.find(key);
    if (it == roots.end()) {
      throw Error(fmt::format("{}: storage key '{}' is listed but no tensor uses it", path, key));
    }
    torch::Tensor storage = it->second->tensor;
    if (bytes.size() - pos < 8) {
      throw Error(fmt::format("{}: truncated: the file ends before storage '{}'", path, key));
    }
    int64_t count;
    std::memcpy(&count, bytes.data() + pos, 8);
    pos += 8;
    if (count != storage.numel()) {
      throw Error(fmt::format("{}: storage '{}' has {} elements in the file, {} in the pickle", path,
                              key, count, storage.numel()));
    }
    const size_t nbytes = storage.numel() * storage.element_size();
    if (bytes.size() - pos < nbytes) {
      throw Error(fmt::format("{}: truncated: storage '{}' needs {} bytes, {} remain", path, key,
                              nbytes, bytes.size() - pos));
    }
    if (nbytes) std::memcpy(storage.data_ptr(), bytes.data() + pos, nbytes);
    pos += nbytes;
    roots.erase(it);
  }
  if (!roots.empty()) {
    throw Error(fmt::format("{}: storage '{}' is used but its data is not in the file", path,
                            roots.begin()->first));
  }
  return root;
}

}  // namespace ghmdet
