// GroupSampler: orientation-pure chunks, coverage, determinism, and sharding across ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "ghmdet/core/error.h"
#include "ghmdet/data/sampler.h"
#include "ghmdet_test_paths.h"

#include <fstream>
#include <nlohmann/json.hpp>

namespace ghmdet {
namespace {

std::vector<int> make_groups(int n0, int n1) {
  std::vector<int> g;
  for (int i = 0; i < n0 + n1; ++i) g.push_back(i % 3 == 0 && n1 > 0 ? 1 : 0);
  // Exactly n1 ones: fix counts.
  g.assign(n0 + n1, 0);
  for (int i = 0; i < n1; ++i) g[(i * 7) % (n0 + n1)] = 1;
  return g;
}

TEST(GroupSampler, ChunksShareOrientationAndCoverEveryImage) {
  const auto groups = make_groups(11, 6);
  ASSERT_EQ(std::count(groups.begin(), groups.end(), 1), 6);
  GroupSamplerOptions o;
  o.samples_per_gpu = 2;
  const GroupSampler s(groups, o);
  // ceil(11/2)*2 + ceil(6/2)*2 = 12 + 6.
  EXPECT_EQ(s.size(), 18);
  const auto idx = s.indices(0);
  ASSERT_EQ(static_cast<int64_t>(idx.size()), s.size());
  for (size_t k = 0; k < idx.size(); k += 2) EXPECT_EQ(groups[idx[k]], groups[idx[k + 1]]);
  std::set<int64_t> seen(idx.begin(), idx.end());
  EXPECT_EQ(seen.size(), groups.size());
  // Deterministic per epoch; different epochs differ.
  EXPECT_EQ(s.indices(0), idx);
  EXPECT_NE(s.indices(1), idx);
  GroupSamplerOptions o2 = o;
  o2.seed = 5;
  EXPECT_NE(GroupSampler(groups, o2).indices(0), idx);
}

TEST(GroupSampler, RanksTakeDisjointSlicesOfOneOrder) {
  const auto groups = make_groups(23, 14);
  GroupSamplerOptions o;
  o.samples_per_gpu = 2;
  o.num_replicas = 4;
  std::vector<int64_t> joined;
  for (int64_t r = 0; r < 4; ++r) {
    o.rank = r;
    const GroupSampler s(groups, o);
    // Each group padded to a multiple of 2 x 4: 24 + 16 = 40 -> 10 per rank.
    EXPECT_EQ(s.size(), 10);
    const auto idx = s.indices(3);
    for (size_t k = 0; k < idx.size(); k += 2) EXPECT_EQ(groups[idx[k]], groups[idx[k + 1]]);
    joined.insert(joined.end(), idx.begin(), idx.end());
  }
  std::map<int64_t, int> count;
  for (int64_t i : joined) ++count[i];
  EXPECT_EQ(count.size(), groups.size());  // every image somewhere
  int repeats = 0;
  for (auto& [i, c] : count) repeats += c - 1;
  EXPECT_EQ(repeats, 40 - 37);  // only the padding repeats
}

TEST(GroupSampler, MatchesTheReferenceAlgorithmWrittenOut) {
  // An independent transcription of the reference's DistributedGroupSampler.__iter__ for one
  // group layout, using the same libtorch generator.
  const std::vector<int> groups = {0, 1, 1, 0, 0, 1, 0, 0, 1};
  const int64_t spg = 2, world = 2, epoch = 7;
  auto g = at::detail::createCPUGenerator(epoch);
  std::vector<int64_t> indices;
  for (int grp = 0; grp < 2; ++grp) {
    std::vector<int64_t> ind;
    for (size_t i = 0; i < groups.size(); ++i)
      if (groups[i] == grp) ind.push_back(static_cast<int64_t>(i));
    const auto perm = torch::randperm(static_cast<int64_t>(ind.size()), g, torch::kInt64);
    std::vector<int64_t> shuffled;
    for (int64_t k = 0; k < perm.size(0); ++k) shuffled.push_back(ind[perm[k].item<int64_t>()]);
    const int64_t size = static_cast<int64_t>(ind.size());
    const int64_t extra = (size + spg * world - 1) / (spg * world) * spg * world - size;
    for (int64_t k = 0; k < extra; ++k) shuffled.push_back(shuffled[k]);
    indices.insert(indices.end(), shuffled.begin(), shuffled.end());
  }
  const auto chunk_perm = torch::randperm(static_cast<int64_t>(indices.size()) / spg, g, torch::kInt64);
  std::vector<int64_t> ordered;
  for (int64_t k = 0; k < chunk_perm.size(0); ++k)
    for (int64_t j = 0; j < spg; ++j) ordered.push_back(indices[chunk_perm[k].item<int64_t>() * spg + j]);
  GroupSamplerOptions o;
  o.samples_per_gpu = spg;
  o.num_replicas = world;
  o.rank = 1;
  const GroupSampler s(groups, o);
  const std::vector<int64_t> expected(ordered.begin() + s.size(), ordered.begin() + 2 * s.size());
  EXPECT_EQ(s.indices(epoch), expected);
}

// Fixture: the reference's sampler run by python3-torch (scripts/fixtures/make_data_fixtures.py).
TEST(GroupSampler, EqualsTheReferenceRunByPyTorch) {
  std::ifstream f(std::string(GHMDET_FIXTURES_DIR) + "/data/group_sampler.json");
  ASSERT_TRUE(f.good());
  const auto fixture = nlohmann::json::parse(f);
  const auto groups = fixture["flags"].get<std::vector<int>>();
  ASSERT_GT(fixture["cases"].size(), 10u);
  for (const auto& c : fixture["cases"]) {
    GroupSamplerOptions o;
    o.samples_per_gpu = c["samples_per_gpu"].get<int64_t>();
    o.num_replicas = c["num_replicas"].get<int64_t>();
    o.rank = c["rank"].get<int64_t>();
    const GroupSampler s(groups, o);
    EXPECT_EQ(s.indices(c["epoch"].get<int64_t>()), c["indices"].get<std::vector<int64_t>>()) << c.dump();
  }
}

TEST(GroupSampler, BadOptionsAreErrors) {
  GroupSamplerOptions o;
  o.rank = 2;
  o.num_replicas = 2;
  EXPECT_THROW(GroupSampler({0, 1}, o), Error);
  EXPECT_THROW(GroupSampler(std::vector<int>{}, GroupSamplerOptions{}), Error);
}

TEST(SequentialSampler, VisitsInOrder) {
  EXPECT_EQ(SequentialSampler(4).indices(9), (std::vector<int64_t>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace ghmdet
