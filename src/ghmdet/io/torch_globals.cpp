#include "ghmdet/io/torch_globals.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <unordered_map>

#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

const std::unordered_map<std::string, torch::ScalarType>& storage_types() {
  static const std::unordered_map<std::string, torch::ScalarType> types = {
      {"torch.FloatStorage", torch::kFloat32},  {"torch.DoubleStorage", torch::kFloat64},
      {"torch.HalfStorage", torch::kFloat16},   {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kInt64},     {"torch.IntStorage", torch::kInt32},
      {"torch.ShortStorage", torch::kInt16},    {"torch.CharStorage", torch::kInt8},
      {"torch.ByteStorage", torch::kUInt8},     {"torch.BoolStorage", torch::kBool},
  };
  return types;
}

std::string qualname(const std::string& module, const std::string& name) {
  // Protocol 2 writes Python 3's builtins under their Python 2 module name.
  return (module == "__builtin__" ? std::string("builtins") : module) + "." + name;
}

const std::vector<PickleValuePtr>& arguments(const PickleValuePtr& args, const std::string& fn,
                                             size_t min_count, size_t max_count) {
  const auto& items = args->items;
  if (items.size() < min_count || items.size() > max_count) {
    throw Error(fmt::format("{} called with {} arguments", fn, items.size()));
  }
  return items;
}

std::vector<int64_t> int_list(const PickleValue& v, const std::string& what) {
  std::vector<int64_t> out;
  for (const auto& item : v.as_sequence(what)) out.push_back(item->as_int(what));
  return out;
}

// storage.as_strided(size, stride, offset) after checking that every element it can address
// lies inside the storage (as_strided itself would read out of bounds).
torch::Tensor view_of_storage(const PickleValue& storage, int64_t offset,
                              const std::vector<int64_t>& size, const std::vector<int64_t>& stride,
                              const std::string& fn) {
  if (storage.kind != PickleValue::Kind::Storage) {
    throw Error(fmt::format("{}: first argument is a {}, not a storage", fn, kind_name(storage.kind)));
  }
  if (size.size() != stride.size()) {
    throw Error(fmt::format("{}: size has {} dims but stride {}", fn, size.size(), stride.size()));
  }
  const int64_t numel_storage = storage.tensor.numel();
  if (offset < 0) throw Error(fmt::format("{}: negative storage offset {}", fn, offset));
  bool empty = false;
  int64_t last = offset;  // largest element index the view touches
  for (size_t d = 0; d < size.size(); ++d) {
    if (size[d] < 0 || stride[d] < 0) {
      throw Error(fmt::format("{}: negative size or stride in dim {}", fn, d));
    }
    if (size[d] == 0) empty = true;
  }
  if (!empty) {
    for (size_t d = 0; d < size.size(); ++d) {
      const int64_t span = size[d] - 1;
      if (stride[d] != 0 && span > (std::numeric_limits<int64_t>::max() - last) / stride[d]) {
        throw Error(fmt::format("{}: view extent overflows", fn));
      }
      last += span * stride[d];
    }
    if (last >= numel_storage) {
      throw Error(fmt::format("{}: view reaches element {} of a storage of {} elements", fn, last,
                              numel_storage));
    }
  } else if (offset > numel_storage) {
    throw Error(fmt::format("{}: offset {} beyond a storage of {} elements", fn, offset, numel_storage));
  }
  return storage.tensor.as_strided(size, stride, storage.tensor.storage_offset() + offset);
}

PickleValuePtr rebuild_tensor(const PickleValuePtr& args, const std::string& fn, size_t min_count,
                              size_t max_count) {
  const auto& a = arguments(args, fn, min_count, max_count);
  const int64_t offset = a[1]->as_int(fn + " storage_offset");
  const auto size = int_list(*a[2], fn + " size");
  const auto stride = int_list(*a[3], fn + " stride");
  return PickleValue::from_tensor(view_of_storage(*a[0], offset, size, stride, fn));
}

}  // namespace

