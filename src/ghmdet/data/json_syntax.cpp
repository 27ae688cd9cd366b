#include "ghmdet/data/json_syntax.h"

#include <cctype>
#include <vector>

namespace ghmdet {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  std::optional<JsonSyntaxError> run() {
    // What the parser expects next; containers push their own continuation states.
    enum class Want { kValue, kKeyOrEnd, kKey, kColon, kCommaOrEndObject, kValueOrEndArray,
                      kCommaOrEndArray };
    std::vector<Want> stack;  // continuation after the current value
    Want want = Want::kValue;
    bool done = false;
    while (true) {
      skip_ws();
      if (done) {
        if (i_ != s_.size()) return fail("unexpected text after the end of the document");
        return std::nullopt;
      }
      if (i_ == s_.size()) return fail("unexpected end of file (truncated document?)");
      const char c = s_[i_];
      switch (want) {
        case Want::kValueOrEndArray:
          if (c == ']') {
            ++i_;
            stack.pop_back();
            goto value_done;
          }
          [[fallthrough]];
        case Want::kValue:
          if (c == '{') {
            ++i_;
            stack.push_back(Want::kCommaOrEndObject);
            want = Want::kKeyOrEnd;
            continue;
          }
          if (c == '[') {
            ++i_;
            stack.push_back(Want::kCommaOrEndArray);
            want = Want::kValueOrEndArray;
            continue;
          }
          if (c == '"') {
            if (auto e = string()) return e;
          } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
            if (auto e = number()) return e;
          } else if (!literal("true") && !literal("false") && !literal("null")) {
            return fail("expected a value");
          }
          goto value_done;
        case Want::kKeyOrEnd:
          if (c == '}') {
            ++i_;
            stack.pop_back();
            goto value_done;
          }
          [[fallthrough]];
        case Want::kKey:
          if (c != '"') return fail("expected a string key");
          if (auto e = string()) return e;
          want = Want::kColon;
          continue;
        case Want::kColon:
          if (c != ':') return fail("expected ':'");
          ++i_;
          want = Want::kValue;
          continue;
        case Want::kCommaOrEndObject:
          if (c == ',') {
            ++i_;
            stack.push_back(Want::kCommaOrEndObject);
            want = Want::kKey;
            continue;
          }
          if (c == '}') {
            ++i_;
            goto value_done;
          }
          return fail("expected ',' or '}'");
        case Want::kCommaOrEndArray:
          if (c == ',') {
            ++i_;
            stack.push_back(Want::kCommaOrEndArray);
            want = Want::kValue;
            continue;
          }
          if (c == ']') {
            ++i_;
            goto value_done;
          }
          return fail("expected ',' or ']'");
      }
    value_done:
      if (stack.empty()) {
        done = true;
      } else {
        want = stack.back();
        stack.pop_back();
      }
    }
  }

 private:
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  std::optional<JsonSyntaxError> fail(const std::string& what) const {
    return JsonSyntaxError{i_, what};
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  std::optional<JsonSyntaxError> string() {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return std::nullopt;
      }
      if (c < 0x20) return fail("control character inside a string");
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) break;
        const char e = s_[i_];
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k) {
            if (i_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_ + k]))) {
              i_ += k;
              return fail("bad \\u escape");
            }
          }
          i_ += 4;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return fail("bad escape sequence");
        }
      }
      ++i_;
    }
    return fail("unterminated string (truncated document?)");
  }
  std::optional<JsonSyntaxError> number() {
    auto digits = [&] {
      size_t n = 0;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_, ++n;
      return n;
    };
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      return fail("malformed number");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return fail("malformed number");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return fail("malformed number");
    }
    return std::nullopt;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text) {
  return Scanner(text).run();
}

}  // namespace ghmdet
