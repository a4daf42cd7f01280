// StudyCore (a parzen::Study), optimize() with a Python objective, and the study functions.

#include <cmath>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "common.hpp"
#include "parzen/error.hpp"
#include "parzen/stop_request.hpp"
#include "samplers/random_draw.hpp"

namespace parzen::python {
namespace {

struct PyStudy {
  std::optional<Study> study{};
  std::shared_ptr<PyStorage> storage{};
  ~PyStudy() {
    // Dropping the study may join its threads, which may call the log function: without the GIL.
    py::gil_scoped_release release;
    study.reset();
  }
  Study& get() { return *study; }
};

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warning:
      return "warning";
    case LogLevel::Silent:
      break;
  }
  return "warning";
}

std::vector<Direction> parse_directions(const std::vector<std::string>& names) {
  std::vector<Direction> out;
  for (const auto& n : names) out.push_back(direction_from_string(n));
  return out;
}

py::list direction_names(const std::vector<Direction>& directions) {
  py::list l;
  for (auto d : directions) l.append(py::str(std::string(to_string(d))));
  return l;
}

StudyOptions study_options(const std::shared_ptr<PyStorage>& storage,
                           const std::shared_ptr<PySampler>& sampler,
                           const std::shared_ptr<PyPruner>& pruner,
                           std::optional<double> heartbeat_interval,
                           std::optional<double> grace_period, int max_retries,
                           const py::object& log) {
  if (!storage) throw py::type_error("storage must be a Storage (open_storage)");
  StudyOptions o;
  o.storage_backend = storage->storage;
  if (sampler) o.sampler = sampler->sampler;
  if (pruner) o.pruner = pruner->pruner;
  o.heartbeat_interval_seconds = heartbeat_interval;
  o.grace_period_seconds = grace_period;
  o.max_retries = max_retries;
  if (!log.is_none()) {
    PyRef fn = make_ref(log);
    o.log_level = LogLevel::Debug;  // the Python side filters (logging levels)
    // Study.optimize prints Optuna's per-trial lines; the core's would only be dropped.
    o.log_trial_results = false;
    o.logger = [fn](LogLevel level, const std::string& message) {
      py::gil_scoped_acquire gil;
      try {
        (*fn)(level_name(level), message);
      } catch (py::error_already_set& e) {
        e.discard_as_unraisable("parzen log function");
      }
    };
  }
  return o;
}

std::vector<double> floats_from_py(const py::handle& values, const char* what) {
  std::vector<double> out;
  if (auto f = float_from_py(values)) return {*f};
  for (const auto& v : py::reinterpret_borrow<py::iterable>(values)) {
    auto f = float_from_py(v);
    if (!f)
      throw py::type_error(std::string(what) + ": " + py::repr(v).cast<std::string>() +
                           " is not a float");
    out.push_back(*f);
  }
  return out;
}

std::map<std::string, ParamValue> params_from_py(const py::dict& params) {
  std::map<std::string, ParamValue> out;
  for (const auto& [k, v] : params) {
    const std::string key = py::str(k).cast<std::string>();
    out[key] = param_value_from_py(v, ("parameter '" + key + "'").c_str());
  }
  return out;
}

// Optuna's conversion of an objective's return value (optuna/study/_tell.py): nullopt and the
// failure message when it is not a float or a sequence of floats of the right length, or NaN.
std::vector<double> objective_values(const py::object& r, size_t n_directions,
                                     std::string& failure) {
  auto cast_fail = [&](const py::handle& v) {
    failure = "The value " + py::repr(v).cast<std::string>() + " could not be cast to float.";
  };
  std::vector<double> values;
  if (r.is_none()) {
    failure = "The value None could not be cast to float.";
    return {};
  }
  if (auto f = float_from_py(r)) {
    values.push_back(*f);
  } else if (py::isinstance<py::sequence>(r) && !py::isinstance<py::str>(r) &&
             !py::isinstance<py::bytes>(r)) {
    for (const auto& v : py::reinterpret_borrow<py::sequence>(r)) {
      auto g = float_from_py(v);
      if (!g) {
        cast_fail(v);
        return {};
      }
      values.push_back(*g);
    }
  } else {
    cast_fail(r);
    return {};
  }
  for (double v : values) {
    if (std::isnan(v)) {
      failure = "The value nan is not acceptable.";
      return {};
    }
  }
  if (values.size() != n_directions) {
    failure = "The number of the values " + std::to_string(values.size()) +
              " did not match the number of the objectives " + std::to_string(n_directions) + ".";
    return {};
  }
  return values;
}

bool is_instance_named(const py::handle& value, const char* parzen_class) {
  py::object cls = exception_class(parzen_class);
  if (PyObject_IsInstance(value.ptr(), cls.ptr()) == 1) return true;
  // Optuna's own exception of that name (an objective written for Optuna), e.g. optuna.TrialPruned.
  return py::str(value.get_type().attr("__name__")).cast<std::string>() == parzen_class;
}

