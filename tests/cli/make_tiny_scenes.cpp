// make_tiny_scenes OUT TRAIN VAL SIZE: a small Fashion-MNIST scene set for the CLI chain test,
// made through the library (the data layer's own tests cover the generator itself).
#include <cstdlib>
#include <exception>
#include <iostream>

#include "ghmdet/data/fashion_mnist_scenes.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: make_tiny_scenes OUT TRAIN VAL SIZE\n";
    return 2;
  }
  try {
    ghmdet::FashionMnistScenesOptions o;
    o.out = argv[1];
    o.train = std::atoll(argv[2]);
    o.val = std::atoll(argv[3]);
    o.height = o.width = std::atoll(argv[4]);
    o.seed = 3;
    o.overwrite = true;
    const auto s = ghmdet::make_fashion_mnist_scenes(o);
    std::cout << s.train_images << " train scenes, " << s.val_images << " val scenes\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
