// The NAS example's table reader (bench/nas_table.hpp): lookups, the top-1 % threshold, and
// errors that name the file, the line and the architecture instead of a silent miss; and the
// committed table itself covers the whole space.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "nas_table.hpp"

namespace {

const char* const kHeader =
    "depth,width_1,width_2,width_3,activation,learning_rate_init,seed,accuracy,train_seconds\n";

std::string write_table(const std::string& body) {
  const std::string path = "/tmp/parzen-nas-table-" + std::to_string(getpid()) + ".csv";
  std::ofstream(path) << kHeader << body;
  return path;
}

std::string error_of(const std::string& body) {
  try {
    nas::Table table(write_table(body));
  } catch (const std::exception& e) {
    return e.what();
  }
  return "accepted";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(NasTable, LooksUpArchitecturesAndRefusesUnknownOnes) {
  const nas::Table table(
      write_table("1,8,,,relu,0.003,0,0.5,0.1\n1,8,,,relu,0.003,1,0.7,0.2\n"
                  "2,16,32,,tanh,0.03,0,0.9,0.3\n2,16,32,,tanh,0.03,1,0.8,0.4\n"));
  EXPECT_EQ(table.size(), 2u);
  const auto& e = table.at({.widths = {16, 32}, .activation = "tanh", .learning_rate_init = 0.03});
  EXPECT_DOUBLE_EQ(e.mean_accuracy(), 0.85);
  EXPECT_EQ(e.train_seconds, (std::vector<double>{0.3, 0.4}));
  EXPECT_DOUBLE_EQ(table.top_threshold(0.01), 0.85);  // at least one architecture
  EXPECT_DOUBLE_EQ(table.top_threshold(1.0), 0.6);
  try {
    table.at({.widths = {16}, .activation = "tanh", .learning_rate_init = 0.03});
    ADD_FAILURE() << "an architecture outside the table was found";
  } catch (const std::out_of_range& e) {
    EXPECT_TRUE(has(e.what(), "16 tanh lr=0.03 is not in the NAS table")) << e.what();
  }
}

TEST(NasTable, MalformedRowsNameTheFileAndLine) {
  EXPECT_TRUE(has(error_of("1,8,,,relu,0.003,0,0.5\n"), ".csv:2: 8 fields, expected 9"));
  EXPECT_TRUE(has(error_of("1,8,,,relu,0.003,0,0.5,0.1\n1,64,,,relu,0.003,0,0.5,0.1\n"),
                  ".csv:3: width_1 = 64 not in the space"));
  EXPECT_TRUE(has(error_of("1,8,16,,relu,0.003,0,0.5,0.1\n"), "width_2 given for depth 1"));
  EXPECT_TRUE(has(error_of("4,8,8,8,relu,0.003,0,0.5,0.1\n"), "depth 4 outside 1..3"));
  EXPECT_TRUE(has(error_of("1,8,,,selu,0.003,0,0.5,0.1\n"), "activation 'selu' not in the space"));
  EXPECT_TRUE(has(error_of("1,8,,,relu,0.003,0,x,0.1\n"), ".csv:2: not a number"));
  EXPECT_TRUE(has(error_of("1,8,,,relu,0.003,0,0.5,0.1\n1,8,,,relu,0.003,0,0.6,0.1\n"),
                  "seed 0 given twice"));
  EXPECT_TRUE(has(error_of("1,8,,,relu,0.003,0,0.5,0.1\n1,8,,,relu,0.003,1,0.5,0.1\n"
                           "1,16,,,relu,0.003,0,0.5,0.1\n"),
                  "has 1 seeds, others 2"));
  EXPECT_TRUE(has(error_of(""), "no rows"));
  EXPECT_TRUE(has(error_of("1,8,,,relu,0.003,0,0.5,0.1\n").substr(0, 8), "accepted"));
}

TEST(NasTable, TheCommittedTableCoversTheWholeSpaceWithThreeSeeds) {
  const nas::Table table(PARZEN_SOURCE_DIR "/examples/nas/table.csv");
  size_t expected = 0;
  for (int depth = 1; depth <= nas::kMaxDepth; ++depth) {
    size_t widths = 1;
    for (int k = 0; k < depth; ++k) widths *= nas::kWidths.size();
    expected += widths * nas::kActivations.size() * nas::kLearningRates.size();
  }
  EXPECT_EQ(table.size(), expected);
  for (const auto& [architecture, entry] : table.entries()) {
    ASSERT_EQ(entry.accuracy.size(), 3u) << nas::to_string(architecture);
    for (double a : entry.accuracy) {
      EXPECT_GT(a, 0.0);
      EXPECT_LE(a, 1.0);
    }
  }
}
