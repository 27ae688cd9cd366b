#include "ghmdet/io/unpickler.h"

#include <fmt/format.h>

#include <cstring>

#include "ghmdet/core/error.h"
#include "ghmdet/io/torch_globals.h"

namespace ghmdet {
namespace {

// Opcode names as CPython's pickletools spells them, for messages.
const char* opcode_name(uint8_t op) {
  switch (op) {
    case '(': return "MARK";
    case '.': return "STOP";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case 'F': return "FLOAT";
    case 'I': return "INT";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'L': return "LONG";
    case 'M': return "BININT2";
    case 'N': return "NONE";
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 'R': return "REDUCE";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 'X': return "BINUNICODE";
    case 'a': return "APPEND";
    case 'b': return "BUILD";
    case 'c': return "GLOBAL";
    case 'd': return "DICT";
    case '}': return "EMPTY_DICT";
    case 'e': return "APPENDS";
    case 'g': return "GET";
    case 'h': return "BINGET";
    case 'i': return "INST";
    case 'j': return "LONG_BINGET";
    case 'l': return "LIST";
    case ']': return "EMPTY_LIST";
    case 'o': return "OBJ";
    case 'p': return "PUT";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 's': return "SETITEM";
    case 't': return "TUPLE";
    case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";
    case 'G': return "BINFLOAT";
    case 0x80: return "PROTO";
    case 0x81: return "NEWOBJ";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 0x8e: return "BINBYTES8";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL";
    case 0x94: return "MEMOIZE";
    case 0x95: return "FRAME";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

std::string describe_opcode(uint8_t op) {
  const char* name = opcode_name(op);
  return name ? fmt::format("{} (0x{:02x})", name, op) : fmt::format("unknown opcode 0x{:02x}", op);
}

template <typename T>
T read_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // torch only runs on little-endian hosts
  return v;
}

// Little-endian two's-complement integer of n bytes (LONG1/LONG4).
PickleValuePtr decode_long(const char* p, size_t n) {
  if (n == 0) return PickleValue::integer(0);
  if (n <= 8) {
    uint64_t u = 0;
    for (size_t k = 0; k < n; ++k) u |= static_cast<uint64_t>(static_cast<uint8_t>(p[k])) << (8 * k);
    if (n < 8 && (static_cast<uint8_t>(p[n - 1]) & 0x80)) u |= ~uint64_t{0} << (8 * n);
    return PickleValue::integer(static_cast<int64_t>(u));
  }
  auto v = PickleValue::bytes(std::string(p, n));
  v->kind = PickleValue::Kind::BigInt;
  return v;
}

}  // namespace

Unpickler::Unpickler(const char* data, size_t size, std::string source,
                     PersistentLoad persistent_load)
    : data_(data), size_(size), source_(std::move(source)),
      persistent_load_(std::move(persistent_load)) {}

void Unpickler::fail(const std::string& message) const {
  throw Error(fmt::format("{}: {} (pickle byte {})", source_, message, op_pos_));
}

const char* Unpickler::take(size_t n) {
  if (n > size_ - pos_) fail("truncated pickle: the stream ends inside an opcode's argument");
  const char* p = data_ + pos_;
  pos_ += n;
  return p;
}

uint8_t Unpickler::u8() { return static_cast<uint8_t>(*take(1)); }

std::string Unpickler::line() {
  const void* nl = pos_ < size_ ? std::memchr(data_ + pos_, '\n', size_ - pos_) : nullptr;
  if (!nl) fail("truncated pickle: a text argument has no end of line");
  const size_t n = static_cast<const char*>(nl) - (data_ + pos_);
  std::string s(data_ + pos_, n);
  pos_ += n + 1;
  return s;
}

PickleValuePtr Unpickler::pop() {
  const size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) fail("malformed pickle: stack underflow");
  auto v = std::move(stack_.back());
  stack_.pop_back();
  return v;
}

PickleValuePtr& Unpickler::top() {
  if (stack_.empty()) fail("malformed pickle: stack underflow");
  return stack_.back();
}

std::vector<PickleValuePtr> Unpickler::pop_to_mark() {
  if (marks_.empty()) fail("malformed pickle: no MARK before this opcode");
  const size_t mark = marks_.back();
  marks_.pop_back();
  if (mark > stack_.size()) fail("malformed pickle: MARK beyond the stack");
  std::vector<PickleValuePtr> items(std::make_move_iterator(stack_.begin() + mark),
                                    std::make_move_iterator(stack_.end()));
  stack_.resize(mark);
  return items;
}

void Unpickler::memo_put(size_t index) {
  // Torch's and CPython's picklers number the memo densely, so an index is below the number of
  // opcodes read so far, itself below the bytes read: a larger one is corrupt, and refusing it
  // keeps the memo (16 bytes an entry) proportional to the pickle rather than to what it claims.
  if (index >= pos_) fail(fmt::format("malformed pickle: memo index {}", index));
  if (index >= memo_.size()) memo_.resize(index + 1);
  memo_[index] = top();
}

PickleValuePtr Unpickler::memo_get(size_t index) {
  if (index >= memo_.size() || !memo_[index]) {
    fail(fmt::format("malformed pickle: memo entry {} was never stored", index));
  }
  return memo_[index];
}

void Unpickler::push_global(const std::string& module, const std::string& name) {
  if (!is_supported_global(module, name)) {
    fail(fmt::format("unsupported Python global '{}.{}': only tensors, storages, OrderedDict "
                     "and plain Python values (numbers, strings, bytes, lists, tuples, dicts) "
                     "can be read",
                     module, name));
  }
  stack_.push_back(PickleValue::global(module + "." + name));
}

void Unpickler::adopt(PickleValue& parent, const PickleValuePtr& child) {
  if (child.get() == &parent) fail("malformed pickle: a container placed inside itself");
  child->contained = true;
  if (child->depth >= parent.depth) {
    if (child->depth >= kMaxNesting) {
      fail(fmt::format("malformed pickle: containers nested more than {} levels deep", kMaxNesting));
    }
    parent.depth = child->depth + 1;
  }
}

PickleValuePtr Unpickler::adopt_children(PickleValuePtr built) {
  for (const auto& item : built->items) adopt(*built, item);
  for (const auto& [key, value] : built->entries) {
    adopt(*built, key);
    adopt(*built, value);
  }
  if (built->attributes) adopt(*built, built->attributes);
  return built;
}

void Unpickler::expect_unplaced(const PickleValue& container, const char* op) {
  if (container.contained) {
    fail(fmt::format("malformed pickle: {} changes a {} that already lies inside another container "
                     "(only self-referencing Python objects are pickled so)",
                     op, kind_name(container.kind)));
  }
}

void Unpickler::reduce() {
  auto args = pop();
  auto callable = pop();
  if (callable->kind != PickleValue::Kind::Global) {
    fail(fmt::format("REDUCE on a {}, not on a global", kind_name(callable->kind)));
  }
  if (args->kind != PickleValue::Kind::Tuple) fail("REDUCE arguments are not a tuple");
  PickleValuePtr result;
  try {
    result = call_global(callable->s, args);
  } catch (const Error& e) {
    fail(e.what());
  }
  stack_.push_back(adopt_children(std::move(result)));
}

void Unpickler::build() {
  auto state = pop();
  auto& target = top();
  // OrderedDict carries its `_metadata` (module versions) this way; tensors rebuilt by torch
  // never get a BUILD. Anything else would need the object's class to interpret the state.
  if (target->kind == PickleValue::Kind::Dict) {
    expect_unplaced(*target, "BUILD");
    adopt(*target, state);
    target->attributes = state;
    return;
  }
  try {
    build_global(*target, *state);
  } catch (const Error& e) {
    fail(e.what());
  }
}

void Unpickler::set_items(const PickleValuePtr& dict, std::vector<PickleValuePtr>& kv) {
  if (dict->kind != PickleValue::Kind::Dict) {
    fail(fmt::format("SETITEM(S) on a {}, not a dict", kind_name(dict->kind)));
  }
  if (kv.size() % 2 != 0) fail("SETITEMS with an odd number of items");
  expect_unplaced(*dict, "SETITEM(S)");
  for (const auto& v : kv) adopt(*dict, v);
  for (size_t k = 0; k < kv.size(); k += 2) {
    bool replaced = false;
    const auto& key = kv[k];
    for (auto& entry : dict->entries) {
      const auto& ek = entry.first;
      const bool same = ek->kind == key->kind &&
                        ((key->kind == PickleValue::Kind::String && ek->s == key->s) ||
                         (key->kind == PickleValue::Kind::Int && ek->i == key->i));
      if (same) {
        entry.second = kv[k + 1];
        replaced = true;
        break;
      }
    }
    if (!replaced) dict->entries.emplace_back(key, kv[k + 1]);
  }
}

PickleValuePtr Unpickler::load() {
  stack_.clear();
  marks_.clear();
  memo_.clear();
  while (true) {
    op_pos_ = pos_;
    if (pos_ >= size_) fail("truncated pickle: the stream ends before STOP");
    const uint8_t op = u8();
    switch (op) {
      case 0x80: {  // PROTO
        const uint8_t proto = u8();
        if (proto > 5) fail(fmt::format("pickle protocol {} is newer than 5", proto));
        break;
      }
      case 0x95: take(8); break;  // FRAME: framing is only a read-ahead hint
      case '.': {  // STOP
        auto result = pop();
        if (!stack_.empty() || !marks_.empty()) fail("malformed pickle: items left on the stack at STOP");
        return result;
      }
      case '(': marks_.push_back(stack_.size()); break;
      case '0': pop(); break;
      case '1': pop_to_mark(); break;
      case '2': stack_.push_back(top()); break;
      case 'N': stack_.push_back(PickleValue::none()); break;
      case 0x88: stack_.push_back(PickleValue::boolean(true)); break;
      case 0x89: stack_.push_back(PickleValue::boolean(false)); break;
      case 'J': stack_.push_back(PickleValue::integer(read_le<int32_t>(take(4)))); break;
      case 'K': stack_.push_back(PickleValue::integer(u8())); break;
      case 'M': stack_.push_back(PickleValue::integer(read_le<uint16_t>(take(2)))); break;
      case 0x8a: {
        const size_t n = u8();
        stack_.push_back(decode_long(take(n), n));
        break;
      }
      case 0x8b: {
        const int32_t n = read_le<int32_t>(take(4));
        if (n < 0) fail("LONG4 with a negative length");
        stack_.push_back(decode_long(take(n), n));
        break;
      }
      case 'I':
      case 'L': {
        std::string text = line();
        if (op == 'L' && !text.empty() && text.back() == 'L') text.pop_back();
        if (op == 'I' && (text == "00" || text == "01")) {
          stack_.push_back(PickleValue::boolean(text == "01"));
          break;
        }
        try {
          size_t used = 0;
          const long long v = std::stoll(text, &used);
          if (used != text.size()) throw std::invalid_argument(text);
          stack_.push_back(PickleValue::integer(v));
        } catch (const std::exception&) {
          fail(fmt::format("{} with a bad value '{}'", opcode_name(op), text));
        }
        break;
      }
      case 'F': {
        const std::string text = line();
        try {
          stack_.push_back(PickleValue::real(std::stod(text)));
        } catch (const std::exception&) {
          fail(fmt::format("FLOAT with a bad value '{}'", text));
        }
        break;
      }
      case 'G': {  // BINFLOAT is big-endian
        const char* p = take(8);
        uint64_t u = 0;
        for (int k = 0; k < 8; ++k) u = (u << 8) | static_cast<uint8_t>(p[k]);
        double d;
        std::memcpy(&d, &u, 8);
        stack_.push_back(PickleValue::real(d));
        break;
      }
      case 'X':
      case 'T':
      case 'B': {
        const uint32_t n = read_le<uint32_t>(take(4));
        std::string s(take(n), n);
        stack_.push_back(op == 'B' ? PickleValue::bytes(std::move(s)) : PickleValue::string(std::move(s)));
        break;
      }
      case 0x8c:
      case 'U':
      case 'C': {
        const size_t n = u8();
        std::string s(take(n), n);
        stack_.push_back(op == 'C' ? PickleValue::bytes(std::move(s)) : PickleValue::string(std::move(s)));
        break;
      }
      case 0x8d:
      case 0x8e: {
        const uint64_t n = read_le<uint64_t>(take(8));
        if (n > size_ - pos_) fail("truncated pickle: the stream ends inside a string");
        std::string s(take(n), n);
        stack_.push_back(op == 0x8e ? PickleValue::bytes(std::move(s)) : PickleValue::string(std::move(s)));
        break;
      }
      case 'S': {  // protocol 0 quoted string; torch never writes these with escapes
        std::string s = line();
        if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front()) {
          fail("STRING argument is not quoted");
        }
        stack_.push_back(PickleValue::string(s.substr(1, s.size() - 2)));
        break;
      }
      case 'V': stack_.push_back(PickleValue::string(line())); break;
      case ']': stack_.push_back(PickleValue::list()); break;
      case ')': stack_.push_back(PickleValue::tuple()); break;
      case '}': stack_.push_back(PickleValue::dict()); break;
      case 0x8f: stack_.push_back(PickleValue::list()); break;  // EMPTY_SET: read as a list
      case 'l': stack_.push_back(adopt_children(PickleValue::list(pop_to_mark()))); break;
      case 't': stack_.push_back(adopt_children(PickleValue::tuple(pop_to_mark()))); break;
      case 0x91: stack_.push_back(adopt_children(PickleValue::list(pop_to_mark()))); break;  // FROZENSET
      case 0x85:
      case 0x86:
      case 0x87: {
        const size_t n = op - 0x84;
        std::vector<PickleValuePtr> items(n);
        for (size_t k = n; k-- > 0;) items[k] = pop();
        stack_.push_back(adopt_children(PickleValue::tuple(std::move(items))));
        break;
      }
      case 'd': {
        auto kv = pop_to_mark();
        auto dict = PickleValue::dict();
        set_items(dict, kv);
        stack_.push_back(dict);
        break;
      }
      case 'a': {
        auto v = pop();
        auto& list = top();
        if (list->kind != PickleValue::Kind::List) fail(fmt::format("APPEND to a {}", kind_name(list->kind)));
        expect_unplaced(*list, "APPEND");
        adopt(*list, v);
        list->items.push_back(std::move(v));
        break;
      }
      case 'e':
      case 0x90: {
        auto items = pop_to_mark();
        auto& list = top();
        if (list->kind != PickleValue::Kind::List) {
          fail(fmt::format("{} to a {}", opcode_name(op), kind_name(list->kind)));
        }
        expect_unplaced(*list, opcode_name(op));
        for (auto& v : items) {
          adopt(*list, v);
          list->items.push_back(std::move(v));
        }
        break;
      }
      case 's': {
        std::vector<PickleValuePtr> kv(2);
        kv[1] = pop();
        kv[0] = pop();
        set_items(top(), kv);
        break;
      }
      case 'u': {
        auto kv = pop_to_mark();
        set_items(top(), kv);
        break;
      }
      case 'g': {
        const std::string text = line();
        try {
          stack_.push_back(memo_get(std::stoull(text)));
        } catch (const std::logic_error&) {
          fail(fmt::format("GET with a bad index '{}'", text));
        }
        break;
      }
      case 'h': stack_.push_back(memo_get(u8())); break;
      case 'j': stack_.push_back(memo_get(read_le<uint32_t>(take(4)))); break;
      case 'p': {
        const std::string text = line();
        size_t index = 0;
        try {
          index = std::stoull(text);
        } catch (const std::logic_error&) {
          fail(fmt::format("PUT with a bad index '{}'", text));
        }
        memo_put(index);
        break;
      }
      case 'q': memo_put(u8()); break;
      case 'r': memo_put(read_le<uint32_t>(take(4))); break;
      case 0x94: memo_put(memo_.size()); break;
      case 'c': {
        const std::string module = line();
        const std::string name = line();
        push_global(module, name);
        break;
      }
      case 0x93: {
        auto name = pop();
        auto module = pop();
        if (module->kind != PickleValue::Kind::String || name->kind != PickleValue::Kind::String) {
          fail("STACK_GLOBAL needs two strings");
        }
        push_global(module->s, name->s);
        break;
      }
      case 'R': reduce(); break;
      case 'b': build(); break;
      case 'Q':
      case 'P': {
        PickleValuePtr pid = op == 'Q' ? pop() : PickleValue::string(line());
        if (!persistent_load_) fail("a persistent id in a stream that allows none");
        try {
          stack_.push_back(persistent_load_(pid));
        } catch (const Error& e) {
          fail(e.what());
        }
        break;
      }
      default:
        fail(fmt::format("unsupported pickle opcode {}: this file holds Python objects that "
                         "are not weights",
                         describe_opcode(op)));
    }
  }
}

}  // namespace ghmdet
