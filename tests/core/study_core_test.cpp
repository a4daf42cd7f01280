// The study core's seams: options validated before any side effect, samplers and pruners bound
// to one study, the bookkeeping writer, and a deleted study named as the cause.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

double quadratic(Trial& t) {
  const double x = t.suggest_float("x", -5, 5);
  return x * x;
}

}  // namespace

// An invalid heartbeat option used to create the study first: the corrected retry then failed
// with DuplicatedStudy.
TEST(StudyOptionsValidation, InvalidOptionsStoreNothingAndTheCorrectedRetryWorks) {
  auto storage = make_in_memory_storage();
  const std::string message = message_of([&] {
    Study::create({.name = "hb",
                   .storage_backend = storage,
                   .heartbeat_interval_seconds = -1,
                   .log_level = LogLevel::Silent});
  });
  EXPECT_EQ(message, "StudyOptions: heartbeat_interval_seconds = -1, must be > 0 and finite");
  EXPECT_FALSE(storage->find_study("hb"));
  auto study = Study::create({.name = "hb",
                              .storage_backend = storage,
                              .heartbeat_interval_seconds = 1,
                              .log_level = LogLevel::Silent});
  EXPECT_EQ(study.name(), "hb");
}

TEST(StudyOptionsValidation, EachOptionIsNamedWithItsValueAndRange) {
  EXPECT_EQ(message_of([] { validate(StudyOptions{.max_retries = -2}); }),
            "StudyOptions: max_retries = -2, must be >= 0");
  EXPECT_EQ(message_of([] {
              validate(StudyOptions{.heartbeat_interval_seconds = 2, .grace_period_seconds = 1});
            }),
            "StudyOptions: grace_period_seconds = 1, must be > heartbeat_interval_seconds (2)");
  EXPECT_EQ(message_of([] { validate(StudyOptions{.grace_period_seconds = 1}); }),
            "StudyOptions: grace_period_seconds = 1, needs heartbeat_interval_seconds to be set");
  EXPECT_EQ(message_of([] { validate(StudyOptions{.directions = {}}); }),
            "StudyOptions: directions = [], must hold at least one direction");
  EXPECT_EQ(message_of([] { validate(OptimizeOptions{.n_jobs = -3}); }),
            "OptimizeOptions: n_jobs = -3, must be >= 1 or -1 (one per hardware thread)");
  EXPECT_EQ(message_of([] { validate(OptimizeOptions{.timeout_seconds = 0}); }),
            "OptimizeOptions: timeout_seconds = 0, must be > 0");
  EXPECT_NO_THROW(validate(StudyOptions{}));
  EXPECT_NO_THROW(validate(OptimizeOptions{}));
}

// A TpeSampler reused for study B used to steer B with A's trials.
TEST(SamplerBinding, ASamplerServingOneStudyIsRefusedForAnother) {
  auto storage = make_in_memory_storage();
  auto tpe = TpeSampler::make({.seed = 1});
  auto a = Study::create(
      {.name = "A", .storage_backend = storage, .sampler = tpe, .log_level = LogLevel::Silent});
  a.optimize(quadratic, {.n_trials = 12});
  const std::string message = message_of([&] {
    Study::create(
        {.name = "B", .storage_backend = storage, .sampler = tpe, .log_level = LogLevel::Silent});
  });
  EXPECT_EQ(message,
            "this TpeSampler already serves study 'A'; a TpeSampler's state belongs to one study "
            "— create a new TpeSampler for study 'B'");
  EXPECT_FALSE(storage->find_study("B"));  // refused before anything was stored
  // A second live Study object of A has its own lock: refused too.
  EXPECT_THROW(Study::load({.name = "A", .storage_backend = storage, .sampler = tpe}),
               InvalidArgument);
  // A copy of the Study object is the same Study: fine.
  Study same = a;
  same.optimize(quadratic, {.n_trials = 1});
}

TEST(SamplerBinding, APrunerServingOneStudyIsRefusedForAnother) {
  auto storage = make_in_memory_storage();
  auto median = MedianPruner::make({});
  auto a = Study::create({.name = "A", .storage_backend = storage, .pruner = median});
  const std::string message = message_of(
      [&] { Study::create({.name = "B", .storage_backend = storage, .pruner = median}); });
  EXPECT_NE(message.find("this MedianPruner already serves study 'A'"), std::string::npos)
      << message;
  EXPECT_FALSE(storage->find_study("B"));
}

