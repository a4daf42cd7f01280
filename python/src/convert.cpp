// Conversions between the parzen library's values and Python objects, and exception helpers.

#include <chrono>
#include <cmath>

#include "common.hpp"
#include "parzen/error.hpp"

namespace parzen::python {

PyRef make_ref(py::object object) {
  return PyRef(new py::object(std::move(object)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

PythonError::PythonError(py::error_already_set e)
    : error_(std::make_shared<py::error_already_set>(std::move(e))) {
  // error_already_set's type() and value() are the normalized exception.
  type_name_ = py::str(error_->type().attr("__name__")).cast<std::string>();
  try {
    message_ = py::str(error_->value()).cast<std::string>();
  } catch (const py::error_already_set&) {
    message_ = "<unprintable " + type_name_ + ">";
  }
}

void PythonError::reraise() const {
  // restore() sets the original exception object (with its traceback) as the current error.
  error_->restore();
  throw py::error_already_set();
}

namespace {

py::object import_attr(const char* module, const char* name) {
  try {
    return py::module_::import(module).attr(name);
  } catch (const py::error_already_set&) {
    return py::none();
  }
}

}  // namespace

py::object exception_class(const char* name) {
  py::object cls = import_attr("parzen.exceptions", name);
  if (!cls.is_none()) return cls;
  // Fallbacks while the package is missing (a bare _core): the builtin each class derives from.
  const std::string n = name;
  py::module_ builtins = py::module_::import("builtins");
  if (n == "InvalidArgumentError" || n == "OptionError") return builtins.attr("ValueError");
  if (n == "NotFoundError") return builtins.attr("KeyError");
  return builtins.attr("RuntimeError");
}

py::object trial_state_to_py(TrialState state) {
  int v = 0;
  switch (state) {
    case TrialState::Running:
      v = 0;
      break;
    case TrialState::Complete:
      v = 1;
      break;
    case TrialState::Pruned:
      v = 2;
      break;
    case TrialState::Failed:
      v = 3;
      break;
    case TrialState::Waiting:
      v = 4;
      break;
  }
  // Looked up once (leaked on purpose: never destroyed without the GIL at exit); the GIL
  // serialises the first lookup.
  static py::object* cls = nullptr;
  if (!cls) {
    py::object c = import_attr("parzen._state", "TrialState");
    if (c.is_none()) return py::int_(v);
    cls = new py::object(std::move(c));
  }
  return (*cls)(v);
}

TrialState trial_state_from_py(const py::handle& state) {
  if (py::isinstance<py::str>(state)) return trial_state_from_string(state.cast<std::string>());
  int v = -1;
  try {
    v = py::int_(py::reinterpret_borrow<py::object>(state)).cast<int>();
  } catch (const py::error_already_set&) {
    throw py::type_error("expected a TrialState, got " + py::repr(state).cast<std::string>());
  }
  switch (v) {
    case 0:
      return TrialState::Running;
    case 1:
      return TrialState::Complete;
    case 2:
      return TrialState::Pruned;
    case 3:
      return TrialState::Failed;
    case 4:
      return TrialState::Waiting;
    default:
      throw py::value_error("no TrialState has the value " + std::to_string(v));
  }
}

namespace {

bool is_numpy_scalar(const py::handle& v) {
  return py::hasattr(v, "dtype") && py::hasattr(v, "item") && !py::hasattr(v, "__len__");
}

}  // namespace

std::optional<double> float_from_py(const py::handle& v) {
  if (PyBool_Check(v.ptr())) return PyObject_IsTrue(v.ptr()) ? 1.0 : 0.0;
  if (PyFloat_Check(v.ptr())) return PyFloat_AsDouble(v.ptr());
  if (PyLong_Check(v.ptr())) {
    const double d = PyLong_AsDouble(v.ptr());
    if (d == -1.0 && PyErr_Occurred()) {
      // Too large for a double (2**2000): not a float, as Optuna's "could not be cast" case.
      if (!PyErr_ExceptionMatches(PyExc_OverflowError)) throw py::error_already_set();
      PyErr_Clear();
      return std::nullopt;
    }
    return d;
  }
  // numpy scalars, 0-d tensors, Decimal, ...: whatever float() accepts, as Optuna's float(value).
  if (!PyUnicode_Check(v.ptr()) && !PyBytes_Check(v.ptr()) && py::hasattr(v, "__float__")) {
    try {
      return py::float_(py::reinterpret_borrow<py::object>(v)).cast<double>();
    } catch (const py::error_already_set&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

ParamValue param_value_from_py(const py::handle& v, const char* what) {
  PyObject* p = v.ptr();
  if (PyBool_Check(p)) return ParamValue(p == Py_True);
  if (PyLong_Check(p)) {
    int overflow = 0;
    const long long i = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow != 0)
      throw py::value_error(std::string(what) + " " + py::repr(v).cast<std::string>() +
                            " does not fit in a 64-bit integer");
    if (i == -1 && PyErr_Occurred()) throw py::error_already_set();
    return ParamValue(static_cast<int64_t>(i));
  }
  if (PyFloat_Check(p)) return ParamValue(PyFloat_AsDouble(p));
  if (PyUnicode_Check(p)) return ParamValue(v.cast<std::string>());
  if (is_numpy_scalar(v)) {
    // numpy.bool_, integers and floats, as Optuna accepts them: their Python value.
    py::object item = v.attr("item")();
    PyObject* q = item.ptr();
    if (PyBool_Check(q) || PyLong_Check(q) || PyFloat_Check(q) || PyUnicode_Check(q))
      return param_value_from_py(item, what);
  }
  if (v.is_none()) return ParamValue(nullptr);
  throw py::type_error(std::string(what) + " must be str, int, float, bool or None, got " +
                       py::repr(v).cast<std::string>() + " of type " +
                       py::str(v.get_type().attr("__name__")).cast<std::string>());
}

py::object param_value_to_py(const ParamValue& value) {
  return std::visit(
      [](const auto& x) -> py::object {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::nullptr_t>) {
          return py::none();
        } else {
          return py::cast(x);
        }
      },
      value);
}

py::dict params_to_py(const std::map<std::string, ParamValue>& params) {
  py::dict d;
  for (const auto& [k, v] : params) d[py::str(k)] = param_value_to_py(v);
  return d;
}

py::dict distributions_to_py(const std::map<std::string, Distribution>& distributions) {
  py::dict d;
  for (const auto& [k, v] : distributions) d[py::str(k)] = distribution_to_py(v);
  return d;
}

py::object distribution_to_py(const Distribution& distribution) {
  return std::visit([](const auto& d) -> py::object { return py::cast(d); }, distribution);
}

Distribution distribution_from_py(const py::handle& d) {
  if (py::isinstance<FloatDistribution>(d)) return d.cast<FloatDistribution>();
  if (py::isinstance<IntDistribution>(d)) return d.cast<IntDistribution>();
  if (py::isinstance<CategoricalDistribution>(d)) return d.cast<CategoricalDistribution>();
  throw py::type_error(
      "expected a FloatDistribution, IntDistribution or CategoricalDistribution, got " +
      py::repr(d).cast<std::string>());
}

py::object time_to_py(const std::optional<Clock::time_point>& time) {
  if (!time) return py::none();
  const double seconds = std::chrono::duration<double>(time->time_since_epoch()).count();
  // Naive local time, as Optuna's FrozenTrial.datetime_start.
  static py::object* fromtimestamp =
      new py::object(py::module_::import("datetime").attr("datetime").attr("fromtimestamp"));
  return (*fromtimestamp)(seconds);
}

namespace {

// pybind11_json converts recursively on the C stack: a deeply nested (or cyclic) value would
// overflow it. Walk it first, without recursion, and refuse more than kMaxJsonDepth levels.
constexpr int kMaxJsonDepth = 1000;

void check_json_depth(const py::handle& value, const std::string& what) {
  std::vector<std::pair<py::handle, int>> todo{{value, 0}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    const bool is_dict = py::isinstance<py::dict>(v);
    if (!is_dict && !py::isinstance<py::list>(v) && !py::isinstance<py::tuple>(v)) continue;
    if (depth >= kMaxJsonDepth)
      throw py::value_error(what + " is nested deeper than " + std::to_string(kMaxJsonDepth) +
                            " levels (or contains itself); it cannot be stored as JSON");
    if (is_dict) {
      for (auto item : py::reinterpret_borrow<py::dict>(v))
        todo.emplace_back(item.second, depth + 1);
    } else {
      for (auto item : v) todo.emplace_back(item, depth + 1);
    }
  }
}

}  // namespace

nlohmann::json json_from_py(const py::handle& value, const std::string& what) {
  check_json_depth(value, what);
  try {
    if (auto f = float_from_py(value); f && is_numpy_scalar(value)) {
      py::object item = value.attr("item")();
      return pyjson::to_json(item);
    }
    return pyjson::to_json(value);
  } catch (const py::error_already_set&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw py::type_error(what + " is not JSON serializable (" + std::string(e.what()) + ")");
  }
}

}  // namespace parzen::python
