#include "ghmdet/io/pickle_writer.h"

#include <fmt/format.h>

#include <cstring>

#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

constexpr int kMaxDepth = 512;

const char* storage_class(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return "FloatStorage";
    case torch::kFloat64: return "DoubleStorage";
    case torch::kFloat16: return "HalfStorage";
    case torch::kBFloat16: return "BFloat16Storage";
    case torch::kInt64: return "LongStorage";
    case torch::kInt32: return "IntStorage";
    case torch::kInt16: return "ShortStorage";
    case torch::kInt8: return "CharStorage";
    case torch::kUInt8: return "ByteStorage";
    case torch::kBool: return "BoolStorage";
    default: return nullptr;
  }
}

template <typename T>
void append_le(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

}  // namespace

std::string PickleWriter::write(const PickleValue& root) {
  out_.clear();
  storages_.clear();
  op(0x80);  // PROTO 2
  op(2);
  value(root, 0);
  op('.');
  return out_;
}

void PickleWriter::global(const char* module, const char* name) {
  op('c');
  out_ += module;
  out_ += '\n';
  out_ += name;
  out_ += '\n';
}

void PickleWriter::integer(int64_t v) {
  if (v >= 0 && v < 256) {
    op('K');
    out_.push_back(static_cast<char>(v));
  } else if (v >= 0 && v < 65536) {
    op('M');
    append_le<uint16_t>(out_, static_cast<uint16_t>(v));
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    op('J');
    append_le<int32_t>(out_, static_cast<int32_t>(v));
  } else {
    op(0x8a);  // LONG1, 8 bytes two's complement
    out_.push_back(8);
    append_le<int64_t>(out_, v);
  }
}

void PickleWriter::string(const std::string& s) {
  op('X');
  append_le<uint32_t>(out_, static_cast<uint32_t>(s.size()));
  out_ += s;
}

void PickleWriter::tensor(const torch::Tensor& t) {
  const char* cls = storage_class(t.scalar_type());
  if (!cls) throw Error(fmt::format("cannot save a tensor of dtype {}", c10::toString(t.scalar_type())));
  const std::string key = std::to_string(storages_.size());
  storages_.push_back(t.detach().to(torch::kCPU).contiguous());
  const auto& stored = storages_.back();

  global("torch._utils", "_rebuild_tensor_v2");
  op('(');
  // persistent id ('storage', torch.<T>Storage, key, 'cpu', numel)
  op('(');
  string("storage");
  global("torch", cls);
  string(key);
  string("cpu");
  integer(stored.numel());
  op('t');
  op('Q');
  integer(0);  // storage offset
  op('(');
  for (int64_t s : stored.sizes()) integer(s);
  op('t');
  op('(');
  for (int64_t s : stored.strides()) integer(s);
  op('t');
  op(0x89);  // requires_grad False
  global("collections", "OrderedDict");  // backward hooks
  op(')');
  op('R');
  op('t');
  op('R');
}

void PickleWriter::value(const PickleValue& v, int depth) {
  if (depth > kMaxDepth) throw Error("cannot save a value nested deeper than 512 levels");
  using K = PickleValue::Kind;
  switch (v.kind) {
    case K::None: op('N'); return;
    case K::Bool: op(v.b ? 0x88 : 0x89); return;
    case K::Int: integer(v.i); return;
    case K::Float: {
      op('G');
      uint64_t u;
      std::memcpy(&u, &v.f, 8);
      for (int k = 7; k >= 0; --k) out_.push_back(static_cast<char>((u >> (8 * k)) & 0xff));
      return;
    }
    case K::String: string(v.s); return;
    case K::Bytes:
      op('B');  // BINBYTES (protocol 3; Python reads it whatever the PROTO header says)
      append_le<uint32_t>(out_, static_cast<uint32_t>(v.s.size()));
      out_ += v.s;
      return;
    case K::List:
    case K::Tuple:
      if (v.kind == K::List) {
        op(']');
        if (v.items.empty()) return;
        op('(');
        for (const auto& item : v.items) value(*item, depth + 1);
        op('e');
      } else {
        op('(');
        for (const auto& item : v.items) value(*item, depth + 1);
        op('t');
      }
      return;
    case K::Dict:
      if (v.ordered) {
        global("collections", "OrderedDict");
        op(')');
        op('R');
      } else {
        op('}');
      }
      if (!v.entries.empty()) {
        op('(');
        for (const auto& [key, item] : v.entries) {
          value(*key, depth + 1);
          value(*item, depth + 1);
        }
        op('u');
      }
      if (v.ordered && v.attributes) {
        value(*v.attributes, depth + 1);
        op('b');
      }
      return;
    case K::Tensor: tensor(v.tensor); return;
    default:
      throw Error(fmt::format("cannot save a {} value", kind_name(v.kind)));
  }
}

}  // namespace ghmdet
