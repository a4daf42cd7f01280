// Trial (the live trial handed to objectives) and FrozenTrial (a read-only record).

#include <chrono>
#include <cmath>

#include "common.hpp"
#include "parzen/error.hpp"

namespace parzen::python {

PyTrial::~PyTrial() {
  if (owned_) {
    // The trial holds the study's core; dropping the last reference may join its threads,
    // which may call back into Python: not with the GIL held.
    py::gil_scoped_release release;
    owned_.reset();
  }
}

Trial& PyTrial::get() {
  if (borrowed_) return *borrowed_;
  if (owned_ && !final_) return *owned_;
  throw InvalidState("trial " + std::to_string(record().number) +
                     " has finished: its objective returned; it can be read, not changed");
}

const FrozenTrial& PyTrial::record() const {
  if (borrowed_) return borrowed_->record();
  if (final_) return *final_;
  return owned_->record();
}

void PyTrial::release() {
  // The objective returned (GIL held): another thread may still be inside a call on this trial.
  py::gil_scoped_release gil;
  std::lock_guard<std::mutex> lock(mu_);
  if (borrowed_) final_ = borrowed_->record();
  borrowed_ = nullptr;
}

namespace {

// Runs f with the GIL released and the trial's mutex held (the order that cannot deadlock: a
// thread holding the mutex may need the GIL for a log line).
template <class F>
auto with_trial(const PyTrial& t, F&& f) {
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(t.mutex());
  return f();
}

FrozenTrial snapshot(const PyTrial& t) {
  return with_trial(t, [&] { return t.record(); });
}

py::dict json_dict(const nlohmann::json& j) {
  py::object o = pyjson::from_json(j);
  if (py::isinstance<py::dict>(o)) return o;
  return py::dict();
}

py::object values_or_none(const FrozenTrial& t) {
  if (t.values.empty()) return py::none();
  return py::cast(t.values);
}

// Optuna's UserWarning for a step that does not divide the range (high is lowered to the last
// multiple), issued before the core sees the distribution.
void warn_adjusted(const std::string& msg) {
  if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) != 0) throw py::error_already_set();
}

int64_t adjust_int_high(int64_t low, int64_t high, int64_t step) {
  if (step <= 0 || low > high) return high;  // the core explains these
  const auto span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  const auto r = span % static_cast<uint64_t>(step);
  if (r == 0) return high;
  const int64_t adjusted = static_cast<int64_t>(static_cast<uint64_t>(high) - r);
  warn_adjusted("The distribution is specified by [" + std::to_string(low) + ", " +
                std::to_string(high) + "] and step=" + std::to_string(step) +
                ", but the range is not divisible by `step`. It will be replaced by [" +
                std::to_string(low) + ", " + std::to_string(adjusted) + "].");
  return adjusted;
}

double adjust_float_high(double low, double high, double step) {
  if (!std::isfinite(step) || step <= 0 || !(low <= high) || !std::isfinite(low) ||
      !std::isfinite(high))
    return high;  // the core explains these
  // Optuna's decimal arithmetic on the str() of each number (parzen.distributions).
  return py::module_::import("parzen.distributions")
      .attr("_adjust_discrete_uniform_high")(low, high, step)
      .cast<double>();
}

// report()'s step: an int, or a float with an integer value (as Optuna, which stores int(step)).
int64_t step_from_py(const py::object& step) {
  if (py::isinstance<py::bool_>(step) ||
      !(py::isinstance<py::int_>(step) || py::isinstance<py::float_>(step) ||
        py::hasattr(step, "__index__")))
    throw py::type_error("report: step must be an int, got " + py::repr(step).cast<std::string>());
  if (py::isinstance<py::float_>(step)) {
    const double f = step.cast<double>();
    if (!std::isfinite(f) || f != std::floor(f) || std::fabs(f) > 9.0e18)
      throw py::type_error("report: step must be an int (or a float with an integer value), got " +
                           py::repr(step).cast<std::string>());
    return static_cast<int64_t>(f);
  }
  return py::int_(step).cast<int64_t>();
}

