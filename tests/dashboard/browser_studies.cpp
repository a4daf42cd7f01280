// Writes the studies the dashboard's browser test and load bench open, into an SQLite file,
// through the library (ask/tell with a real pruner), so the page is tested on what `parzen run`
// stores:
//   parzen_browser_studies FILE.db              "pruned" (single objective, median pruner,
//                                               learning curves), "multi" (two objectives),
//                                               "multi3" (three) and the study named
//                                               <script>alert(1)</script>
//   parzen_browser_studies FILE.db --big N NAME  NAME with N trials (10 parameters, 5
//                                               intermediate values each): 200 asked and told,
//                                               the rest copies of them with new numbers written
//                                               in one SQLite transaction (seconds, not minutes)
//   parzen_browser_studies FILE.db --add NAME    one more completed trial in NAME (a live update)
#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "parzen/pruners.hpp"
#include "parzen/study.hpp"

namespace {

parzen::Study open_study(const std::string& db, const std::string& name,
                         std::vector<parzen::Direction> directions, bool pruned = false) {
  parzen::StudyOptions o;
  o.name = name;
  o.storage = "sqlite:///" + db;
  o.directions = std::move(directions);
  o.load_if_exists = true;
  if (pruned) o.pruner = parzen::MedianPruner::make({.n_startup_trials = 10, .n_warmup_steps = 4});
  o.log_level = parzen::LogLevel::Silent;
  return parzen::Study::create(o);
}

// A learning curve that converges to a loss set by the parameters; bad ones are pruned.
void one_pruned_trial(parzen::Study& study) {
  auto t = study.ask();
  const double lr = t.suggest_float("learning_rate", 1e-4, 1e-1, {.log = true});
  const auto layers = t.suggest_int("layers", 1, 6);
  const auto kernel =
      t.suggest_categorical<std::string>("kernel", {"linear", "rbf", "<b>poly</b>"});
  const double dropout = t.suggest_float("dropout", 0.0, 0.5);
  t.set_user_attr("note", "<img src=x onerror=alert(2)>");
  const double target =
      std::pow(std::log10(lr) + 2.5, 2) + 0.05 * layers + dropout + (kernel == "rbf" ? 0.0 : 0.3);
  for (int step = 0; step < 10; ++step) {
    t.report(step, target + 1.0 / (step + 1));
    if (t.should_prune()) {
      study.tell(t, parzen::TrialState::Pruned);
      return;
    }
  }
  study.tell(t, target + 0.1);
}

void one_big_trial(parzen::Study& study, int i) {
  auto t = study.ask();
  double f = 0;
  for (int p = 0; p < 10; ++p) {
    const double x = p == 1 ? t.suggest_float("x1", 1e-3, 1e3, {.log = true})
                            : t.suggest_float("x" + std::to_string(p), -5.0, 5.0);
    f += (p == 1 ? std::log10(x) : x) * (p == 1 ? std::log10(x) : x) / (p + 1);
  }
  for (int step = 0; step < 5; ++step) t.report(step, f + 1.0 / (step + 1));
  if (i % 10 == 3)
    study.tell(t, parzen::TrialState::Pruned);
  else
    study.tell(t, f);
}

void exec(sqlite3* db, const std::string& sql, const std::vector<long long>& args = {}) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db) + " in " + sql);
  for (std::size_t i = 0; i < args.size(); ++i) sqlite3_bind_int64(st, int(i) + 1, args[i]);
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db) + " in " + sql);
}

