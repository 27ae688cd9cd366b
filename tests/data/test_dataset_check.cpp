// check_dataset reports every problem at once, naming file and field, and counts statistics.
#include <gtest/gtest.h>

#include "ghmdet/data/dataset_check.h"
#include "tiny_dataset.h"

namespace ghmdet {
namespace {

using testing::TempDir;

bool has(const DatasetCheckReport& r, const std::string& part) {
  for (const auto& p : r.problems)
    if (p.find(part) != std::string::npos) return true;
  return false;
}

TEST(CheckDataset, CocoReportsEveryProblem) {
  TempDir dir;
  testing::write_image(dir, "img/a.png", 40, 60);
  testing::write_image(dir, "img/c.png", 30, 30);  // annotation says 40x40
  dir.write("img/d.png", "not an image");
  const std::string ann = dir.write("ann.json", R"({"images": [
    {"id": 1, "file_name": "a.png", "width": 60, "height": 40},
    {"id": 2, "file_name": "b.png", "width": 60, "height": 40},
    {"id": 3, "file_name": "c.png", "width": 40, "height": 40},
    {"id": 4, "file_name": "d.png", "width": 40, "height": 40}],
   "annotations": [
    {"image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10]},
    {"image_id": 1, "category_id": 9, "bbox": [1, 1, 10, 10]},
    {"image_id": 7, "category_id": 1, "bbox": [1, 1, 10, 10]},
    {"image_id": 1, "category_id": 2, "bbox": [50, 1, 20, 10]},
    {"image_id": 1, "category_id": 2, "bbox": [5, 5, 0, 3]},
    {"image_id": 3, "category_id": 2, "bbox": [0, 0, 40, 40], "iscrowd": 1}],
   "categories": [{"id": 2, "name": "b"}, {"id": 1, "name": "a"}]})");
  DatasetOptions o;
  o.ann_files = {ann};
  o.img_prefixes = {dir.file("img")};
  const DatasetCheckReport r = check_dataset("CocoDataset", o);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "annotations[1].category_id: unknown category id 9"));
  EXPECT_TRUE(has(r, "annotations[2].image_id: unknown image id 7"));
  EXPECT_TRUE(has(r, "annotations[3].bbox: box [50, 1, 69, 10] leaves the 60x40 image"));
  EXPECT_TRUE(has(r, "annotations[4].bbox: inverted or empty box"));
  EXPECT_TRUE(has(r, "b.png: image file not found"));
  EXPECT_TRUE(has(r, "c.png: decoded size 30x30 differs from the annotation's 40x40"));
  EXPECT_TRUE(has(r, "d.png: cannot decode the image"));
  EXPECT_EQ(r.problem_count, 7);
  EXPECT_EQ(r.images, 4);
  EXPECT_EQ(r.images_without_boxes, 3);
  EXPECT_EQ(r.boxes, 2);  // the valid one and the one leaving the image
  EXPECT_EQ(r.ignored_boxes, 1);
  EXPECT_EQ(r.class_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.boxes_per_class, (std::vector<int64_t>{1, 1}));
  // sqrt(10 * 10) = 10 and sqrt(20 * 10) = 14.1: both in [8, 16).
  EXPECT_EQ(r.size_histogram[1], 2);
  EXPECT_EQ(r.size_histogram[0] + r.size_histogram[2], 0);
}

TEST(CheckDataset, EmptySplitAndBrokenFiles) {
  TempDir dir;
  DatasetOptions o;
  o.ann_files = {dir.write("empty.json", R"({"images": [], "categories": []})")};
  o.img_prefixes = {""};
  DatasetCheckReport r = check_dataset("CocoDataset", o);
  EXPECT_TRUE(has(r, "empty.json: empty split (no images)"));
  o.ann_files = {dir.write("broken.json", "{\"images\": [")};
  r = check_dataset("CocoDataset", o);
  EXPECT_TRUE(has(r, "broken.json:1:13: malformed JSON"));
  // VOC: a malformed XML and an unknown class are both reported; the list goes on.
  dir.write("VOC/list.txt", "a\nb\n");
  dir.write("VOC/Annotations/a.xml", "<annotation><size><width>5</width>");
  dir.write("VOC/Annotations/b.xml",
            "<annotation><size><width>50</width><height>50</height></size><object><name>unicorn</name>"
            "<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>4</xmax><ymax>4</ymax></bndbox></object></annotation>");
  o.ann_files = {dir.file("VOC/list.txt")};
  o.img_prefixes = {dir.file("VOC")};
  r = check_dataset("VOCDataset", o, {.decode_images = false});
  EXPECT_TRUE(has(r, "a.xml:1:34: malformed XML")) << r.summary();
  EXPECT_TRUE(has(r, "b.xml: object[0].name: unknown class 'unicorn'"));
  EXPECT_TRUE(has(r, "b.jpg: image file not found"));
  EXPECT_EQ(r.problem_count, 3);
}

// check-dataset reads images as training does: truncated files and images over the split's
// max_image_pixels are problems naming the file.
TEST(CheckDataset, TruncatedAndOversizedImages) {
  TempDir dir;
  testing::write_image(dir, "img/a.png", 40, 60);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", testing::pattern_image(40, 60), jpeg);
  dir.write("img/t.jpg", std::string(jpeg.begin(), jpeg.begin() + jpeg.size() / 2));
  const std::string ann = dir.write("ann.json", R"({"images": [
    {"id": 1, "file_name": "a.png", "width": 60, "height": 40},
    {"id": 2, "file_name": "t.jpg", "width": 60, "height": 40}],
   "annotations": [], "categories": [{"id": 1, "name": "a"}]})");
  DatasetOptions o;
  o.ann_files = {ann};
  o.img_prefixes = {dir.file("img")};
  DatasetCheckReport r = check_dataset("CocoDataset", o);
  EXPECT_EQ(r.problem_count, 1);
  EXPECT_TRUE(has(r, "t.jpg: cannot decode the image: the JPEG data stops before its end-of-image marker"));
  o.max_image_pixels = 2399;  // a.png has 2400
  r = check_dataset("CocoDataset", o);
  EXPECT_EQ(r.problem_count, 2);
  EXPECT_TRUE(has(r, "a.png: declares 60x40 pixels, more than max_image_pixels (2399)"));
}

}  // namespace
}  // namespace ghmdet
