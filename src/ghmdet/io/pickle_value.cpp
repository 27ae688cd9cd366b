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
PickleValuePtr PickleValue::boolean(bool v) {
  auto p = make(Kind::Bool);
  p->b = v;
  return p;
}
PickleValuePtr PickleValue::integer(int64_t v) {
  auto p = make(Kind::Int);
  p->i = v;
  return p;
}
PickleValuePtr PickleValue::real(double v) {
  auto p = make(Kind::Float);
  p->f = v;
  return p;
}
PickleValuePtr PickleValue::string(std::string v) {
  auto p = make(Kind::String);
  p->s = std::move(v);
  return p;
}
PickleValuePtr PickleValue::bytes(std::string v) {
  auto p = make(Kind::Bytes);
  p->s = std::move(v);
  return p;
}
PickleValuePtr PickleValue::list(std::vector<PickleValuePtr> v) {
  auto p = make(Kind::List);
  p->items = std::move(v);
  return p;
}
PickleValuePtr PickleValue::tuple(std::vector<PickleValuePtr> v) {
  auto p = make(Kind::Tuple);
  p->items = std::move(v);
  return p;
}
PickleValuePtr PickleValue::dict(bool ordered) {
  auto p = make(Kind::Dict);
  p->ordered = ordered;
  return p;
}
PickleValuePtr PickleValue::from_tensor(torch::Tensor t) {
  auto p = make(Kind::Tensor);
  p->tensor = std::move(t);
  return p;
}

PickleValuePtr PickleValue::global(std::string qualname) {
  auto p = make(Kind::Global);
  p->s = std::move(qualname);
  return p;
}
PickleValuePtr PickleValue::storage(torch::Tensor flat) {
  auto p = make(Kind::Storage);
  p->tensor = std::move(flat);
  return p;
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