// Copies the study's first `base` trials (their parameters, intermediate values and
// attributes) until it has n, numbering the copies on and giving each a new, higher version.
void replicate(const std::string& file, const std::string& name, long long base, long long n) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + file);
  sqlite3_busy_timeout(db, 10000);
  // A test fixture: no fsync, a large page cache (the copy writes ~100 MB at 100 000 trials).
  exec(db, "PRAGMA synchronous = OFF");
  exec(db, "PRAGMA cache_size = -262144");
  exec(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT study_id, version FROM studies WHERE name = ?", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_ROW) throw std::runtime_error("no study " + name);
  const long long sid = sqlite3_column_int64(st, 0);
  const long long v0 = sqlite3_column_int64(st, 1);
  sqlite3_finalize(st);
  for (long long k = 1; k * base < n; ++k) {
    const long long off = k * base;
    const std::vector<long long> a = {off, off, off, sid, std::min(base, n - off)};
    exec(db,
         "INSERT INTO trials (study_id, number, state, trial_values, constraints, datetime_start, "
         "datetime_complete, heartbeat, worker, fail_reason, version) SELECT study_id, number + ?, "
         "state, CASE WHEN json_array_length(trial_values) = 1 THEN json_array(json_extract("
         "trial_values, '$[0]') * (1 + ((number + ?) * 7919 % 1000) / 4000.0)) ELSE trial_values "
         "END, constraints, datetime_start, datetime_complete, heartbeat, worker, "
         "fail_reason, version + ? * 8 FROM trials WHERE study_id = ? AND number < ?",
         a);
    const std::string join =
        " FROM trials t1 JOIN trials t2 ON t2.study_id = t1.study_id AND t2.number = t1.number "
        "+ ? JOIN ";
    const std::vector<long long> b = {off, sid, std::min(base, n - off)};
    exec(db,
         "INSERT INTO trial_params SELECT t2.trial_id, p.name, p.internal, p.distribution" + join +
             "trial_params p ON p.trial_id = t1.trial_id WHERE t1.study_id = ? AND t1.number < ?",
         b);
    exec(db,
         "INSERT INTO trial_intermediate_values SELECT t2.trial_id, p.step, p.value" + join +
             "trial_intermediate_values p ON p.trial_id = t1.trial_id WHERE t1.study_id = ? AND "
             "t1.number < ?",
         b);
    exec(db,
         "INSERT INTO trial_user_attrs SELECT t2.trial_id, p.key, p.value" + join +
             "trial_user_attrs p ON p.trial_id = t1.trial_id WHERE t1.study_id = ? AND t1.number < "
             "?",
         b);
    exec(db,
         "INSERT INTO trial_system_attrs SELECT t2.trial_id, p.key, p.value" + join +
             "trial_system_attrs p ON p.trial_id = t1.trial_id WHERE t1.study_id = ? AND t1.number "
             "< ?",
         b);
  }
  exec(db,
       "UPDATE studies SET n_trials = (SELECT COUNT(*) FROM trials WHERE study_id = ?1), version = "
       "(SELECT MAX(version) FROM trials WHERE study_id = ?1) + 1 WHERE study_id = ?1",
       {sid});
  exec(db, "COMMIT");
  sqlite3_close(db);
  (void)v0;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE.db [--big N NAME | --add NAME]\n", argv[0]);
    return 2;
  }
  const std::string db = argv[1];
  const std::string mode = argc > 2 ? argv[2] : "";
  if (mode == "--big" && argc == 5) {
    const long long n = std::atoll(argv[3]);
    auto study = open_study(db, argv[4], {parzen::Direction::Minimize});
    const long long base = std::min<long long>(n, 200);
    for (long long i = 0; i < base; ++i) one_big_trial(study, int(i));
    if (n > base) replicate(db, argv[4], base, n);
    return 0;
  }
  if (mode == "--add" && argc == 4) {
    auto study = open_study(db, argv[3], {parzen::Direction::Minimize}, true);
    one_pruned_trial(study);
    return 0;
  }
  if (!mode.empty()) {
    std::fprintf(stderr, "usage: %s FILE.db [--big N NAME | --add NAME]\n", argv[0]);
    return 2;
  }
  auto pruned = open_study(db, "pruned", {parzen::Direction::Minimize}, true);
  for (int i = 0; i < 60; ++i) one_pruned_trial(pruned);
  auto multi = open_study(db, "multi", {parzen::Direction::Minimize, parzen::Direction::Minimize});
  for (int i = 0; i < 120; ++i) {
    auto t = multi.ask();
    const double x = t.suggest_float("x", 0.0, 1.0);
    const double y = t.suggest_float("y", 0.0, 1.0);
    multi.tell(t, std::vector<double>{x, (1 + 9 * y) * (1 - std::sqrt(x / (1 + 9 * y)))});
  }
  // Three objectives (DTLZ2-like sphere sections): the Pareto view colours by the third.
  auto multi3 = open_study(
      db, "multi3",
      {parzen::Direction::Minimize, parzen::Direction::Minimize, parzen::Direction::Minimize});
  for (int i = 0; i < 80; ++i) {
    auto t = multi3.ask();
    const double a = t.suggest_float("a", 0.0, 1.0);
    const double b = t.suggest_float("b", 0.0, 1.0);
    const double r = 1.0 + t.suggest_float("r", 0.0, 0.5);
    const double pi2 = 1.5707963267948966;
    multi3.tell(
        t, std::vector<double>{r * std::cos(a * pi2) * std::cos(b * pi2),
                               r * std::cos(a * pi2) * std::sin(b * pi2), r * std::sin(a * pi2)});
  }
  auto xss = open_study(db, "<script>alert(1)</script>", {parzen::Direction::Maximize});
  for (int i = 0; i < 5; ++i) {
    auto t = xss.ask();
    xss.tell(t, t.suggest_float("<b>x</b>", 0.0, 1.0));
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "parzen_browser_studies: %s\n", e.what());
  return 1;
}