TEST(SamplerBinding, TheSameStudyReloadedTakesItsSamplerBack) {
  auto storage = make_in_memory_storage();
  auto tpe = TpeSampler::make({.seed = 1});
  {
    auto a = Study::create(
        {.name = "A", .storage_backend = storage, .sampler = tpe, .log_level = LogLevel::Silent});
    a.optimize(quadratic, {.n_trials = 5});
  }
  auto again = Study::load(
      {.name = "A", .storage_backend = storage, .sampler = tpe, .log_level = LogLevel::Silent});
  again.optimize(quadratic, {.n_trials = 5});
  EXPECT_EQ(again.trials({TrialState::Complete}).size(), 10u);
  // Its first Study object is gone, but another study still may not take it.
  EXPECT_THROW(Study::create({.name = "C", .storage_backend = storage, .sampler = tpe}),
               InvalidArgument);
}

// The binding used to key on the name alone: a sampler whose study was gone was accepted by a
// new study of the same name elsewhere, and the old study's history steered the new one.
TEST(SamplerBinding, AStudyOfTheSameNameInAnotherStorageIsRefused) {
  auto tpe = TpeSampler::make({.seed = 1});
  {
    auto a = Study::create({.name = "s",
                            .storage_backend = make_in_memory_storage(),
                            .sampler = tpe,
                            .log_level = LogLevel::Silent});
    a.optimize(quadratic, {.n_trials = 30});
  }
  auto other = make_in_memory_storage();
  const std::string message = message_of([&] {
    Study::create({.name = "s",
                   .storage_backend = other,
                   .directions = {Direction::Maximize},
                   .sampler = tpe,
                   .log_level = LogLevel::Silent});
  });
  EXPECT_EQ(message,
            "this TpeSampler served another study named 's' (one in another storage, or one "
            "deleted since); a TpeSampler's state belongs to one study — create a new TpeSampler "
            "for this study 's'");
  EXPECT_FALSE(other->find_study("s"));  // refused before anything was stored
  // Nor may it join a study of that name that the other storage holds already.
  Study::create({.name = "s", .storage_backend = other});
  EXPECT_THROW(Study::load({.name = "s", .storage_backend = other, .sampler = tpe}),
               InvalidArgument);
}

namespace {

// A fresh SQLite file under the test's temporary directory.
std::string sqlite_url(const std::string& stem) {
  const std::string path = ::testing::TempDir() + "parzen-binding-" + stem + ".db";
  std::remove(path.c_str());
  return "sqlite:///" + path;
}

}  // namespace

// SQLite gives a re-created study its predecessor's id (the largest id deleted is reused).
TEST(SamplerBinding, AStudyDeletedAndCreatedAgainIsRefused) {
  for (const std::string& url : {std::string("memory:"), sqlite_url("recreate")}) {
    auto storage = make_storage(url);
    auto tpe = TpeSampler::make({.seed = 1});
    StudyId old_id = -1;
    {
      auto d = Study::create(
          {.name = "d", .storage_backend = storage, .sampler = tpe, .log_level = LogLevel::Silent});
      d.optimize(quadratic, {.n_trials = 3});
      old_id = d.id();
    }
    storage->delete_study(old_id);
    EXPECT_THROW(Study::create({.name = "d", .storage_backend = storage, .sampler = tpe}),
                 InvalidArgument)
        << url;
    EXPECT_FALSE(storage->find_study("d")) << url;
    // Created by someone else, with a fresh sampler of its own: still another study.
    Study::create({.name = "d", .storage_backend = storage});
    EXPECT_THROW(Study::load({.name = "d", .storage_backend = storage, .sampler = tpe}),
                 InvalidArgument)
        << url;
  }
}