std::string attr_repr(const py::object& self, const char* name) {
  return py::repr(self.attr(name)).cast<std::string>();
}

// FrozenTrial as JSON, for pickling (multiprocessing, copy).
nlohmann::json time_json(const std::optional<Clock::time_point>& t) {
  if (!t) return nullptr;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count();
}
std::optional<Clock::time_point> time_from(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(j.get<int64_t>())));
}
nlohmann::json frozen_to_json(const FrozenTrial& t) {
  nlohmann::json params = nlohmann::json::object(), dists = nlohmann::json::object();
  for (const auto& [k, v] : t.params) params[k] = to_json(v);
  for (const auto& [k, d] : t.distributions) dists[k] = to_json(d);
  nlohmann::json inter = nlohmann::json::array();
  for (const auto& [k, v] : t.intermediate_values) inter.push_back({k, v});
  return {{"id", t.id},
          {"number", t.number},
          {"state", std::string(to_string(t.state))},
          {"params", params},
          {"distributions", dists},
          {"values", t.values},
          {"constraints", t.constraints},
          {"intermediate_values", inter},
          {"user_attrs", t.user_attrs},
          {"system_attrs", t.system_attrs},
          {"datetime_start", time_json(t.datetime_start)},
          {"datetime_complete", time_json(t.datetime_complete)},
          {"last_heartbeat", time_json(t.last_heartbeat)},
          {"worker", t.worker},
          {"fail_reason", t.fail_reason}};
}
FrozenTrial frozen_from_json(const nlohmann::json& j) {
  FrozenTrial t;
  t.id = j.at("id").get<int64_t>();
  t.number = j.at("number").get<int64_t>();
  t.state = trial_state_from_string(j.at("state").get<std::string>());
  for (const auto& [k, v] : j.at("params").items()) t.params[k] = param_value_from_json(v);
  for (const auto& [k, v] : j.at("distributions").items())
    t.distributions[k] = distribution_from_json(v);
  t.values = j.at("values").get<std::vector<double>>();
  t.constraints = j.at("constraints").get<std::vector<double>>();
  for (const auto& p : j.at("intermediate_values"))
    t.intermediate_values[p.at(0).get<int64_t>()] = p.at(1).get<double>();
  t.user_attrs = j.at("user_attrs");
  t.system_attrs = j.at("system_attrs");
  t.datetime_start = time_from(j.at("datetime_start"));
  t.datetime_complete = time_from(j.at("datetime_complete"));
  t.last_heartbeat = time_from(j.at("last_heartbeat"));
  t.worker = j.at("worker").get<std::string>();
  t.fail_reason = j.at("fail_reason").get<std::string>();
  return t;
}

}  // namespace

