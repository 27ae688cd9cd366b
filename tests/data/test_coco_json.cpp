// read_coco_json: content of a valid file, and a located ghmdet::Error for each kind of bad input.
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_json.h"
#include "temp_dir.h"

namespace ghmdet {
namespace {

using testing::TempDir;

const char* kValid = R"({
  "info": {"year": 2017},
  "images": [
    {"id": 7, "file_name": "a.jpg", "width": 640, "height": 480, "license": 3},
    {"file_name": "b\u00e9.jpg", "height": 20, "width": 30, "id": 9}
  ],
  "annotations": [
    {"id": 100, "image_id": 7, "category_id": 18, "bbox": [1, 2.5, 30, 40], "area": 1100.5,
     "iscrowd": 0, "segmentation": [[1, 2, 3, 4, 5, 6]]},
    {"image_id": 9, "category_id": 1, "bbox": [0, 0, 5, 6], "iscrowd": true, "ignore": 1,
     "segmentation": {"counts": "abc", "size": [20, 30]}}
  ],
  "categories": [{"id": 18, "name": "dog", "supercategory": "animal"}, {"id": 1, "name": "person"}]
})";

std::string error_of(const std::string& text) {
  TempDir dir;
  const std::string path = dir.write("ann.json", text);
  try {
    read_coco_json(path);
  } catch (const Error& e) {
    std::string msg = e.what();
    // Replace the temporary path so tests compare stable text.
    const auto at = msg.find(path);
    EXPECT_EQ(at, 0u) << "message does not start with the file: " << msg;
    if (at != std::string::npos) msg.replace(at, path.size(), "FILE");
    return msg;
  }
  ADD_FAILURE() << "no error for: " << text;
  return "";
}

TEST(CocoJson, ReadsAllFieldsAndDefaults) {
  TempDir dir;
  const CocoJson coco = read_coco_json(dir.write("ann.json", kValid));
  ASSERT_EQ(coco.images.size(), 2u);
  EXPECT_EQ(coco.images[0].id, 7);
  EXPECT_EQ(coco.images[0].file_name, "a.jpg");
  EXPECT_EQ(coco.images[0].width, 640);
  EXPECT_EQ(coco.images[0].height, 480);
  EXPECT_EQ(coco.images[1].file_name, "b\xc3\xa9.jpg");
  EXPECT_EQ(coco.images[1].width, 30);
  EXPECT_EQ(coco.images[1].height, 20);
  ASSERT_EQ(coco.annotations.size(), 2u);
  const CocoAnnotation& a = coco.annotations[0];
  EXPECT_EQ(a.id, 100);
  EXPECT_EQ(a.image_id, 7);
  EXPECT_EQ(a.category_id, 18);
  EXPECT_EQ(a.bbox, (std::array<double, 4>{1, 2.5, 30, 40}));
  EXPECT_DOUBLE_EQ(a.area, 1100.5);
  EXPECT_FALSE(a.iscrowd);
  EXPECT_FALSE(a.ignore);
  const CocoAnnotation& b = coco.annotations[1];
  EXPECT_EQ(b.id, 2);             // default: 1-based position
  EXPECT_DOUBLE_EQ(b.area, 30);   // default: w * h
  EXPECT_TRUE(b.iscrowd);
  EXPECT_TRUE(b.ignore);
  ASSERT_EQ(coco.categories.size(), 2u);
  EXPECT_EQ(coco.categories[0].name, "dog");
  EXPECT_EQ(coco.categories[0].supercategory, "animal");
  EXPECT_EQ(coco.categories[1].id, 1);
  EXPECT_EQ(coco.categories[1].supercategory, "");
}

TEST(CocoJson, AnnotationsAreOptional) {
  TempDir dir;
  const CocoJson coco = read_coco_json(dir.write(
      "ann.json", R"({"images": [{"id": 1, "file_name": "x.jpg", "width": 4, "height": 4}], "categories": []})"));
  EXPECT_EQ(coco.images.size(), 1u);
  EXPECT_TRUE(coco.annotations.empty());
}

