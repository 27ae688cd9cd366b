// Counter-based random draws: a uniform number that is a pure function of its key, so data
// augmentation gives the same result whatever worker thread decodes an image, and in whatever
// order (the reference's global np.random state cannot be reproduced across threads anyway).
#pragma once

#include <cstdint>

namespace ghmdet {

// SplitMix64 finaliser: a bijective, well-mixed 64-bit hash.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline uint64_t draw_key(uint64_t seed, int64_t epoch, int64_t index, uint64_t stream) {
  uint64_t h = mix64(seed);
  h = mix64(h ^ static_cast<uint64_t>(epoch));
  h = mix64(h ^ static_cast<uint64_t>(index));
  return mix64(h ^ stream);
}

// Uniform in [0, 1) with 53 random bits.
inline double uniform01(uint64_t key) { return static_cast<double>(key >> 11) * 0x1.0p-53; }

}  // namespace ghmdet