bool is_supported_global(const std::string& module, const std::string& name) {
  static const std::unordered_map<std::string, bool> known = {
      {"collections.OrderedDict", true},
      {"builtins.set", true},
      {"builtins.frozenset", true},
      {"builtins.bytes", true},
      {"builtins.bytearray", true},
      {"_codecs.encode", true},
      {"torch.Size", true},
      {"numpy.dtype", true},
      {"numpy.core.multiarray.scalar", true},
      {"numpy._core.multiarray.scalar", true},
      {"torch._utils._rebuild_tensor", true},
      {"torch._utils._rebuild_tensor_v2", true},
      {"torch._utils._rebuild_parameter", true},
      {"torch._utils._rebuild_parameter_with_state", true},
  };
  const std::string q = qualname(module, name);
  return known.count(q) > 0 || storage_types().count(q) > 0;
}

void build_global(PickleValue& target, const PickleValue& state) {
  const std::string prefix = "numpy.dtype:";
  if (target.kind == PickleValue::Kind::Global && target.s.compare(0, prefix.size(), prefix) == 0) {
    // state = (version, byteorder, subarray, names, fields, elsize, alignment, flags)
    const auto& items = state.as_sequence("numpy dtype state");
    if (items.size() < 2) throw Error("numpy dtype state is too short");
    const std::string& order = items[1]->as_string("numpy dtype byte order");
    if (items.size() > 3 && !items[3]->is_none()) throw Error("numpy structured dtypes are not supported");
    target.s = target.s.substr(0, target.s.rfind(':') + 1) + (order == ">" ? ">" : "<");
    return;
  }
  throw Error(fmt::format("BUILD on a {}: only dict state is supported", kind_name(target.kind)));
}

std::optional<torch::ScalarType> storage_dtype_of(const PickleValue& storage_type) {
  if (storage_type.kind != PickleValue::Kind::Global) return std::nullopt;
  const auto it = storage_types().find(storage_type.s);
  if (it == storage_types().end()) return std::nullopt;
  return it->second;
}

