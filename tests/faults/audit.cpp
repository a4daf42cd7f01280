// The audit every fault scenario ends with (see fault_harness.hpp).

#include <map>
#include <set>

#include "fault_harness.hpp"
#include "parzen/distributions.hpp"
#include "parzen/storage.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen_faults {

namespace {

// retried_from, wherever the running code keeps it (system attributes; user attributes before
// issue 14's single retry mechanism).
std::optional<int64_t> retried_from(const parzen::FrozenTrial& t) {
  for (const auto* attrs : {&t.system_attrs, &t.user_attrs})
    if (attrs->contains(parzen::keys::retried_from) &&
        (*attrs)[parzen::keys::retried_from].is_number_integer())
      return (*attrs)[parzen::keys::retried_from].get<int64_t>();
  return std::nullopt;
}

std::string params_key(const parzen::FrozenTrial& t) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : t.params) j[name] = parzen::to_json(value);
  return j.dump();
}

}  // namespace

void audit(const fs::path& dir, const std::string& url, const std::string& study,
           const AuditOptions& options) {
  SCOPED_TRACE("audit of study '" + study + "'");
  // What the storage holds.
  std::vector<parzen::FrozenTrial> trials;
  {
    auto storage = parzen::make_storage(url);
    const auto id = storage->find_study(study);
    ASSERT_TRUE(id) << "no study " << study;
    trials = storage->trials_since(*id, 0).trials;
  }
  std::sort(trials.begin(), trials.end(),
            [](const auto& a, const auto& b) { return a.number < b.number; });

  // Numbers 0..N-1.
  for (size_t i = 0; i < trials.size(); ++i)
    EXPECT_EQ(trials[i].number, static_cast<int64_t>(i)) << "trial numbers have a gap";

  // Nothing left running or waiting; exactly the budget complete.
  int complete = 0;
  std::map<int64_t, const parzen::FrozenTrial*> by_number;
  for (const auto& t : trials) {
    by_number[t.number] = &t;
    EXPECT_TRUE(t.state != parzen::TrialState::Running && t.state != parzen::TrialState::Waiting)
        << "trial " << t.number << " is left " << parzen::to_string(t.state) << " (worker '"
        << t.worker << "') after every process ended";
    if (t.state == parzen::TrialState::Complete) ++complete;
    if (options.no_failed_trials) {
      EXPECT_NE(parzen::to_string(t.state), "failed")
          << "trial " << t.number << " failed: " << t.fail_reason;
    }
  }
  EXPECT_EQ(complete, options.n_trials) << "complete trials vs n_trials";

  // Each parameter set ran at most 1 + max_retries times: in the trials that hold it...
  std::map<std::string, int> trials_per_params;
  for (const auto& t : trials) ++trials_per_params[params_key(t)];
  for (const auto& [params, n] : trials_per_params)
    EXPECT_LE(n, 1 + options.max_retries)
        << "parameters " << params << " are in " << n << " trials";
  // ...and in the processes that really started (a late run of a trial failed meanwhile too).
  std::map<std::string, int> runs_per_x;
  for (const auto& line : lines_of(dir / "runs.log")) ++runs_per_x[line.substr(0, line.find(' '))];
  for (const auto& [x, n] : runs_per_x)
    EXPECT_LE(n, 1 + options.max_retries) << "x = " << x << " ran " << n << " times";

  // Each retry points to a failed trial with the same parameters.
  for (const auto& t : trials) {
    const auto from = retried_from(t);
    if (!from) continue;
    const auto it = by_number.find(*from);
    if (it == by_number.end()) {
      ADD_FAILURE() << "trial " << t.number << " retries trial " << *from << ", which is absent";
      continue;
    }
    EXPECT_EQ(params_key(*it->second), params_key(t))
        << "trial " << t.number << " retries trial " << *from << " with other parameters";
    EXPECT_EQ(parzen::to_string(it->second->state), "failed")
        << "trial " << t.number << " retries trial " << *from << ", which is "
        << parzen::to_string(it->second->state);
  }

  // Every printed result is stored, complete, with the printed value.
  if (options.results_kept) {
    for (const auto& line : lines_of(dir / "results.log")) {
      std::istringstream in(line);
      int64_t number = -1;
      std::string value;
      in >> number >> value;
      const auto it = by_number.find(number);
      if (it == by_number.end()) {
        ADD_FAILURE() << "trial " << number << " printed " << value << " but is not stored";
        continue;
      }
      const auto& t = *it->second;
      EXPECT_EQ(parzen::to_string(t.state), "complete")
          << "trial " << number << " printed its result " << value << " but is "
          << parzen::to_string(t.state) << " (" << t.fail_reason << "): the result was lost";
      if (t.state == parzen::TrialState::Complete && t.values.size() == 1) {
        EXPECT_EQ(t.values[0], std::stod(value)) << "trial " << number;
      }
    }
  }

  // The export equals the storage.
  const auto exported =
      run_command({kParzen, "trials", study, "--storage", url, "--format", "json"}, dir, "export");
  ASSERT_EQ(exported.status, 0) << exported.err;
  const auto j = nlohmann::json::parse(exported.out);
  ASSERT_EQ(j.at("trials").size(), trials.size()) << "the export's trials vs the storage's";
  for (size_t i = 0; i < trials.size(); ++i) {
    const auto& e = j["trials"][i];
    const auto& t = trials[i];
    EXPECT_EQ(e.at("number").get<int64_t>(), t.number);
    EXPECT_EQ(e.at("state").get<std::string>(), parzen::to_string(t.state)) << "trial " << t.number;
    EXPECT_EQ(e.at("values").get<std::vector<double>>(), t.values) << "trial " << t.number;
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [name, value] : t.params) params[name] = parzen::to_json(value);
    EXPECT_EQ(e.at("params"), params) << "trial " << t.number;
    const std::string reason =
        e.at("fail_reason").is_null() ? "" : e["fail_reason"].get<std::string>();
    EXPECT_EQ(reason, t.fail_reason) << "trial " << t.number;
    // The export shows the retry bookkeeping (system attributes) beside the user attributes
    // (as fields of the trial, or folded among its user attributes as earlier versions did).
    nlohmann::json user_attrs = e.at("user_attrs");
    for (const char* key :
         {parzen::keys::retried_from, parzen::keys::retry_count, parzen::keys::retried_by}) {
      if (!t.system_attrs.contains(key)) continue;
      const bool folded = user_attrs.contains(key) && !t.user_attrs.contains(key);
      const nlohmann::json shown = folded ? user_attrs[key] : e.value(key, nlohmann::json());
      EXPECT_EQ(shown, t.system_attrs[key]) << "trial " << t.number << ": " << key;
      if (folded) user_attrs.erase(key);
    }
    EXPECT_EQ(user_attrs, t.user_attrs) << "trial " << t.number;
  }
}

}  // namespace parzen_faults