TEST(CocoJson, MissingFileNamesThePath) {
  TempDir dir;
  const std::string path = dir.file("nope.json");
  try {
    read_coco_json(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cannot read"), std::string::npos) << e.what();
  }
}

// Builds a one-image, one-category file whose single annotation is `ann` (line 3).
std::string with_annotation(const std::string& ann) {
  return "{\"images\": [{\"id\": 1, \"file_name\": \"x.jpg\", \"width\": 50, \"height\": 40}],\n"
         "\"categories\": [{\"id\": 3, \"name\": \"cat\"}],\n"
         "\"annotations\": [\n" + ann + "\n]}";
}

TEST(CocoJson, BadFieldsAreNamedWithLineAndColumn) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {with_annotation(R"(  {"image_id": 1, "category_id": 3, "bbox": [1, 2, 3]})"),
       "FILE:4:45: annotations[0].bbox: expected 4 numbers, found 3"},
      {with_annotation(R"(  {"image_id": 1, "category_id": 3, "bbox": [1, 2, 3, 4, 5]})"),
       "FILE:4:45: annotations[0].bbox: expected 4 numbers"},
      {with_annotation(R"(  {"image_id": 1, "category_id": 3, "bbox": [1, "2", 3, 4]})"),
       "FILE:4:45: annotations[0].bbox: expected 4 numbers"},
      {with_annotation(R"(  {"image_id": 1, "category_id": 3, "bbox": "1 2 3 4"})"),
       "FILE:4:45: annotations[0].bbox: expected 4 numbers"},
      {with_annotation(R"(  {"image_id": 1, "category_id": 3})"),
       "FILE:4:3: annotations[0]: missing field 'bbox'"},
      {with_annotation(R"(  {"category_id": 3, "bbox": [1, 2, 3, 4]})"),
       "FILE:4:3: annotations[0]: missing field 'image_id'"},
      {with_annotation(R"(  {"image_id": "1", "category_id": 3, "bbox": [1, 2, 3, 4]})"),
       "FILE:4:16: annotations[0].image_id: expected an integer, found '\"1\"'"},
      {with_annotation(R"(  {"image_id": 2, "category_id": 3, "bbox": [1, 2, 3, 4]})"),
       "FILE:4:3: annotations[0].image_id: unknown image id 2"},
      {with_annotation(R"(  {"image_id": 1, "category_id": 4, "bbox": [1, 2, 3, 4]})"),
       "FILE:4:3: annotations[0].category_id: unknown category id 4"},
      {with_annotation(R"(  {"image_id": 1, "category_id": 3, "bbox": [1, 2, 3, 4], "iscrowd": 2})"),
       "FILE:4:70: annotations[0].iscrowd: expected 0, 1, true or false, found 2"},
      {with_annotation(R"(  7)"), "FILE:4:3: annotations[0]: expected an object, found '7'"},
      {R"({"images": [{"id": 1, "file_name": "x.jpg", "width": 50}], "categories": []})",
       "FILE:1:13: images[0]: missing field 'height'"},
      {R"({"images": [{"id": 1, "file_name": "x.jpg", "width": 50, "height": 0}], "categories": []})",
       "FILE:1:13: images[0]: width and height must be positive, found 50x0"},
      {R"({"images": [{"id": 1, "file_name": 5, "width": 5, "height": 5}], "categories": []})",
       "FILE:1:36: images[0].file_name: expected a string, found '5'"},
      {R"({"images": [{"id": 1, "file_name": "a", "width": 5, "height": 5},
                      {"id": 1, "file_name": "b", "width": 5, "height": 5}], "categories": []})",
       "FILE:2:23: images[1].id: duplicate image id 1 (also images[0])"},
      {R"({"images": [], "categories": [{"id": 1}]})", "FILE:1:31: categories[0]: missing field 'name'"},
      {R"({"images": []})", "FILE:1:1: <root>: missing field 'categories'"},
      {R"({"images": {}, "categories": []})", "FILE:1:12: images: expected an array, found '{'"},
      {R"([1, 2])", "FILE:1:1: <root>: expected a JSON object"},
  };
  for (const Case& c : cases) EXPECT_EQ(error_of(c.text), c.expected) << c.text;
}

TEST(CocoJson, MalformedJsonIsLocated) {
  // Missing comma between two annotations (line 4, column 59 is the second "{").
  EXPECT_EQ(error_of(with_annotation(R"(  {"image_id": 1, "category_id": 3, "bbox": [1, 2, 3, 4]} {})")),
            "FILE:4:59: malformed JSON: expected ',' or ']'");
  // Truncated in the middle of the file.
  const std::string full = kValid;
  const std::string cut = full.substr(0, full.find("\"categories\""));
  const std::string msg = error_of(cut);
  EXPECT_NE(msg.find("malformed JSON: unexpected end of file"), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("FILE:", 0), 0u);
  // Truncated inside a skipped segmentation string.
  const std::string msg2 = error_of(full.substr(0, full.find("abc") + 2));
  EXPECT_NE(msg2.find("unterminated string"), std::string::npos) << msg2;
  EXPECT_EQ(error_of(""), "FILE:1:1: malformed JSON: unexpected end of file (truncated document?)");
  EXPECT_EQ(error_of(R"({"images": [], "categories": []} x)"),
            "FILE:1:34: malformed JSON: unexpected text after the end of the document");
}

}  // namespace
}  // namespace ghmdet