void bind_trial(py::module_& m) {
  using TrialRef = std::shared_ptr<PyTrial>;
  py::class_<PyTrial, TrialRef>(
      m, "Trial",
      "A trial being evaluated, as Optuna's Trial: handed to the objective by optimize() or "
      "returned by ask(). Used by one thread at a time. After its objective returns it can be "
      "read but not changed (InvalidStateError).")
      .def_property_readonly(
          "number",
          [](const PyTrial& t) { return with_trial(t, [&] { return t.record().number; }); },
          "int: 0, 1, 2, ... within the study, in creation order.")
      .def_property_readonly(
          "_trial_id",
          [](const PyTrial& t) { return with_trial(t, [&] { return t.record().id; }); },
          "int: the id, unique within the storage.")
      .def_property_readonly(
          "params", [](const PyTrial& t) { return params_to_py(snapshot(t).params); },
          "dict[str, value]: the parameters suggested so far.")
      .def_property_readonly(
          "distributions",
          [](const PyTrial& t) { return distributions_to_py(snapshot(t).distributions); },
          "dict[str, Distribution]: the distributions of the parameters suggested so far.")
      .def_property_readonly(
          "user_attrs", [](const PyTrial& t) { return json_dict(snapshot(t).user_attrs); },
          "dict: the user attributes (JSON values).")
      .def_property_readonly(
          "system_attrs", [](const PyTrial& t) { return json_dict(snapshot(t).system_attrs); },
          "dict: parzen's own attributes (fixed_params, retried_from, ...).")
      .def_property_readonly(
          "datetime_start", [](const PyTrial& t) { return time_to_py(snapshot(t).datetime_start); },
          "datetime | None: when the trial started (naive local time, as Optuna).")
      .def(
          "suggest_float",
          [](PyTrial& t, const std::string& name, double low, double high,
             std::optional<double> step, bool log) {
            if (step && !log) high = adjust_float_high(low, high, *step);
            return with_trial(t, [&] {
              return t.get().suggest_float(name, low, high, FloatOptions{log, step});
            });
          },
          py::arg("name"), py::arg("low"), py::arg("high"), py::kw_only(),
          py::arg("step") = py::none(), py::arg("log") = false,
          "suggest_float(name: str, low: float, high: float, *, step: float | None = None, "
          "log: bool = False) -> float\n\n"
          "A value for the float parameter `name` in [low, high], as Optuna's "
          "Trial.suggest_float. step: only low, low + step, ..., high; log: sampled in log space "
          "(low > 0, no step). The same name again returns the same value.\n"
          "Raises InvalidArgumentError (ValueError) for a malformed range or the name suggested "
          "before with another distribution.")
      .def(
          "suggest_int",
          [](PyTrial& t, const std::string& name, int64_t low, int64_t high, int64_t step,
             bool log) {
            if (!log) high = adjust_int_high(low, high, step);
            return with_trial(t, [&] {
              return t.get().suggest_int(name, low, high, IntOptions{log, step});
            });
          },
          py::arg("name"), py::arg("low"), py::arg("high"), py::kw_only(), py::arg("step") = 1,
          py::arg("log") = false,
          "suggest_int(name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> "
          "int\n\n"
          "A value for the integer parameter `name` in {low, low + step, ..., high}, as Optuna's "
          "Trial.suggest_int. log: sampled in log space (low >= 1, step 1).\n"
          "Raises InvalidArgumentError (ValueError) for a malformed range or the name suggested "
          "before with another distribution.")
      .def(
          "suggest_categorical",
          [](PyTrial& t, const std::string& name, const py::iterable& choices) {
            CategoricalDistribution d;
            const std::string what = "parameter '" + name + "': choice";
            for (const auto& v : choices) d.choices.push_back(param_value_from_py(v, what.c_str()));
            ParamValue v = with_trial(t, [&] { return t.get().suggest(name, d); });
            return param_value_to_py(v);
          },
          py::arg("name"), py::arg("choices"),
          "suggest_categorical(name: str, choices: Sequence[str | int | float | bool | None]) -> "
          "choice\n\n"
          "One of the choices (the same object type), as Optuna's Trial.suggest_categorical.\n"
          "Raises InvalidArgumentError (ValueError) for no choices or a repeated choice, "
          "TypeError for a choice of another type.")
      .def(
          "_suggest",
          [](PyTrial& t, const std::string& name, const py::object& distribution) {
            Distribution d = distribution_from_py(distribution);
            ParamValue v = with_trial(t, [&] { return t.get().suggest(name, d); });
            return param_value_to_py(v);
          },
          py::arg("name"), py::arg("distribution"),
          "_suggest(name: str, distribution: Distribution) -> value\n\n"
          "The general form of the suggest methods: any distribution; the value in external "
          "form.")
      .def(
          "report",
          [](PyTrial& t, const py::object& value, const py::object& step_obj) {
            auto v = float_from_py(value);
            if (!v)
              throw py::type_error("report: value must be a float, got " +
                                   py::repr(value).cast<std::string>());
            const int64_t step = step_from_py(step_obj);
            if (!std::isfinite(*v)) {
              // The core stores finite values only: keep the first NaN/inf here, so that
              // should_prune() says True (Optuna's pruners prune a NaN trial) and the study goes
              // on. Negative steps and finished trials are refused as for finite values.
              const double value = *v;
              with_trial(t, [&] {
                (void)t.get();  // a released trial is refused as for finite values
                if (step < 0)
                  throw InvalidArgument("trial " + std::to_string(t.record().number) +
                                        ": a value is reported at step " + std::to_string(step) +
                                        "; steps are >= 0 (as in Optuna)");
                if (!t.nonfinite_report) t.nonfinite_report = std::make_pair(step, value);
              });
              return;
            }
            with_trial(t, [&] { t.get().report(step, *v); });
          },
          py::arg("value"), py::arg("step"),
          "report(value: float, step: int) -> None\n\n"
          "Reports an intermediate objective value at a step (e.g. an epoch), for pruning; "
          "Optuna's argument order. A step reported again keeps its first value (with a "
          "warning). step may be a float with an integer value. A NaN or infinite value is not "
          "stored (not in intermediate_values): it makes should_prune() return True from then "
          "on, whatever the pruner, so a diverged trial is pruned and the study goes on.\n"
          "Raises InvalidArgumentError (ValueError) for a negative step.")
      .def(
          "should_prune",
          [](PyTrial& t) {
            return with_trial(t, [&] {
              Trial& core = t.get();  // a finished trial is refused as usual
              if (t.nonfinite_report) return true;
              return core.should_prune();
            });
          },
          "should_prune() -> bool\n\n"
          "Whether the study's pruner would stop this trial now, from its reports, as Optuna's "
          "Trial.should_prune. Raise parzen.TrialPruned to prune it. True once a NaN or "
          "infinite value was reported.")
      .def(
          "set_user_attr",
          [](PyTrial& t, const std::string& key, const py::object& value) {
            nlohmann::json j = json_from_py(value, "user attribute '" + key + "'");
            with_trial(t, [&] { t.get().set_user_attr(key, j); });
          },
          py::arg("key"), py::arg("value"),
          "set_user_attr(key: str, value) -> None\n\n"
          "Stores a JSON-serialisable user attribute on the trial, as Optuna's.")
      .def(
          "set_constraints",
          [](PyTrial& t, const py::iterable& values) {
            std::vector<double> c;
            for (const auto& v : values) {
              auto f = float_from_py(v);
              if (!f)
                throw py::type_error("set_constraints: values must be floats, got " +
                                     py::repr(v).cast<std::string>());
              c.push_back(*f);
            }
            with_trial(t, [&] { t.get().set_constraints(c); });
          },
          py::arg("constraints"),
          "set_constraints(constraints: Sequence[float]) -> None\n\n"
          "Constraint values of the trial; it is feasible when all are <= 0 (Optuna's "
          "constraints_func convention). Raises InvalidArgumentError for NaN.")
      .def("__repr__", [](const PyTrial& t) {
        return "Trial(number=" + std::to_string(with_trial(t, [&] { return t.record().number; })) +
               ")";
      });

  py::class_<FrozenTrial>(m, "FrozenTrial",
                          "The read-only record of a finished (or running) trial, as Optuna's "
                          "FrozenTrial.")
      .def_readonly("number", &FrozenTrial::number, "int: the trial's number within the study.")
      .def_readonly("_trial_id", &FrozenTrial::id, "int: the id, unique within the storage.")
      .def_property_readonly(
          "state", [](const FrozenTrial& t) { return trial_state_to_py(t.state); },
          "TrialState: RUNNING, COMPLETE, PRUNED, FAIL or WAITING.")
      .def_property_readonly(
          "params", [](const FrozenTrial& t) { return params_to_py(t.params); },
          "dict[str, value]: the parameters.")
      .def_property_readonly(
          "distributions",
          [](const FrozenTrial& t) { return distributions_to_py(t.distributions); },
          "dict[str, Distribution]: the parameters' distributions.")
      .def_property_readonly("values", &values_or_none,
                             "list[float] | None: one value per direction (complete trials; a "
                             "pruned trial its last intermediate value), None when unset.")
      .def_property_readonly(
          "value",
          [](const FrozenTrial& t) -> py::object {
            if (t.values.empty()) return py::none();
            if (t.values.size() > 1)
              throw std::runtime_error(
                  "This attribute is not available during multi-objective optimization.");
            return py::float_(t.values[0]);
          },
          "float | None: the single objective value. Raises RuntimeError for several values, "
          "as Optuna.")
      .def_property_readonly(
          "intermediate_values",
          [](const FrozenTrial& t) {
            py::dict d;
            for (const auto& [k, v] : t.intermediate_values) d[py::int_(k)] = py::float_(v);
            return d;
          },
          "dict[int, float]: the reported values by step.")
      .def_property_readonly(
          "user_attrs", [](const FrozenTrial& t) { return json_dict(t.user_attrs); },
          "dict: user attributes.")
      .def_property_readonly(
          "system_attrs", [](const FrozenTrial& t) { return json_dict(t.system_attrs); },
          "dict: parzen's own attributes.")
      .def_readonly("constraints", &FrozenTrial::constraints,
                    "list[float]: constraint values (feasible when all <= 0).")
      .def_property_readonly(
          "datetime_start", [](const FrozenTrial& t) { return time_to_py(t.datetime_start); },
          "datetime | None: start (naive local time, as Optuna).")
      .def_property_readonly(
          "datetime_complete", [](const FrozenTrial& t) { return time_to_py(t.datetime_complete); },
          "datetime | None: completion (naive local time).")
      .def_property_readonly(
          "last_heartbeat", [](const FrozenTrial& t) { return time_to_py(t.last_heartbeat); },
          "datetime | None: the last heartbeat recorded.")
      .def_property_readonly(
          "duration",
          [](const FrozenTrial& t) -> py::object {
            auto s = t.duration_seconds();
            if (!s) return py::none();
            return py::module_::import("datetime").attr("timedelta")(py::arg("seconds") = *s);
          },
          "timedelta | None: completion minus start.")
      .def_readonly("fail_reason", &FrozenTrial::fail_reason, "str: why a failed trial failed.")
      .def_readonly("worker", &FrozenTrial::worker, "str: host:pid:thread that ran it.")
      .def("__eq__",
           [](const FrozenTrial& a, const py::object& other) {
             if (!py::isinstance<FrozenTrial>(other)) return false;
             const auto& b = other.cast<const FrozenTrial&>();
             return a.id == b.id && a.number == b.number && a.state == b.state &&
                    a.params == b.params && a.values == b.values &&
                    a.intermediate_values == b.intermediate_values &&
                    a.user_attrs == b.user_attrs && a.system_attrs == b.system_attrs &&
                    a.datetime_start == b.datetime_start &&
                    a.datetime_complete == b.datetime_complete && a.fail_reason == b.fail_reason;
           })
      .def("__hash__",
           [](const FrozenTrial& t) { return py::hash(py::make_tuple(t.id, t.number)); })
      .def("__copy__", [](const FrozenTrial& t) { return t; })
      .def(
          "__deepcopy__", [](const FrozenTrial& t, const py::object&) { return t; },
          py::arg("memo"))
      .def(py::pickle([](const FrozenTrial& t) { return py::str(frozen_to_json(t).dump()); },
                      [](const py::str& s) {
                        return frozen_from_json(nlohmann::json::parse(s.cast<std::string>()));
                      }))
      .def("__repr__", [](const py::object& self) {
        std::string s = "FrozenTrial(";
        const char* fields[] = {
            "number", "state",      "values",       "datetime_start",      "datetime_complete",
            "params", "user_attrs", "system_attrs", "intermediate_values", "distributions"};
        for (const char* f : fields) s += std::string(f) + "=" + attr_repr(self, f) + ", ";
        s += "trial_id=" + attr_repr(self, "_trial_id") + ", value=None)";
        return s;
      });
}

}  // namespace parzen::python
