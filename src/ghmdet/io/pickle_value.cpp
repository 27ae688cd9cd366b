#include "ghmdet/io/pickle_value.h"

#include <fmt/format.h>

#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

PickleValuePtr make(PickleValue::Kind kind) {
  auto v = std::make_shared<PickleValue>();
  v->kind = kind;
  return v;
}

// A value of `kind` whose payload is the one member `field` (the factories below differ only
// in which member that is).
template <typename T>
PickleValuePtr make(PickleValue::Kind kind, T PickleValue::*field, T value) {
  auto v = make(kind);
  (*v).*field = std::move(value);
  return v;
}

[[noreturn]] void mismatch(const std::string& what, const char* expected, PickleValue::Kind found) {
  throw Error(fmt::format("{}: expected {}, found {}", what, expected, kind_name(found)));
}

}  // namespace

const char* kind_name(PickleValue::Kind kind) {
  switch (kind) {
    case PickleValue::Kind::None: return "None";
    case PickleValue::Kind::Bool: return "bool";
    case PickleValue::Kind::Int: return "int";
    case PickleValue::Kind::BigInt: return "int (wider than 64 bits)";
    case PickleValue::Kind::Float: return "float";
    case PickleValue::Kind::String: return "str";
    case PickleValue::Kind::Bytes: return "bytes";
    case PickleValue::Kind::List: return "list";
    case PickleValue::Kind::Tuple: return "tuple";
    case PickleValue::Kind::Dict: return "dict";
    case PickleValue::Kind::Tensor: return "tensor";
    case PickleValue::Kind::Global: return "global";
    case PickleValue::Kind::Storage: return "storage";
  }
  return "?";
}

PickleValuePtr PickleValue::none() { return make(Kind::None); }
PickleValuePtr PickleValue::boolean(bool v) { return make(Kind::Bool, &PickleValue::b, v); }
PickleValuePtr PickleValue::integer(int64_t v) { return make(Kind::Int, &PickleValue::i, v); }
PickleValuePtr PickleValue::real(double v) { return make(Kind::Float, &PickleValue::f, v); }
PickleValuePtr PickleValue::string(std::string v) {
  return make(Kind::String, &PickleValue::s, std::move(v));
}
PickleValuePtr PickleValue::bytes(std::string v) {
  return make(Kind::Bytes, &PickleValue::s, std::move(v));
}
PickleValuePtr PickleValue::list(std::vector<PickleValuePtr> v) {
  return make(Kind::List, &PickleValue::items, std::move(v));
}
PickleValuePtr PickleValue::tuple(std::vector<PickleValuePtr> v) {
  return make(Kind::Tuple, &PickleValue::items, std::move(v));
}
PickleValuePtr PickleValue::dict(bool ordered) {
  return make(Kind::Dict, &PickleValue::ordered, ordered);
}
PickleValuePtr PickleValue::from_tensor(torch::Tensor t) {
  return make(Kind::Tensor, &PickleValue::tensor, std::move(t));
}
PickleValuePtr PickleValue::global(std::string qualname) {
  return make(Kind::Global, &PickleValue::s, std::move(qualname));
}
PickleValuePtr PickleValue::storage(torch::Tensor flat) {
  return make(Kind::Storage, &PickleValue::tensor, std::move(flat));
}

PickleValuePtr PickleValue::get(const std::string& key) const {
  if (kind != Kind::Dict) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k->kind == Kind::String && k->s == key) return v;
  }
  return nullptr;
}

PickleValuePtr PickleValue::get(int64_t key) const {
  if (kind != Kind::Dict) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k->kind == Kind::Int && k->i == key) return v;
  }
  return nullptr;
}

int64_t PickleValue::as_int(const std::string& what) const {
  if (kind == Kind::Int) return i;
  if (kind == Kind::Bool) return b ? 1 : 0;
  mismatch(what, "int", kind);
}

double PickleValue::as_double(const std::string& what) const {
  if (kind == Kind::Float) return f;
  if (kind == Kind::Int) return static_cast<double>(i);
  mismatch(what, "number", kind);
}

bool PickleValue::as_bool(const std::string& what) const {
  if (kind == Kind::Bool) return b;
  mismatch(what, "bool", kind);
}

const std::string& PickleValue::as_string(const std::string& what) const {
  if (kind == Kind::String) return s;
  mismatch(what, "str", kind);
}

const torch::Tensor& PickleValue::as_tensor(const std::string& what) const {
  if (kind == Kind::Tensor) return tensor;
  mismatch(what, "tensor", kind);
}

const std::vector<PickleValuePtr>& PickleValue::as_sequence(const std::string& what) const {
  if (kind == Kind::List || kind == Kind::Tuple) return items;
  mismatch(what, "list or tuple", kind);
}

void PickleValue::expect_dict(const std::string& what) const {
  if (kind != Kind::Dict) mismatch(what, "dict", kind);
}

std::string PickleValue::key_text() const {
  switch (kind) {
    case Kind::String: return s;
    case Kind::Int: return std::to_string(i);
    case Kind::Bool: return b ? "True" : "False";
    case Kind::None: return "None";
    default: return fmt::format("<{}>", kind_name(kind));
  }
}

}  // namespace ghmdet
