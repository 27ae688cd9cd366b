// find_json_syntax_error: accepts valid JSON and points at the first bad byte otherwise.
#include <gtest/gtest.h>

#include "ghmdet/data/json_syntax.h"
#include "ghmdet/data/text_location.h"

namespace ghmdet {
namespace {

TEST(JsonSyntax, AcceptsValidDocuments) {
  for (const char* text : {"{}", "[]", " {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\"]} ",
                           "[[[]], {}, {\"b\": {}}]", "0", "\"s\""}) {
    EXPECT_FALSE(find_json_syntax_error(text).has_value()) << text;
  }
}

struct Case {
  const char* text;
  size_t offset;
  const char* message_part;
};

TEST(JsonSyntax, LocatesErrors) {
  const Case cases[] = {
      {"{\"a\": 1 \"b\": 2}", 8, "expected ',' or '}'"},
      {"[1, 2,]", 6, "expected a value"},
      {"{\"a\": [1, 2", 11, "unexpected end of file"},
      {"{\"a\": \"abc", 10, "unterminated string"},
      {"{\"a\" 1}", 5, "expected ':'"},
      {"{a: 1}", 1, "expected a string key"},
      {"[01]", 2, "expected ',' or ']'"},
      {"[1.]", 3, "malformed number"},
      {"{} x", 3, "after the end"},
      {"[tru]", 1, "expected a value"},
      {"[\"\\q\"]", 3, "bad escape"},
  };
  for (const Case& c : cases) {
    auto err = find_json_syntax_error(c.text);
    ASSERT_TRUE(err.has_value()) << c.text;
    EXPECT_EQ(err->offset, c.offset) << c.text;
    EXPECT_NE(err->message.find(c.message_part), std::string::npos) << c.text << " -> " << err->message;
  }
}

TEST(TextLocation, CountsLinesAndColumns) {
  const std::string text = "ab\ncd\r\nef";
  EXPECT_EQ(locate_offset(text, 0).str(), "1:1");
  EXPECT_EQ(locate_offset(text, 2).str(), "1:3");
  EXPECT_EQ(locate_offset(text, 3).str(), "2:1");
  EXPECT_EQ(locate_offset(text, 7).str(), "3:1");
  EXPECT_EQ(locate_offset(text, 100).str(), "3:3");  // clamped to the end
}

}  // namespace
}  // namespace ghmdet
