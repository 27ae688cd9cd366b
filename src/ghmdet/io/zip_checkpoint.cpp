#include "ghmdet/io/zip_checkpoint.h"

#include <fmt/format.h>

#include <map>

#include "ghmdet/core/error.h"
#include "ghmdet/io/torch_globals.h"
#include "ghmdet/io/unpickler.h"
#include "ghmdet/io/zip_archive.h"

namespace ghmdet {
namespace {

torch::Tensor record_as_storage(ZipArchive& zip, const std::string& key, torch::ScalarType dtype,
                                int64_t numel, const std::string& path) {
  const std::string record = "data/" + key;
  const uint64_t nbytes = zip.record_size(record);
  const size_t elem = c10::elementSize(dtype);
  if (numel < 0 || nbytes != static_cast<uint64_t>(numel) * elem) {
    throw Error(fmt::format("storage record '{}' has {} bytes, not the {} elements of {} its tensor "
                            "names",
                            record, nbytes, numel, c10::toString(dtype)));
  }
  torch::Tensor storage = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
  if (nbytes) zip.read_record(record, storage.data_ptr());
  return storage;
}

}  // namespace

PickleValuePtr read_zip_checkpoint(const std::string& path) {
  ZipArchive zip(path);
  if (zip.has_record("constants.pkl") || zip.has_record("code/__torch__.py")) {
    throw Error(fmt::format("{}: a TorchScript archive (torch.jit.save), not a checkpoint; "
                            "save the model's state_dict() with torch.save instead",
                            path));
  }
  if (!zip.has_record("data.pkl")) {
    throw Error(fmt::format("{}: zip archive without data.pkl: not a torch.save checkpoint", path));
  }
  if (zip.has_record("byteorder")) {
    const std::string order = zip.read_record("byteorder");
    if (order != "little") {
      throw Error(fmt::format("{}: storages are stored '{}'-endian; only little-endian is read", path, order));
    }
  }
  const std::string pickle = zip.read_record("data.pkl");
  std::map<std::string, PickleValuePtr> storages;
  auto persistent_load = [&](const PickleValuePtr& pid) -> PickleValuePtr {
    const auto& f = pid->as_sequence("persistent id");
    if (f.size() < 5 || f[0]->kind != PickleValue::Kind::String || f[0]->s != "storage") {
      throw Error("persistent id is not ('storage', type, key, location, numel)");
    }
    const auto dtype = storage_dtype_of(*f[1]);
    if (!dtype) {
      throw Error(fmt::format("unsupported storage type '{}'",
                              f[1]->kind == PickleValue::Kind::Global ? f[1]->s : kind_name(f[1]->kind)));
    }
    const std::string& key = f[2]->as_string("storage key");
    auto& slot = storages[key];
    if (!slot) {
      slot = PickleValue::storage(record_as_storage(zip, key, *dtype, f[4]->as_int("storage numel"), path));
    } else if (slot->tensor.scalar_type() != *dtype) {
      throw Error(fmt::format("storage '{}' is read as two different dtypes", key));
    }
    return slot;
  };
  Unpickler unpickler(pickle.data(), pickle.size(), fmt::format("{} ({}/data.pkl)", path, zip.prefix()),
                      persistent_load);
  return unpickler.load();
}

}  // namespace ghmdet
