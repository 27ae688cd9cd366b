// `ghmdet make-dataset fashion-mnist --out DIR`: composes the demo detection dataset.
#include <iostream>

#include "../command.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/fashion_mnist_scenes.h"

namespace {

std::function<int()> setup(CLI::App& sub) {
  auto o = std::make_shared<ghmdet::FashionMnistScenesOptions>();
  auto kind = std::make_shared<std::string>();
  auto size = std::make_shared<std::string>("160x160");
  sub.add_option("kind", *kind, "Which dataset to make")->required()->check(CLI::IsMember({"fashion-mnist"}));
  sub.add_option("--out", o->out, "Output folder (created atomically)")->required();
  sub.add_option("--train", o->train, "Number of training scenes")->capture_default_str();
  sub.add_option("--val", o->val, "Number of validation scenes")->capture_default_str();
  sub.add_option("--size", *size, "Scene size HxW")->capture_default_str();
  sub.add_option("--seed", o->seed, "Random seed")->capture_default_str();
  sub.add_option("--min-items", o->min_items, "Fewest items per scene")->capture_default_str();
  sub.add_option("--max-items", o->max_items, "Most items per scene")->capture_default_str();
  sub.add_option("--source", o->source, "Folder of the Fashion-MNIST .gz files")->capture_default_str();
  sub.add_option("--jpeg-quality", o->jpeg_quality, "JPEG quality")->capture_default_str();
  sub.add_flag("--overwrite", o->overwrite, "Replace an existing output folder");
  return [o, kind, size] {  // CLI11 writes into these after setup returns: keep them alive
    const auto x = size->find('x');
    try {
      if (x == std::string::npos) throw ghmdet::Error("--size: expected HxW, found '" + *size + "'");
      o->height = std::stoll(size->substr(0, x));
      o->width = std::stoll(size->substr(x + 1));
    } catch (const std::logic_error&) {
      throw ghmdet::Error("--size: expected HxW, found '" + *size + "'");
    }
    const auto s = ghmdet::make_fashion_mnist_scenes(*o);
    std::cout << "wrote " << o->out << ": " << s.train_images << " train scenes (" << s.train_boxes << " boxes), "
              << s.val_images << " val scenes (" << s.val_boxes << " boxes)\n";
    return 0;
  };
}

}  // namespace

GHMDET_REGISTER_COMMAND("make-dataset", "Make the Fashion-MNIST detection scenes (COCO JSON + VOC XML)", setup);