// What one optimize() call shares between its workers.
struct RunState {
  std::mutex mu;
  std::shared_ptr<PythonError> reraise{};  // the first error to raise when optimize returns
  std::atomic<bool> interrupted{false};
  void keep(const PythonError& e) {
    std::lock_guard lock(mu);
    if (!reraise) reraise = std::make_shared<PythonError>(e);
  }
};

void optimize(PyStudy& self, const py::object& objective, std::optional<int64_t> n_trials,
              std::optional<double> timeout, int n_jobs, bool catch_, const py::object& callback,
              std::optional<int64_t> study_budget, bool count_failed,
              std::optional<double> trial_timeout) {
  Study& study = self.get();
  PyRef fn = make_ref(objective);
  PyRef cb = callback.is_none() ? nullptr : make_ref(callback);
  auto run = std::make_shared<RunState>();
  const size_t n_directions = study.directions().size();

  auto stop = [&study] {
    py::gil_scoped_release release;
    study.stop();
  };

  Objective wrapped = [&, fn, run](Trial& trial) -> std::vector<double> {
    py::gil_scoped_acquire gil;
    // Ctrl-C while the library sampled (GIL released): fail this trial and stop (main thread
    // only: Python runs signal handlers there).
    if (PyErr_CheckSignals() != 0) {
      PythonError e{py::error_already_set()};
      run->keep(e);
      run->interrupted = true;
      stop();
      throw TrialFailed("interrupted: " + e.type_name());
    }
    if (run->interrupted) throw TrialFailed("interrupted: KeyboardInterrupt");
    auto handle = std::make_shared<PyTrial>(&trial);
    struct Release {
      std::shared_ptr<PyTrial>& t;
      ~Release() { t->release(); }
    } release_guard{handle};
    py::object result;
    try {
      result = (*fn)(handle);
    } catch (py::error_already_set& e) {
      PythonError error{std::move(e)};
      const py::object value = error.value();
      if (is_instance_named(value, "TrialPruned")) throw TrialPruned();
      if (is_instance_named(value, "TrialFailed")) {
        // parzen.TrialFailed(reason, retryable=False)
        const std::string reason =
            py::str(py::getattr(value, "reason", py::str(value))).cast<std::string>();
        const bool retryable = py::bool_(py::getattr(value, "retryable", py::bool_(false)));
        throw TrialFailed(reason, retryable);
      }
      const bool base_exception =
          error.type_name() == "KeyboardInterrupt" || error.type_name() == "SystemExit";
      if (base_exception) run->interrupted = true;
      if (base_exception || !catch_) {
        run->keep(error);
        stop();
      }
      throw TrialFailed("the objective raised " + error.type_name() + ": " + error.message());
    }
    if (run->interrupted) throw TrialFailed("interrupted: KeyboardInterrupt");
    std::string failure;
    std::vector<double> values = objective_values(result, n_directions, failure);
    if (!failure.empty()) throw TrialFailed(failure);
    return values;
  };

  OptimizeOptions options;
  options.n_trials = n_trials;
  options.timeout_seconds = timeout;
  options.n_jobs = n_jobs;
  options.catch_exceptions = true;  // Python errors are kept in RunState and raised below
  options.trial_timeout_seconds = trial_timeout;
  if (study_budget) options.study_budget = TrialBudget{*study_budget, count_failed};
  if (cb) {
    options.callbacks.push_back([cb](Study&, const FrozenTrial& trial) {
      py::gil_scoped_acquire gil;
      try {
        (*cb)(trial);
      } catch (py::error_already_set& e) {
        throw PythonError(std::move(e));
      }
    });
  }

  std::exception_ptr error;
  if (n_jobs == 1) {
    // The objective runs on this (the calling) thread, as Optuna's n_jobs=1.
    py::gil_scoped_release release;
    try {
      study.optimize(wrapped, options);
    } catch (...) {
      error = std::current_exception();
    }
  } else {
    // The workers run on C++ threads; this thread waits, waking every 100 ms to run Python's
    // signal handlers (only the main thread can), so Ctrl-C stops the study: running trials
    // finish as failed, no new one starts, and KeyboardInterrupt is raised.
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::thread runner;
    {
      py::gil_scoped_release release;
      runner = std::thread([&] {
        try {
          study.optimize(wrapped, options);
        } catch (...) {
          error = std::current_exception();
        }
        std::lock_guard lock(mu);
        done = true;
        cv.notify_all();
      });
    }
    for (;;) {
      {
        py::gil_scoped_release release;
        std::unique_lock lock(mu);
        if (cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; })) break;
      }
      if (PyErr_CheckSignals() != 0) {
        PythonError e{py::error_already_set()};
        run->keep(e);
        run->interrupted = true;
        stop();
      }
    }
    py::gil_scoped_release release;
    runner.join();
  }
  std::shared_ptr<PythonError> reraise;
  {
    std::lock_guard lock(run->mu);
    reraise = run->reraise;
  }
  if (reraise) reraise->reraise();
  if (error) std::rethrow_exception(error);
}