// The identity is the stored study's, not the storage object's: a new storage object on the
// same file holds the same study.
TEST(SamplerBinding, TheSameSqliteStudyReopenedThroughANewStorageTakesItsSamplerBack) {
  const std::string url = sqlite_url("reopen");
  auto tpe = TpeSampler::make({.seed = 1});
  {
    auto r = Study::create({.name = "r",
                            .storage_backend = make_storage(url),
                            .sampler = tpe,
                            .log_level = LogLevel::Silent});
    r.optimize(quadratic, {.n_trials = 4});
  }
  auto again = Study::load({.name = "r",
                            .storage_backend = make_storage(url),
                            .sampler = tpe,
                            .log_level = LogLevel::Silent});
  again.optimize(quadratic, {.n_trials = 4});
  EXPECT_EQ(again.trials({TrialState::Complete}).size(), 8u);
}

TEST(SamplerBinding, ARefusedCreateLeavesTheSamplerFree) {
  auto storage = make_in_memory_storage();
  Study::create({.name = "taken", .storage_backend = storage});
  auto tpe = TpeSampler::make({.seed = 1});
  EXPECT_THROW(Study::create({.name = "taken", .storage_backend = storage, .sampler = tpe}),
               DuplicatedStudy);
  EXPECT_NO_THROW(Study::create({.name = "free", .storage_backend = storage, .sampler = tpe}));
}

TEST(BookkeepingWriter, ReservesOnceAndKeepsTheCoreKeysToTheCore) {
  auto storage = make_in_memory_storage();
  auto study = Study::create({.name = "w", .storage_backend = storage});
  StudyView view(storage, study.id(), study.directions());
  const BookkeepingWriter writer = view.writer();
  EXPECT_TRUE(writer.reserve(keys::grid_point(3), true));
  EXPECT_FALSE(writer.reserve(keys::grid_point(3), true));
  EXPECT_EQ(view.study_system_attr(keys::grid_point(3)), true);
  EXPECT_TRUE(view.study_system_attr("absent").is_null());
  auto trial = study.ask();
  writer.set_trial_system_attr(trial.id(), keys::completed_rung(0), 0.5);
  EXPECT_EQ(storage->trial(trial.id()).system_attrs.at("completed_rung_0"), 0.5);
  EXPECT_THROW(writer.set_trial_system_attr(trial.id(), keys::fixed_params, nullptr),
               InvalidArgument);
  EXPECT_THROW(writer.set_trial_system_attr(trial.id(), keys::retry_count, 1), InvalidArgument);
}

// It used to say "no trial with id ..." or "no study with id ...".
TEST(DeletedStudy, EveryOperationNamesTheDeletedStudy) {
  auto storage = make_in_memory_storage();
  auto study = Study::create({.name = "X", .storage_backend = storage});
  auto running = study.ask();
  storage->delete_study(study.id());  // e.g. `parzen delete` from another process
  const std::string expected = "study 'X' was deleted while this worker was running it";
  EXPECT_EQ(message_of([&] { study.tell(running, 1.0); }), expected);
  EXPECT_EQ(message_of([&] { study.ask(); }), expected);
  EXPECT_EQ(message_of([&] { study.tell(0, std::vector<double>{1.0}); }), expected);
  EXPECT_EQ(message_of([&] { running.suggest_float("x", 0, 1); }), expected);
  EXPECT_EQ(message_of([&] { study.trials(); }), expected);
  EXPECT_THROW(study.tell(running, 1.0), NotFound);
}

// The worker id ("host:pid:thread") is computed once per thread; a forked child's trials carry
// the child's pid, not the parent's cached one, and another thread gets its own id.
TEST(WorkerId, PerThreadAndRecomputedInAForkedChild) {
  auto study = Study::create({.log_level = LogLevel::Silent});
  const std::string parent = study.ask().record().worker;
  const std::string pid = ":" + std::to_string(getpid()) + ":";
  EXPECT_NE(parent.find(pid), std::string::npos) << parent;
  EXPECT_EQ(study.ask().record().worker, parent);
  std::string other;
  std::thread([&] { other = study.ask().record().worker; }).join();
  EXPECT_NE(other, parent);
  EXPECT_NE(other.find(pid), std::string::npos) << other;

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string worker = study.ask().record().worker;
    const std::string mine = ":" + std::to_string(getpid()) + ":";
    _exit(worker.find(mine) != std::string::npos && worker != parent ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the forked child's trial kept the parent's worker id";
}
