// Edit distances between short strings, for "did you mean ...?" suggestions.
//
// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// adjacent characters each cost 1 ("mommentum" -> "momentum" is 1, "lr_cnofig" -> "lr_config"
// is 1). Meant for identifiers (O(n*m) time and memory).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ghmdet {

size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `word`, if it is close enough to be a plausible typo: at most
// max(2, word.size() / 3) edits away. Ties go to the earliest candidate.
std::optional<std::string> nearest_word(const std::string& word,
                                        const std::vector<std::string>& candidates);

}  // namespace ghmdet
