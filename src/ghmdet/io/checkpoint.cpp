#include "ghmdet/io/checkpoint.h"

#include <fmt/format.h>

#include "ghmdet/core/error.h"
#include "ghmdet/io/torch_pickle.h"
#include "ghmdet/io/torch_save.h"

namespace ghmdet {
namespace {

constexpr int kMaxDepth = 512;

void flatten_numbers(const PickleValue& v, const std::string& name,
                     std::map<std::string, torch::Tensor>& out, int depth) {
  if (depth > kMaxDepth) throw Error(fmt::format("optimizer: {} is nested too deeply", name));
  const std::string prefix = name.empty() ? "" : name + ".";
  switch (v.kind) {
    case PickleValue::Kind::Tensor: out[name] = v.tensor; break;
    case PickleValue::Kind::Int: out[name] = torch::tensor(v.i, torch::kInt64); break;
    case PickleValue::Kind::Float: out[name] = torch::tensor(v.f, torch::kFloat64); break;
    case PickleValue::Kind::Bool: out[name] = torch::tensor(v.b, torch::kBool); break;
    case PickleValue::Kind::Dict:
      for (const auto& [key, item] : v.entries) flatten_numbers(*item, prefix + key->key_text(), out, depth + 1);
      break;
    case PickleValue::Kind::List:
    case PickleValue::Kind::Tuple:
      for (size_t k = 0; k < v.items.size(); ++k) flatten_numbers(*v.items[k], prefix + std::to_string(k), out, depth + 1);
      break;
    default: break;  // None and strings carry no optimizer state
  }
}

nlohmann::json to_json(const PickleValue& v, const std::string& what, int depth) {
  if (depth > kMaxDepth) throw Error(fmt::format("{}: nested too deeply", what));
  using K = PickleValue::Kind;
  switch (v.kind) {
    case K::None: return nullptr;
    case K::Bool: return v.b;
    case K::Int: return v.i;
    case K::Float: return v.f;
    case K::String: return v.s;
    case K::Bytes: {
      auto arr = nlohmann::json::array();
      for (unsigned char c : v.s) arr.push_back(static_cast<int>(c));
      return arr;
    }
    case K::List:
    case K::Tuple: {
      auto arr = nlohmann::json::array();
      for (size_t k = 0; k < v.items.size(); ++k) {
        arr.push_back(to_json(*v.items[k], fmt::format("{}[{}]", what, k), depth + 1));
      }
      return arr;
    }
    case K::Dict: {
      auto obj = nlohmann::json::object();
      for (const auto& [key, item] : v.entries) {
        const std::string k = key->key_text();
        obj[k] = to_json(*item, what + "." + k, depth + 1);
      }
      return obj;
    }
    case K::Tensor:
      if (v.tensor.dim() == 0) {
        if (v.tensor.is_floating_point()) return v.tensor.item<double>();
        if (v.tensor.scalar_type() == torch::kBool) return v.tensor.item<bool>();
        return v.tensor.item<int64_t>();
      }
      break;
    default: break;
  }
  throw Error(fmt::format("{}: a {} cannot be represented in the checkpoint's meta", what,
                          v.kind == K::Tensor ? "non-scalar tensor" : kind_name(v.kind)));
}

}  // namespace

PickleValuePtr json_to_pickle(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return PickleValue::none();
    case nlohmann::json::value_t::boolean: return PickleValue::boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return PickleValue::integer(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return PickleValue::real(static_cast<double>(u));
      return PickleValue::integer(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float: return PickleValue::real(j.get<double>());
    case nlohmann::json::value_t::string: return PickleValue::string(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      auto list = PickleValue::list();
      for (const auto& item : j) list->items.push_back(json_to_pickle(item));
      return list;
    }
    case nlohmann::json::value_t::object: {
      auto dict = PickleValue::dict();
      for (const auto& [key, item] : j.items()) {
        dict->entries.emplace_back(PickleValue::string(key), json_to_pickle(item));
      }
      return dict;
    }
    default: throw Error("meta: binary JSON values cannot be saved");
  }
}

nlohmann::json pickle_to_json(const PickleValue& v, const std::string& what) { return to_json(v, what, 0); }

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  if (!checkpoint.meta.is_object()) throw Error(fmt::format("{}: meta must be a JSON object", path));
  auto root = PickleValue::dict();
  root->entries.emplace_back(PickleValue::string("meta"), json_to_pickle(checkpoint.meta));
  auto model = PickleValue::dict(/*ordered=*/true);
  for (const auto& item : checkpoint.model) {
    model->entries.emplace_back(PickleValue::string(item.key()), PickleValue::from_tensor(item.value()));
  }
  root->entries.emplace_back(PickleValue::string("state_dict"), model);
  auto optimizer = PickleValue::dict();
  for (const auto& [name, t] : checkpoint.optimizer) {
    optimizer->entries.emplace_back(PickleValue::string(name), PickleValue::from_tensor(t));
  }
  root->entries.emplace_back(PickleValue::string("optimizer"), optimizer);
  write_torch_file(path, *root);
}

Checkpoint load_checkpoint(const std::string& path) {
  const TorchFile file = read_torch_file(path);
  const PickleValue& root = *file.root;
  Checkpoint c;
  c.model = strip_common_prefix(find_state_dict(root, path), "module.");
  if (const auto opt = root.get("optimizer"); opt && opt->is_dict()) {
    flatten_numbers(*opt, "", c.optimizer, 0);
  }
  if (const auto meta = root.get("meta"); meta && !meta->is_none()) {
    c.meta = pickle_to_json(*meta, path + ": meta");
  }
  return c;
}

}  // namespace ghmdet
