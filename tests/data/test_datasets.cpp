// CocoDataset and VOCDataset: labels, the +1 box convention, filtering, crowd / difficult,
// replacement of images without boxes, and errors naming the file and field.
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_dataset.h"
#include "ghmdet/data/voc_dataset.h"
#include "tiny_dataset.h"

namespace ghmdet {
namespace {

using testing::TempDir;

DatasetOptions coco_options(const TempDir& dir, const std::string& ann, bool test_mode) {
  DatasetOptions o;
  o.ann_files = {ann};
  o.img_prefixes = {dir.file("img")};
  o.transform.img_scales = {{128, 64}};
  o.test_mode = test_mode;
  o.with_crowd = true;
  return o;
}

torch::Tensor boxes(std::initializer_list<float> v) {
  return torch::tensor(std::vector<float>(v)).reshape({-1, 4});
}

TEST(CocoDataset, LabelsBoxesAndTrainingFilter) {
  TempDir dir;
  const CocoDataset ds(coco_options(dir, testing::write_tiny_coco(dir), /*test_mode=*/false));
  EXPECT_EQ(ds.class_names(), (std::vector<std::string>{"cat", "dog"}));  // sorted ids 2, 5
  EXPECT_EQ(ds.category_ids(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(ds.label_of(5), 1);
  EXPECT_EQ(ds.category_id(0), 2);
  EXPECT_THROW(ds.label_of(3), Error);
  // Kept: 1 (boxes), 2 (crowd only, but annotated), 5. Dropped: 3 (min side 20), 4 (no annotation).
  ASSERT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.info(0).image_id, 1);
  EXPECT_EQ(ds.info(1).image_id, 2);
  EXPECT_EQ(ds.info(2).image_id, 5);
  EXPECT_EQ(ds.info(0).file, dir.file("img/a.png"));
  EXPECT_EQ(ds.info(0).aspect_group(), 1);
  EXPECT_EQ(ds.info(1).aspect_group(), 0);
  const Annotations& a = ds.annotations(0);
  // [x, y, x + w - 1, y + h - 1]; the 0.5-wide box is skipped; the crowd box is ignored.
  EXPECT_TRUE(torch::equal(a.boxes, boxes({10, 5, 29, 14, 0, 0, 59, 39})));
  EXPECT_TRUE(torch::equal(a.labels, torch::tensor({1, 0}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(a.boxes_ignore, boxes({30, 20, 39, 29})));
  EXPECT_EQ(ds.annotations(1).boxes.size(0), 0);
  EXPECT_EQ(ds.annotations(1).boxes_ignore.size(0), 1);
  // Image 5: the area-0 annotation is skipped.
  EXPECT_TRUE(torch::equal(ds.annotations(2).boxes, boxes({4, 6, 11, 14})));
}

TEST(CocoDataset, TestModeKeepsEveryImage) {
  TempDir dir;
  const CocoDataset ds(coco_options(dir, testing::write_tiny_coco(dir), /*test_mode=*/true));
  ASSERT_EQ(ds.size(), 5);
  EXPECT_EQ(ds.info(3).image_id, 4);
  EXPECT_EQ(ds.annotations(3).boxes.size(0), 0);
  const Sample s = ds.get(3);
  EXPECT_EQ(s.meta.image_id, 4);
  EXPECT_FALSE(s.meta.flip);
  EXPECT_EQ(s.meta.ori_shape, (std::array<int64_t, 2>{64, 48}));
}

TEST(CocoDataset, GetTransformsBoxesWithTheImage) {
  TempDir dir;
  DatasetOptions o = coco_options(dir, testing::write_tiny_coco(dir), false);
  o.transform.flip_ratio = 0.5;
  const CocoDataset ds(o);
  int flips = 0;
  for (int64_t epoch = 0; epoch < 16; ++epoch) {
    const Sample s = ds.get(0, epoch);
    // 60x40 to (128, 64): s = min(128/60, 64/40) = 1.6 -> 96 x 64, padded to 96 x 64.
    EXPECT_EQ(s.meta.img_shape, (std::array<int64_t, 2>{64, 96}));
    EXPECT_EQ(s.image.sizes(), (std::vector<int64_t>{3, 64, 96}));
    EXPECT_DOUBLE_EQ(s.meta.scale_factor, 1.6);
    const torch::Tensor expected =
        s.meta.flip ? boxes({96 - 29 * 1.6f - 1, 8, 96 - 16 - 1, 14 * 1.6f, 96 - 59 * 1.6f - 1, 0, 95, 39 * 1.6f})
                    : boxes({16, 8, 29 * 1.6f, 14 * 1.6f, 0, 0, 59 * 1.6f, 39 * 1.6f});
    EXPECT_TRUE(torch::allclose(s.gt_boxes, expected)) << s.gt_boxes;
    EXPECT_EQ(s.gt_boxes_ignore.size(0), 1);
    flips += s.meta.flip;
    // Same (seed, epoch, index) -> same draw.
    EXPECT_EQ(ds.get(0, epoch).meta.flip, s.meta.flip);
  }
  EXPECT_GT(flips, 2);
  EXPECT_LT(flips, 14);
}

TEST(CocoDataset, ImageWithoutBoxesIsReplacedBySameOrientation) {
  TempDir dir;
  const CocoDataset ds(coco_options(dir, testing::write_tiny_coco(dir), false));
  // Image index 1 (b.png, portrait, crowd only): the only other portrait image was filtered
  // out, so no replacement exists in group 0.
  try {
    ds.get(1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("b.png: has no boxes"), std::string::npos) << e.what();
  }
  // A landscape image without boxes is replaced by a landscape one with boxes, deterministically.
  TempDir dir2;
  testing::write_image(dir2, "img/a.png", 40, 60);
  testing::write_image(dir2, "img/b.png", 40, 64);
  testing::write_image(dir2, "img/c.png", 40, 70);
  const std::string ann = dir2.write("ann.json", R"({"images": [
    {"id": 1, "file_name": "a.png", "width": 60, "height": 40},
    {"id": 2, "file_name": "b.png", "width": 64, "height": 40},
    {"id": 3, "file_name": "c.png", "width": 70, "height": 40}],
   "annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "iscrowd": 1},
                   {"image_id": 2, "category_id": 1, "bbox": [1, 1, 5, 5]},
                   {"image_id": 3, "category_id": 1, "bbox": [1, 1, 5, 5]}],
   "categories": [{"id": 1, "name": "x"}]})");
  const CocoDataset ds2(coco_options(dir2, ann, false));
  std::set<int64_t> used;
  for (int64_t epoch = 0; epoch < 12; ++epoch) {
    const int64_t r = ds2.resolve(0, epoch);
    EXPECT_TRUE(r == 1 || r == 2);
    EXPECT_EQ(ds2.resolve(0, epoch), r);
    used.insert(r);
    EXPECT_EQ(ds2.get(0, epoch).meta.image_id, r + 1);
  }
  EXPECT_EQ(used.size(), 2u);
  EXPECT_EQ(ds2.resolve(1, 3), 1);
}

TEST(CocoDataset, MissingImageIsNamedByGet) {
  TempDir dir;
  const std::string ann = testing::write_tiny_coco(dir);
  std::filesystem::remove(dir.file("img/e.png"));
  const CocoDataset ds(coco_options(dir, ann, false));
  try {
    ds.get(2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("e.png: image file not found"), std::string::npos) << e.what();
  }
}

// --- VOC ---

std::string voc_xml(const std::string& objects, int w = 50, int h = 40) {
  return "<annotation>\n  <filename>x.jpg</filename>\n  <size><width>" + std::to_string(w) +
         "</width><height>" + std::to_string(h) + "</height><depth>3</depth></size>\n" + objects +
         "</annotation>\n";
}
std::string voc_object(const std::string& name, int x1, int y1, int x2, int y2, int difficult) {
  return "  <object><name>" + name + "</name><difficult>" + std::to_string(difficult) +
         "</difficult><bndbox><xmin>" + std::to_string(x1) + "</xmin><ymin>" + std::to_string(y1) +
         "</ymin><xmax>" + std::to_string(x2) + "</xmax><ymax>" + std::to_string(y2) +
         "</ymax></bndbox></object>\n";
}

TEST(VOCDataset, ZeroBasedBoxesDifficultAndTwoRoots) {
  TempDir dir;
  dir.write("VOC2007/ImageSets/Main/trainval.txt", "000001\n000002\n");
  dir.write("VOC2007/Annotations/000001.xml",
            voc_xml(voc_object("dog", 10, 20, 30, 35, 0) + voc_object("person", 1, 1, 5, 5, 1)));
  dir.write("VOC2007/Annotations/000002.xml", voc_xml(voc_object("car", 1, 2, 3, 4, 0), 20, 20));
  dir.write("VOC2012/ImageSets/Main/trainval.txt", "2008_000003\n");
  dir.write("VOC2012/Annotations/2008_000003.xml", voc_xml(voc_object("tvmonitor", 2, 2, 40, 30, 0)));
  DatasetOptions o;
  o.ann_files = {dir.file("VOC2007/ImageSets/Main/trainval.txt"), dir.file("VOC2012/ImageSets/Main/trainval.txt")};
  o.img_prefixes = {dir.file("VOC2007"), dir.file("VOC2012")};
  const VOCDataset train(o);
  EXPECT_EQ(train.class_names().size(), 20u);
  EXPECT_EQ(train.class_names()[11], "dog");
  ASSERT_EQ(train.size(), 2);  // 000002 is 20x20 < 32
  EXPECT_EQ(train.info(0).file, dir.file("VOC2007/JPEGImages/000001.jpg"));
  EXPECT_EQ(train.info(1).file, dir.file("VOC2012/JPEGImages/2008_000003.jpg"));
  EXPECT_EQ(train.info(1).image_id, 1);
  const Annotations& a = train.annotations(0);
  EXPECT_TRUE(torch::equal(a.boxes, boxes({9, 19, 29, 34})));
  EXPECT_TRUE(torch::equal(a.labels, torch::tensor({11}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(a.boxes_ignore, boxes({0, 0, 4, 4})));
  EXPECT_TRUE(torch::equal(a.labels_ignore, torch::tensor({14}, torch::kInt64)));
  EXPECT_EQ(train.annotations(1).labels.item<int64_t>(), 19);
  o.test_mode = true;
  EXPECT_EQ(VOCDataset(o).size(), 3);
}

std::string voc_error(const std::string& xml) {
  TempDir dir;
  dir.write("VOC/list.txt", "a\n");
  const std::string path = dir.write("VOC/Annotations/a.xml", xml);
  DatasetOptions o;
  o.ann_files = {dir.file("VOC/list.txt")};
  o.img_prefixes = {dir.file("VOC")};
  try {
    VOCDataset ds(o);
  } catch (const Error& e) {
    std::string msg = e.what();
    if (msg.rfind(path, 0) == 0) msg.replace(0, path.size(), "FILE");
    return msg;
  }
  return "no error";
}

TEST(VOCDataset, ErrorsNameFileFieldAndPosition) {
  EXPECT_EQ(voc_error(voc_xml(voc_object("dragon", 1, 1, 5, 5, 0))),
            "FILE: object[0].name: unknown class 'dragon'");
  EXPECT_EQ(voc_error("<annotation>\n  <size><width>5</width>\n</annotation>"),
            "FILE:3:3: malformed XML: Start-end tags mismatch");
  EXPECT_EQ(voc_error("<annotation>\n<size><width>50</width><height>4x</height></size></annotation>"),
            "FILE:2:25: size.height: expected a number, found '4x'");
  EXPECT_EQ(voc_error(voc_xml("  <object><name>dog</name></object>\n")),
            "FILE:4:4: object[0]: missing element <bndbox>");
  EXPECT_EQ(voc_error("<x/>"), "FILE: missing root element <annotation>");
  TempDir dir;
  DatasetOptions o;
  o.ann_files = {dir.file("nope.txt")};
  o.img_prefixes = {dir.file("")};
  try {
    VOCDataset ds(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nope.txt: cannot read the image list"), std::string::npos);
  }
}

}  // namespace
}  // namespace ghmdet