py::object best_of(const std::vector<FrozenTrial>& trials, const std::vector<Direction>& dirs) {
  if (dirs.size() != 1) return py::none();
  const FrozenTrial* best = nullptr;
  for (const auto& t : trials) {
    if (t.state != TrialState::Complete || t.values.size() != 1) continue;
    if (!best || (dirs[0] == Direction::Minimize ? t.values[0] < best->values[0]
                                                 : t.values[0] > best->values[0]))
      best = &t;
  }
  if (!best) return py::none();
  return py::cast(*best);
}

using SpaceArg = std::vector<std::pair<std::string, py::object>>;
using TellArg = std::vector<std::tuple<int64_t, std::optional<double>, std::string>>;
using Asked = std::vector<std::pair<int64_t, std::vector<ParamValue>>>;

// The distributions of an _ask_suggest space, converted once for all its trials (with the GIL).
std::vector<std::pair<std::string, Distribution>> space_from_py(const SpaceArg& space) {
  std::vector<std::pair<std::string, Distribution>> dists;
  dists.reserve(space.size());
  for (const auto& [name, d] : space) dists.emplace_back(name, distribution_from_py(d));
  return dists;
}

// _tell_many's results, in order (without the GIL). When a tell raises (a storage failure, a
// trial another process already finished), the results not told yet are failed, best-effort,
// with a reason naming that error (the one that raised too, if it is still running: the core
// tries that itself for a storage failure), so that none stays running with nothing left to
// finish it; then the error propagates unchanged.
void tell_results(Study& study, const TellArg& results) {
  size_t i = 0;
  try {
    for (; i < results.size(); ++i) {
      const auto& [number, value, reason] = results[i];
      if (value)
        study.tell(number, std::vector<double>{*value});
      else
        study.tell(number, TrialState::Failed, reason);
    }
  } catch (const std::exception& e) {
    const std::string why = "not told: telling trial " + std::to_string(std::get<0>(results[i])) +
                            " raised: " + e.what();
    for (size_t j = i; j < results.size(); ++j) {
      try {
        study.tell(std::get<0>(results[j]), TrialState::Failed, why);
      } catch (const std::exception&) {
        // already finished (the one that raised, or told elsewhere), or the storage is down:
        // its heartbeat (if any) lets another worker fail it later
      }
    }
    throw;
  }
}

// ask() n times and suggest every parameter of dists on each trial (without the GIL): fewer than n
// when the sampler is exhausted after the first; StudyExhausted when before it.
Asked ask_suggest_n(Study& study, int64_t n,
                    const std::vector<std::pair<std::string, Distribution>>& dists) {
  Asked asked;
  asked.reserve(n > 0 ? static_cast<size_t>(n) : 0);
  for (int64_t i = 0; i < n; ++i) {
    std::optional<Trial> t;
    try {
      t.emplace(study.ask());
    } catch (const StudyExhausted&) {
      if (asked.empty()) throw;
      break;
    }
    std::vector<ParamValue> values;
    values.reserve(dists.size());
    for (const auto& [name, d] : dists) values.push_back(t->suggest(name, d));
    asked.emplace_back(t->number(), std::move(values));
  }
  return asked;
}

// [(number, (value, ...)), ...] in external form (with the GIL).
py::list asked_to_py(const Asked& asked) {
  py::list out(asked.size());
  for (size_t i = 0; i < asked.size(); ++i) {
    py::tuple values(asked[i].second.size());
    for (size_t j = 0; j < asked[i].second.size(); ++j)
      values[j] = param_value_to_py(asked[i].second[j]);
    out[i] = py::make_tuple(asked[i].first, std::move(values));
  }
  return out;
}

}  // namespace

