#pragma once
// Shared declarations of the parzen._core extension (see /docs: the Python binding).
//
// GIL rules: every call into the parzen library that may sample, touch a storage or wait runs
// under py::gil_scoped_release; every Python callable the library calls (objective, callbacks,
// log function) runs under py::gil_scoped_acquire, from whatever thread calls it. Python objects
// that C++ keeps (the log function, a stored Python exception) are held through PyRef, whose
// deleter takes the GIL, so they can be destroyed from any thread.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11_json/pybind11_json.hpp>

#include "parzen/distributions.hpp"
#include "parzen/frozen_trial.hpp"
#include "parzen/pruner.hpp"
#include "parzen/sampler.hpp"
#include "parzen/storage.hpp"
#include "parzen/study.hpp"

namespace py = pybind11;

namespace parzen::python {

// A Python object owned from C++: its last reference is dropped with the GIL held, whichever
// thread drops it.
using PyRef = std::shared_ptr<py::object>;
PyRef make_ref(py::object object);

// A Python exception carried through C++ code (out of a callback, or kept by optimize() to
// re-raise): what() is computed when it is created, under the GIL, so C++ may call it without.
class PythonError : public std::exception {
 public:
  // Takes the Python error currently set (PyErr_Occurred) or the one `e` holds.
  explicit PythonError(py::error_already_set e);
  const char* what() const noexcept override { return message_.c_str(); }
  // "ValueError: msg" style
  const std::string& message() const { return message_; }
  const std::string& type_name() const { return type_name_; }
  // The exception object. Needs the GIL.
  py::object value() const { return error_->value(); }
  // Sets the original exception (same object, traceback kept) as the current Python error and
  // throws py::error_already_set. Needs the GIL; call at most once per error.
  [[noreturn]] void reraise() const;

 private:
  std::shared_ptr<py::error_already_set> error_;  // deleted with the GIL (pybind11's deleter)
  std::string type_name_{};
  std::string message_{};
};

// parzen.exceptions.<name> (falling back to a builtin when the package is not importable) and
// parzen.TrialState. Need the GIL.
py::object exception_class(const char* name);
py::object trial_state_to_py(TrialState state);
TrialState trial_state_from_py(const py::handle& state);

// Values.
ParamValue param_value_from_py(const py::handle& value, const char* what = "value");
py::object param_value_to_py(const ParamValue& value);
py::object distribution_to_py(const Distribution& distribution);
Distribution distribution_from_py(const py::handle& distribution);
py::dict params_to_py(const std::map<std::string, ParamValue>& params);
py::dict distributions_to_py(const std::map<std::string, Distribution>& distributions);
py::object time_to_py(const std::optional<Clock::time_point>& time);
// A float from a Python number (int, float, numpy scalar), nullopt when it is not one.
std::optional<double> float_from_py(const py::handle& value);
// A JSON-able Python value (dict/list/str/number/bool/None) as JSON. what names it in errors:
// ValueError when nested deeper than 1000 levels, TypeError when not JSON serializable.
nlohmann::json json_from_py(const py::handle& value, const std::string& what = "the value");

// Sampler and pruner objects as Python sees them: the registry name and options kept beside the
// built object.
struct PySampler {
  std::string name;
  nlohmann::json options;
  std::shared_ptr<Sampler> sampler;
};
struct PyPruner {
  std::string name;
  nlohmann::json options;
  std::shared_ptr<Pruner> pruner;
};
struct PyStorage {
  std::string url;  // redacted
  std::shared_ptr<Storage> storage;
};

// The live trial handed to Python: either owned (ask()) or borrowed from optimize() for the
// duration of the objective call, then replaced by a copy of its final record.
class PyTrial {
 public:
  explicit PyTrial(Trial trial) : owned_(std::make_unique<Trial>(std::move(trial))) {}
  explicit PyTrial(Trial* borrowed) : borrowed_(borrowed) {}
  ~PyTrial();
  Trial& get();
  const FrozenTrial& record() const;
  // Ends the borrow (the objective returned): keeps a copy of the record for reading.
  void release();
  // A NaN/inf value given to report(): the core stores finite values only, so the binding keeps
  // the first one here and should_prune() answers True (Optuna's pruners prune a NaN trial).
  std::optional<std::pair<int64_t, double>> nonfinite_report{};
  // Serialises every use of the trial (a Python thread may keep using it after its objective
  // returned, or two threads may share an asked trial): taken with the GIL released, held around
  // each call into the core Trial, each read of its record and release().
  std::mutex& mutex() const { return mu_; }

 private:
  mutable std::mutex mu_;
  Trial* borrowed_ = nullptr;
  std::unique_ptr<Trial> owned_{};
  std::optional<FrozenTrial> final_{};
};

void bind_distributions(py::module_& m);
void bind_trial(py::module_& m);
void bind_study(py::module_& m);
void bind_importance(py::module_& m);

}  // namespace parzen::python
