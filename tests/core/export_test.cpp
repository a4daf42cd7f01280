#include <gtest/gtest.h>

#include <sstream>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {
std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
}  // namespace

TEST(Export, CsvHasOneRowPerTrialWithEveryColumn) {
  auto study = Study::create({.name = "exp", .log_level = LogLevel::Silent});
  study.enqueue_trial({{"kernel", std::string("rbf")}, {"C", 2.0}});
  study.enqueue_trial({{"kernel", std::string("linear")}, {"C", 1.0}});
  study.optimize(
      [](Trial& t) -> double {
        const auto k = t.suggest_categorical("kernel", {"linear", "rbf"});
        const double c = t.suggest_float("C", 1, 10);
        t.set_user_attr("note", "has, comma \"quoted\"");
        if (k == "linear") throw std::runtime_error("no, thanks");
        return c;
      },
      {.n_trials = 2});
  std::ostringstream out;
  study.write_trials_csv(out);
  const auto rows = lines(out.str());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0],
            "number,state,value,params_C,params_kernel,datetime_start,datetime_complete,duration_s,"
            "user_attrs_note,fail_reason");
  EXPECT_EQ(rows[1].rfind("0,complete,2,2,rbf,", 0), 0u) << rows[1];
  EXPECT_NE(rows[1].find(",\"has, comma \"\"quoted\"\"\","), std::string::npos) << rows[1];
  EXPECT_EQ(rows[2].rfind("1,failed,,1,linear,", 0), 0u) << rows[2];
  EXPECT_NE(rows[2].find("\"the objective threw std::runtime_error: no, thanks\""),
            std::string::npos);
}

TEST(Export, JsonCarriesValuesParamsAndAttributes) {
  auto study = Study::create({.name = "exp-json",
                              .directions = {Direction::Minimize, Direction::Maximize},
                              .log_level = LogLevel::Silent});
  auto t = study.ask();
  t.suggest_int("layers", 1, 4);
  t.report(1, 0.5);
  t.set_user_attr("n", 3);
  study.tell(t, std::vector<double>{1.5, 2.5});
  const auto j = study.trials_json();
  EXPECT_EQ(j["study"], "exp-json");
  EXPECT_EQ(j["directions"], nlohmann::json({"minimize", "maximize"}));
  const auto& row = j["trials"][0];
  EXPECT_EQ(row["state"], "complete");
  EXPECT_EQ(row["values"], nlohmann::json({1.5, 2.5}));
  EXPECT_TRUE(row["params"]["layers"].is_number_integer());
  EXPECT_EQ(row["distributions"]["layers"]["type"], "int");
  EXPECT_EQ(row["intermediate_values"]["1"], 0.5);
  EXPECT_EQ(row["user_attrs"]["n"], 3);
  EXPECT_TRUE(row["fail_reason"].is_null());
  EXPECT_TRUE(row["duration_s"].is_number());
  EXPECT_EQ(row["datetime_start"].get<std::string>().size(), 24u);  // 2026-01-01T00:00:00.000Z
}