PickleValuePtr call_global(const std::string& raw_qualname, const PickleValuePtr& args) {
  const auto dot = raw_qualname.rfind('.');
  const std::string fn = qualname(raw_qualname.substr(0, dot), raw_qualname.substr(dot + 1));
  if (fn == "collections.OrderedDict") {
    const auto& a = arguments(args, fn, 0, 1);
    auto dict = PickleValue::dict(/*ordered=*/true);
    if (!a.empty()) {  // OrderedDict([(k, v), ...])
      for (const auto& pair : a[0]->as_sequence(fn + " argument")) {
        const auto& kv = pair->as_sequence(fn + " item");
        if (kv.size() != 2) throw Error(fmt::format("{}: item is not a (key, value) pair", fn));
        dict->entries.emplace_back(kv[0], kv[1]);
      }
    }
    return dict;
  }
  if (fn == "builtins.set" || fn == "builtins.frozenset") {
    const auto& a = arguments(args, fn, 0, 1);
    return PickleValue::list(a.empty() ? std::vector<PickleValuePtr>{} : a[0]->as_sequence(fn));
  }
  if (fn == "builtins.bytes" || fn == "builtins.bytearray") {
    const auto& a = arguments(args, fn, 0, 1);
    if (a.empty()) return PickleValue::bytes("");
    if (a[0]->kind == PickleValue::Kind::Bytes) return PickleValue::bytes(a[0]->s);
    throw Error(fmt::format("{} of a {}", fn, kind_name(a[0]->kind)));
  }
  if (fn == "_codecs.encode") {
    // Protocol 2 stores bytes b as encode(b.decode('latin1'), 'latin1'): the str holds the
    // code points 0-255 as UTF-8, which we fold back to single bytes.
    const auto& a = arguments(args, fn, 1, 2);
    const std::string& text = a[0]->as_string(fn + " argument");
    if (a.size() == 2 && a[1]->as_string(fn + " encoding") != "latin1" &&
        a[1]->s != "latin-1" && a[1]->s != "iso-8859-1") {
      throw Error(fmt::format("{} with encoding '{}'", fn, a[1]->s));
    }
    std::string out;
    for (size_t k = 0; k < text.size(); ++k) {
      const auto c = static_cast<unsigned char>(text[k]);
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
      } else if ((c == 0xc2 || c == 0xc3) && k + 1 < text.size()) {
        out.push_back(static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(text[++k]) & 0x3f)));
      } else {
        throw Error(fmt::format("{}: character outside latin1", fn));
      }
    }
    return PickleValue::bytes(std::move(out));
  }
  if (fn == "torch.Size") {
    const auto& a = arguments(args, fn, 0, 1);
    return PickleValue::tuple(a.empty() ? std::vector<PickleValuePtr>{} : a[0]->as_sequence(fn));
  }
  if (fn == "numpy.dtype") {
    // numpy.dtype(code, align, copy); the byte order arrives later through BUILD.
    const auto& a = arguments(args, fn, 1, 3);
    return PickleValue::global("numpy.dtype:" + a[0]->as_string(fn + " code") + ":=");
  }
  if (fn == "numpy.core.multiarray.scalar" || fn == "numpy._core.multiarray.scalar") {
    const auto& a = arguments(args, fn, 2, 2);
    const std::string prefix = "numpy.dtype:";
    if (a[0]->kind != PickleValue::Kind::Global || a[0]->s.compare(0, prefix.size(), prefix) != 0 ||
        a[1]->kind != PickleValue::Kind::Bytes) {
      throw Error(fmt::format("{} needs a dtype and bytes", fn));
    }
    const std::string spec = a[0]->s.substr(prefix.size());
    const std::string code = spec.substr(0, spec.rfind(':'));
    if (spec.back() == '>') throw Error(fmt::format("{}: big-endian numpy scalar", fn));
    const std::string& raw = a[1]->s;
    auto expect_size = [&](size_t n) {
      if (raw.size() != n) throw Error(fmt::format("{}: {} bytes for dtype '{}'", fn, raw.size(), code));
    };
    auto load = [&](auto zero) {
      expect_size(sizeof(zero));
      std::memcpy(&zero, raw.data(), sizeof(zero));
      return zero;
    };
    if (code == "f8") return PickleValue::real(load(double{}));
    if (code == "f4") return PickleValue::real(load(float{}));
    if (code == "f2") return PickleValue::real(static_cast<float>(c10::Half(load(uint16_t{}), c10::Half::from_bits())));
    if (code == "i8") return PickleValue::integer(load(int64_t{}));
    if (code == "i4") return PickleValue::integer(load(int32_t{}));
    if (code == "i2") return PickleValue::integer(load(int16_t{}));
    if (code == "i1") return PickleValue::integer(load(int8_t{}));
    if (code == "u1") return PickleValue::integer(load(uint8_t{}));
    if (code == "u2") return PickleValue::integer(load(uint16_t{}));
    if (code == "u4") return PickleValue::integer(load(uint32_t{}));
    if (code == "b1") return PickleValue::boolean(load(uint8_t{}) != 0);
    throw Error(fmt::format("{}: unsupported numpy scalar dtype '{}'", fn, code));
  }
  if (fn == "torch._utils._rebuild_tensor") return rebuild_tensor(args, fn, 4, 4);
  if (fn == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(args, fn, 6, 7);
  if (fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") {
    const auto& a = arguments(args, fn, 3, 4);
    if (a[0]->kind != PickleValue::Kind::Tensor) {
      throw Error(fmt::format("{}: data is a {}, not a tensor", fn, kind_name(a[0]->kind)));
    }
    return PickleValue::from_tensor(a[0]->tensor);
  }
  throw Error(fmt::format("'{}' cannot be called", fn));
}

}  // namespace ghmdet