void bind_study(py::module_& m) {
  using StudyRef = std::shared_ptr<PyStudy>;
  py::class_<PyStudy, StudyRef>(m, "StudyCore",
                                "A study opened in a storage (create_study / load_study): the "
                                "parzen::Study the package's Study wraps.")
      .def_property_readonly(
          "study_name", [](PyStudy& s) { return s.get().name(); }, "str: the study's name.")
      .def_property_readonly(
          "directions", [](PyStudy& s) { return direction_names(s.get().directions()); },
          "list[str]: 'minimize' or 'maximize', one per objective value.")
      .def_property_readonly(
          "_study_id", [](PyStudy& s) { return s.get().id(); }, "int: the id in the storage.")
      .def_property_readonly(
          "storage", [](PyStudy& s) { return s.storage; }, "Storage: where the study lives.")
      .def(
          "ask",
          [](PyStudy& s) {
            std::optional<Trial> t;
            {
              py::gil_scoped_release release;
              t.emplace(s.get().ask());
            }
            return std::make_shared<PyTrial>(std::move(*t));
          },
          "ask() -> Trial\n\nStarts a trial: the oldest enqueued one if any waits, else a new one "
          "(as Optuna's Study.ask without fixed_distributions). Raises StudyExhaustedError when "
          "the sampler has nothing left (grid), StorageInternalError.")
      .def(
          "_ask_suggest",
          [](PyStudy& s, int64_t n, const SpaceArg& space) {
            const auto dists = space_from_py(space);  // converted once for the n trials
            Asked asked;
            {
              py::gil_scoped_release release;
              asked = ask_suggest_n(s.get(), n, dists);
            }
            return asked_to_py(asked);
          },
          py::arg("n"), py::arg("space"),
          "_ask_suggest(n: int, space: list[tuple[str, Distribution]]) -> list[tuple[int, "
          "tuple]]\n\n"
          "ask() n times and suggest every parameter of `space`, in its order, on each trial, in "
          "one call (the GIL released once): [(number, (value, ...)), ...], values in external "
          "form. Fewer than n when the sampler is exhausted after the first; StudyExhaustedError "
          "when before it. The trials stay running: finish them with tell or _tell_many.")
      .def(
          "_tell_many",
          [](PyStudy& s, const TellArg& results) {
            py::gil_scoped_release release;
            tell_results(s.get(), results);
          },
          py::arg("results"),
          "_tell_many(results: list[tuple[int, float | None, str]]) -> None\n\n"
          "tell for several running trials of a single-objective study, in order: (number, "
          "value, '') completes a trial with that value; (number, None, reason) fails it with "
          "that reason. No record is returned. Errors as tell; when one raises, the trials not "
          "told yet are failed (best-effort, the reason naming the error) before it "
          "propagates.")
      .def(
          "_tell_and_ask",
          [](PyStudy& s, const TellArg& results, int64_t n, const SpaceArg& space) {
            const auto dists = space_from_py(space);
            Asked asked;
            {
              py::gil_scoped_release release;
              tell_results(s.get(), results);
              asked = ask_suggest_n(s.get(), n, dists);
            }
            return asked_to_py(asked);
          },
          py::arg("results"), py::arg("n"), py::arg("space"),
          "_tell_and_ask(results: list[tuple[int, float | None, str]], n: int, space: "
          "list[tuple[str, Distribution]]) -> list[tuple[int, tuple]]\n\n"
          "_tell_many(results) then _ask_suggest(n, space), in one call (the GIL released "
          "once): the same trials and values as the two calls. The space is converted before "
          "anything is told; an error of a tell fails the results not told yet (best-effort) and "
          "asks nothing.")
      .def(
          "tell",
          [](PyStudy& s, int64_t number, const py::object& values, const py::object& state,
             const std::string& fail_reason, bool record) -> py::object {
            const TrialState st = trial_state_from_py(state);
            std::vector<double> v;
            if (!values.is_none()) v = floats_from_py(values, "values");
            if (st != TrialState::Complete && st != TrialState::Pruned && st != TrialState::Failed)
              throw InvalidArgument("tell: state must be COMPLETE, PRUNED or FAIL");
            std::optional<FrozenTrial> told;
            {
              py::gil_scoped_release release;
              told.emplace(st == TrialState::Complete ? s.get().tell(number, v)
                                                      : s.get().tell(number, st, fail_reason));
            }
            if (!record) return py::none();
            return py::cast(std::move(*told));
          },
          py::arg("number"), py::arg("values"), py::arg("state"), py::arg("fail_reason") = "",
          py::arg("record") = true,
          "tell(number: int, values: list[float] | None, state: TrialState, fail_reason: str = "
          "'', record: bool = True) -> FrozenTrial | None\n\n"
          "Finishes running trial `number`: COMPLETE with one value per direction (a NaN or "
          "infinite value, or the wrong count, records it failed with that reason), PRUNED (its "
          "last intermediate value is kept) or FAIL with a reason. Returns the trial's record, or "
          "None with record=False (no Python FrozenTrial is built: loops that do not need it).\n"
          "Raises NotFoundError for an unknown number, InvalidStateError when it has finished, "
          "StorageInternalError when the result could not be stored.")
      .def("optimize", &optimize, py::arg("objective"), py::arg("n_trials") = py::none(),
           py::arg("timeout") = py::none(), py::arg("n_jobs") = 1, py::arg("catch") = false,
           py::arg("callback") = py::none(), py::arg("study_budget") = py::none(),
           py::arg("count_failed") = false, py::arg("trial_timeout") = py::none(),
           "optimize(objective: Callable[[Trial], float | Sequence[float]], n_trials: int | None "
           "= None, timeout: float | None = None, n_jobs: int = 1, catch: bool = False, "
           "callback: Callable[[FrozenTrial], None] | None = None, study_budget: int | None = "
           "None, count_failed: bool = False, trial_timeout: float | None = None) -> None\n\n"
           "Runs trials until n_trials (this call), timeout (seconds, no new trial after it), "
           "stop(), the study budget (trials counted over every worker) or the sampler's end. "
           "n_jobs threads (-1: one per CPU) evaluate trials; the library releases the GIL. The "
           "objective's value is converted as Optuna does: None, a str, NaN or the wrong count "
           "fail the trial ('The value None could not be cast to float.'). TrialPruned prunes, "
           "TrialFailed(reason, retryable) fails with that reason; another exception fails the "
           "trial ('the objective raised ValueError: msg') and, unless catch, stops the study and "
           "is raised again (the same object) when the running trials have finished. "
           "KeyboardInterrupt always stops the study and is raised; running trials are failed. "
           "callback(frozen_trial) runs after each trial with the GIL held; its exception stops "
           "the study and is raised.")
      .def(
          "stop",
          [](PyStudy& s) {
            py::gil_scoped_release release;
            s.get().stop();
          },
          "stop() -> None\n\nAsks every optimize() of this study object to start no new trial.")
      .def(
          "enqueue_trial",
          [](PyStudy& s, const py::dict& params, const py::object& user_attrs) {
            auto p = params_from_py(params);
            nlohmann::json attrs = user_attrs.is_none() ? nlohmann::json::object()
                                                        : json_from_py(user_attrs, "user_attrs");
            py::gil_scoped_release release;
            s.get().enqueue_trial(p, attrs);
          },
          py::arg("params"), py::arg("user_attrs") = py::none(),
          "enqueue_trial(params: dict, user_attrs: dict | None = None) -> None\n\n"
          "Adds a waiting trial with fixed parameter values; the next ask() claims it, as "
          "Optuna's Study.enqueue_trial. Parameters it lacks are sampled.")
      .def(
          "add_trial",
          [](PyStudy& s, const py::object& state, const py::dict& params,
             const py::dict& distributions, const py::object& values,
             const py::dict& intermediate_values, const py::object& user_attrs,
             const py::object& system_attrs, bool running) {
            const TrialState st = trial_state_from_py(state);
            // _running (Study.__deepcopy__ only): a RUNNING trial is stored running, without
            // heartbeats (nothing in the copy runs it), so the copy keeps every trial's number.
            if (!is_finished(st) && !(running && st == TrialState::Running))
              throw InvalidArgument(
                  "add_trial: state must be COMPLETE, PRUNED or FAIL (parzen adds finished "
                  "trials only; use enqueue_trial for a waiting one)");
            auto p = params_from_py(params);
            std::map<std::string, Distribution> d;
            for (const auto& [k, v] : distributions)
              d[py::str(k).cast<std::string>()] = distribution_from_py(v);
            std::vector<double> vals;
            if (!values.is_none()) vals = floats_from_py(values, "values");
            std::map<int64_t, double> inter;
            for (const auto& [k, v] : intermediate_values) {
              auto f = float_from_py(v);
              if (!f) throw py::type_error("intermediate_values: values must be floats");
              inter[k.cast<int64_t>()] = *f;
            }
            NewTrial nt;
            nt.heartbeat = false;
            if (!user_attrs.is_none()) nt.user_attrs = json_from_py(user_attrs, "user_attrs");
            if (!system_attrs.is_none())
              nt.system_attrs = json_from_py(system_attrs, "system_attrs");
            for (const auto& [name, value] : p)
              if (!d.count(name))
                throw InvalidArgument("add_trial: parameter '" + name + "' has no distribution");
            for (const auto& [name, dist] : d)
              if (!p.count(name))
                throw InvalidArgument("add_trial: distribution '" + name +
                                      "' has no parameter value");
            if (st == TrialState::Complete && vals.size() != s.get().directions().size())
              throw InvalidArgument("add_trial: a complete trial needs " +
                                    std::to_string(s.get().directions().size()) +
                                    " value(s), got " + std::to_string(vals.size()));
            py::gil_scoped_release release;
            std::map<std::string, double> internal;
            for (const auto& [name, dist] : d) {
              validate(dist, name);
              internal[name] = to_internal(dist, p.at(name), name);
            }
            Storage& storage = s.get().storage();
            FrozenTrial t = storage.create_trial(s.get().id(), nt);
            for (const auto& [name, dist] : d)
              storage.set_trial_param(t.id, name, internal[name], dist);
            for (const auto& [step, v] : inter) storage.set_trial_intermediate_value(t.id, step, v);
            if (st != TrialState::Running) storage.finish_trial(t.id, st, vals, "");
            return storage.trial(t.id);
          },
          py::arg("state"), py::arg("params"), py::arg("distributions"), py::arg("values"),
          py::arg("intermediate_values"), py::arg("user_attrs") = py::none(),
          py::arg("system_attrs") = py::none(), py::arg("_running") = false,
          "add_trial(state, params, distributions, values, intermediate_values, user_attrs, "
          "system_attrs) -> FrozenTrial\n\n"
          "Stores a finished trial made elsewhere (as Optuna's Study.add_trial with "
          "create_trial): state COMPLETE (values one per direction), PRUNED or FAIL.\n"
          "Raises InvalidArgumentError for a value outside its distribution, params without a "
          "distribution, or a running/waiting state.")
      .def(
          "trials",
          [](PyStudy& s, const py::object& states) {
            std::vector<FrozenTrial> all;
            {
              py::gil_scoped_release release;
              all = s.get().trials();
            }
            if (states.is_none()) return all;
            std::vector<TrialState> keep;
            for (const auto& st : states) keep.push_back(trial_state_from_py(st));
            std::vector<FrozenTrial> out;
            for (auto& t : all)
              if (std::find(keep.begin(), keep.end(), t.state) != keep.end())
                out.push_back(std::move(t));
            return out;
          },
          py::arg("states") = py::none(),
          "trials(states: list[TrialState] | None = None) -> list[FrozenTrial]\n\n"
          "The study's trials by number, only those in `states` when given.")
      .def(
          "trial",
          [](PyStudy& s, int64_t number) {
            std::vector<FrozenTrial> all;
            {
              py::gil_scoped_release release;
              all = s.get().trials();
            }
            if (number < 0 || static_cast<size_t>(number) >= all.size())
              throw NotFound("study '" + s.get().name() + "' has no trial " +
                             std::to_string(number));
            return all[static_cast<size_t>(number)];
          },
          py::arg("number"),
          "trial(number: int) -> FrozenTrial\n\nRaises NotFoundError for an unknown number.")
      .def(
          "best_trial",
          [](PyStudy& s) {
            py::gil_scoped_release release;
            return s.get().best_trial();
          },
          "best_trial() -> FrozenTrial\n\nThe best complete trial; when some trial has constraint "
          "values, the best feasible one (a trial without constraint values then counts as "
          "infeasible). Raises InvalidStateError for several directions, NotFoundError when none "
          "has completed or none is feasible.")
      .def(
          "best_trials",
          [](PyStudy& s) {
            py::gil_scoped_release release;
            return s.get().best_trials();
          },
          "best_trials() -> list[FrozenTrial]\n\nThe Pareto front of the complete trials (of "
          "the feasible ones when some trial has constraint values, as best_trial).")
      .def(
          "set_user_attr",
          [](PyStudy& s, const std::string& key, const py::object& value) {
            nlohmann::json j = json_from_py(value, "user attribute '" + key + "'");
            py::gil_scoped_release release;
            s.get().set_user_attr(key, j);
          },
          py::arg("key"), py::arg("value"),
          "set_user_attr(key: str, value) -> None\n\nA JSON-serialisable study attribute.")
      .def(
          "user_attrs",
          [](PyStudy& s) {
            nlohmann::json j;
            {
              py::gil_scoped_release release;
              j = s.get().user_attrs();
            }
            return j;
          },
          "user_attrs() -> dict")
      .def(
          "system_attrs",
          [](PyStudy& s) {
            nlohmann::json j;
            {
              py::gil_scoped_release release;
              j = s.get().storage().study(s.get().id()).system_attrs;
            }
            return j;
          },
          "system_attrs() -> dict: parzen's own study attributes.")
      .def(
          "_clear_stop_request",
          [](PyStudy& s) -> py::object {
            std::optional<parzen::StopRequest> cleared;
            {
              py::gil_scoped_release release;
              cleared = parzen::clear_stop_request(s.get().storage(), s.get().id());
            }
            if (!cleared) return py::none();
            py::dict d;
            d["requested_at"] = cleared->requested_at;
            d["by"] = cleared->by;
            return d;
          },
          "_clear_stop_request() -> dict | None\n\nClears the study's stop request in the "
          "storage; returns it ({'requested_at', 'by'}) or None when there was none.")
      .def(
          "_set_system_attr",
          [](PyStudy& s, const std::string& key, const py::handle& value) {
            nlohmann::json j = json_from_py(value, "system attribute '" + key + "'");
            py::gil_scoped_release release;
            s.get().storage().set_study_system_attr(s.get().id(), key, j);
          },
          py::arg("key"), py::arg("value"),
          "_set_system_attr(key: str, value) -> None\n\nSets one of parzen's own study "
          "attributes (Study.__deepcopy__ copies a sampler's state, e.g. the grid's reserved "
          "points, with it).")
      .def(
          "trials_json",
          [](PyStudy& s) {
            nlohmann::json j;
            {
              py::gil_scoped_release release;
              j = s.get().trials_json();
            }
            return j;
          },
          "trials_json() -> dict\n\nThe export of `parzen export --format json`.")
      .def(
          "trials_csv",
          [](PyStudy& s) {
            std::ostringstream out;
            {
              py::gil_scoped_release release;
              s.get().write_trials_csv(out);
            }
            return out.str();
          },
          "trials_csv() -> str\n\nOne row per trial: number, state, values, parameters, times, "
          "user attributes, failure reason.");

  m.def(
      "_random_candidates",
      [](uint64_t seed, int64_t n, const SpaceArg& space) {
        const auto dists = space_from_py(space);
        Asked out;
        out.reserve(n > 0 ? static_cast<size_t>(n) : 0);
        for (int64_t number = 0; number < n; ++number) {
          std::vector<ParamValue> values;
          values.reserve(dists.size());
          for (const auto& [name, d] : dists) {
            // Trial::suggest on a new trial of a new study with no fixed or relative value.
            validate(d, name);
            double internal = 0.0;
            if (is_single(d)) {
              if (const auto* f = std::get_if<FloatDistribution>(&d)) internal = f->low;
              if (const auto* i = std::get_if<IntDistribution>(&d))
                internal = static_cast<double>(i->low);
            } else {
              // A generated study name does not enter the seed: the name "" draws the same.
              internal = detail::random_draw(seed, "", number, name, d);
            }
            values.push_back(to_external(d, internal));
          }
          out.emplace_back(number, std::move(values));
        }
        return asked_to_py(out);
      },
      py::arg("seed"), py::arg("n"), py::arg("space"),
      "_random_candidates(seed: int, n: int, space: list[tuple[str, Distribution]]) -> "
      "list[tuple[int, tuple]]\n\n"
      "The parameters that trials 0 .. n-1 of a new study with a generated name draw from "
      "RandomSampler(seed) when each suggests `space` in its order: _create_and_ask's answer "
      "for such a study, without creating it (no study, storage or sampler is made).");
  m.def(
      "_create_and_ask",
      [](const std::shared_ptr<PyStorage>& storage, const std::vector<std::string>& directions,
         const std::shared_ptr<PySampler>& sampler, const std::shared_ptr<PyPruner>& pruner,
         std::optional<double> heartbeat_interval, std::optional<double> grace_period,
         int max_retries, const py::object& log, int64_t n, const SpaceArg& space) {
        StudyOptions o = study_options(storage, sampler, pruner, heartbeat_interval, grace_period,
                                       max_retries, log);
        o.directions = parse_directions(directions);
        const auto dists = space_from_py(space);
        auto s = std::make_shared<PyStudy>();
        s->storage = storage;
        Asked asked;
        {
          py::gil_scoped_release release;
          s->study.emplace(Study::create(std::move(o)));
          try {
            asked = ask_suggest_n(s->get(), n, dists);
          } catch (const StudyExhausted&) {
            // the study is returned all the same: the caller reports that nothing was asked
          }
        }
        return py::make_tuple(s, asked_to_py(asked));
      },
      py::arg("storage"), py::arg("directions"), py::arg("sampler"), py::arg("pruner"),
      py::arg("heartbeat_interval"), py::arg("grace_period"), py::arg("max_retries"),
      py::arg("log"), py::arg("n"), py::arg("space"),
      "_create_and_ask(storage, directions, sampler, pruner, heartbeat_interval, grace_period, "
      "max_retries, log, n: int, space: list[tuple[str, Distribution]]) -> tuple[StudyCore, "
      "list[tuple[int, tuple]]]\n\n"
      "create_study (a generated name, not load_if_exists) then StudyCore._ask_suggest(n, "
      "space) on it, in one call (the GIL released once): the same study and trials as the two "
      "calls. n may be 0; no trial (an empty list) when the sampler is exhausted before the "
      "first.");
  m.def(
      "create_study",
      [](const std::shared_ptr<PyStorage>& storage, const std::optional<std::string>& study_name,
         const std::vector<std::string>& directions, const std::shared_ptr<PySampler>& sampler,
         const std::shared_ptr<PyPruner>& pruner, bool load_if_exists,
         std::optional<double> heartbeat_interval, std::optional<double> grace_period,
         int max_retries, const py::object& log) {
        StudyOptions o = study_options(storage, sampler, pruner, heartbeat_interval, grace_period,
                                       max_retries, log);
        o.name = study_name.value_or("");
        o.directions = parse_directions(directions);
        o.load_if_exists = load_if_exists;
        auto s = std::make_shared<PyStudy>();
        s->storage = storage;
        py::gil_scoped_release release;
        s->study.emplace(Study::create(std::move(o)));
        return s;
      },
      py::arg("storage"), py::arg("study_name") = py::none(),
      py::arg("directions") = std::vector<std::string>{"minimize"}, py::arg("sampler") = nullptr,
      py::arg("pruner") = nullptr, py::arg("load_if_exists") = false,
      py::arg("heartbeat_interval") = py::none(), py::arg("grace_period") = py::none(),
      py::arg("max_retries") = 0, py::arg("log") = py::none(),
      "create_study(storage: Storage, study_name: str | None = None, directions: list[str] = "
      "['minimize'], sampler: Sampler | None = None, pruner: Pruner | None = None, "
      "load_if_exists: bool = False, heartbeat_interval: float | None = None, grace_period: "
      "float | None = None, max_retries: int = 0, log: Callable[[str, str], None] | None = None) "
      "-> StudyCore\n\n"
      "Creates a study (None: a generated unique name). Default sampler random, pruner none. "
      "heartbeat_interval (seconds): trials beat and stale ones (no beat for grace_period, "
      "default twice the interval) are failed and retried up to max_retries times. "
      "log(level, message) receives the library's messages, level 'debug'/'info'/'warning', "
      "with the GIL held, from any thread.\n"
      "Raises DuplicatedStudyError (unless load_if_exists), InvalidArgumentError, "
      "StorageInternalError.");

  m.def(
      "load_study",
      [](const std::shared_ptr<PyStorage>& storage, const std::optional<std::string>& study_name,
         const std::shared_ptr<PySampler>& sampler, const std::shared_ptr<PyPruner>& pruner,
         std::optional<double> heartbeat_interval, std::optional<double> grace_period,
         int max_retries, const py::object& log) {
        StudyOptions o = study_options(storage, sampler, pruner, heartbeat_interval, grace_period,
                                       max_retries, log);
        auto s = std::make_shared<PyStudy>();
        s->storage = storage;
        py::gil_scoped_release release;
        if (study_name) {
          o.name = *study_name;
        } else {
          // Optuna's load_study(study_name=None): the storage's only study.
          auto all = storage->storage->studies();
          if (all.size() != 1)
            throw InvalidArgument("load_study: study_name is None but the storage holds " +
                                  std::to_string(all.size()) + " studies; give its name");
          o.name = all[0].name;
        }
        s->study.emplace(Study::load(std::move(o)));
        return s;
      },
      py::arg("storage"), py::arg("study_name"), py::arg("sampler") = nullptr,
      py::arg("pruner") = nullptr, py::arg("heartbeat_interval") = py::none(),
      py::arg("grace_period") = py::none(), py::arg("max_retries") = 0, py::arg("log") = py::none(),
      "load_study(storage, study_name, sampler=None, pruner=None, heartbeat_interval=None, "
      "grace_period=None, max_retries=0, log=None) -> StudyCore\n\n"
      "Opens an existing study (study_name None: the storage's only study, as Optuna). Raises "
      "NotFoundError.");

  m.def(
      "delete_study",
      [](const std::shared_ptr<PyStorage>& storage, const std::string& study_name) {
        py::gil_scoped_release release;
        auto id = storage->storage->find_study(study_name);
        if (!id) throw NotFound("study '" + study_name + "' not found");
        storage->storage->delete_study(*id);
      },
      py::arg("storage"), py::arg("study_name"),
      "delete_study(storage: Storage, study_name: str) -> None\n\nDeletes the study and its "
      "trials. Raises NotFoundError.");

  m.def(
      "study_summaries",
      [](const std::shared_ptr<PyStorage>& storage) {
        std::vector<StudyInfo> infos;
        std::vector<std::vector<FrozenTrial>> trials;
        {
          py::gil_scoped_release release;
          infos = storage->storage->studies();
          for (const auto& i : infos) trials.push_back(storage->storage->trials(i.id));
        }
        py::list out;
        for (size_t k = 0; k < infos.size(); ++k) {
          const auto& i = infos[k];
          py::dict d;
          d["name"] = i.name;
          d["study_id"] = i.id;
          d["directions"] = direction_names(i.directions);
          d["n_trials"] = i.n_trials;
          d["datetime_created"] = time_to_py(i.datetime_created);
          d["user_attrs"] = pyjson::from_json(i.user_attrs);
          d["system_attrs"] = pyjson::from_json(i.system_attrs);
          d["best"] = best_of(trials[k], i.directions);
          out.append(d);
        }
        return out;
      },
      py::arg("storage"),
      "study_summaries(storage: Storage) -> list[dict]\n\nOne dict per study: name, study_id, "
      "directions, n_trials, datetime_created, user_attrs, system_attrs, best (the best "
      "complete FrozenTrial of a single-objective study, else None).");
}

}  // namespace parzen::python
