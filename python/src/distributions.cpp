// FloatDistribution, IntDistribution and CategoricalDistribution, with Optuna's names,
// constructors and methods (optuna.distributions).

#include <cmath>
#include <functional>

#include "common.hpp"

namespace parzen::python {
namespace {

std::string py_repr(const py::object& o) { return py::repr(o).cast<std::string>(); }

// Optuna's BaseDistribution.__repr__: the attributes sorted by name.
std::string repr_of(const FloatDistribution& d) {
  return "FloatDistribution(high=" + py_repr(py::float_(d.high)) +
         ", log=" + (d.log ? "True" : "False") + ", low=" + py_repr(py::float_(d.low)) +
         ", step=" + (d.step ? py_repr(py::float_(*d.step)) : "None") + ")";
}
std::string repr_of(const IntDistribution& d) {
  return "IntDistribution(high=" + std::to_string(d.high) + ", log=" + (d.log ? "True" : "False") +
         ", low=" + std::to_string(d.low) + ", step=" + std::to_string(d.step) + ")";
}
py::tuple choices_tuple(const CategoricalDistribution& d) {
  py::tuple t(d.choices.size());
  for (size_t i = 0; i < d.choices.size(); ++i) t[i] = param_value_to_py(d.choices[i]);
  return t;
}
std::string repr_of(const CategoricalDistribution& d) {
  return "CategoricalDistribution(choices=" + py_repr(choices_tuple(d)) + ")";
}

template <class D>
void common_methods(py::class_<D>& c) {
  c.def("__eq__",
        [](const D& a, const py::object& b) {
          if (!py::isinstance<D>(b)) return false;
          return a == b.cast<const D&>();
        })
      .def("__hash__",
           [](const D& d) {
             return static_cast<py::ssize_t>(
                 std::hash<std::string>{}(to_json(Distribution(d)).dump()));
           })
      .def("__repr__", [](const D& d) { return repr_of(d); })
      .def(
          "single", [](const D& d) { return is_single(Distribution(d)); },
          "single() -> bool\n\nTrue when the distribution admits one value only (as Optuna's).")
      .def(
          "_contains",
          [](const D& d, double internal) { return contains(Distribution(d), internal); },
          py::arg("param_value_in_internal_repr"),
          "_contains(internal: float) -> bool\n\nTrue when the internal value lies in the "
          "distribution (on its grid when stepped), as Optuna's.")
      .def(
          "to_internal_repr",
          [](const D& d, const py::object& v) {
            return to_internal(Distribution(d), param_value_from_py(v, "param_value"));
          },
          py::arg("param_value_in_external_repr"),
          "to_internal_repr(value) -> float\n\nThe internal (float) form: the value for numbers, "
          "the index of the choice for categoricals. Raises InvalidArgumentError (ValueError) "
          "when the value is of the wrong type or outside the distribution.")
      .def(
          "to_external_repr",
          [](const D& d, double internal) {
            return param_value_to_py(to_external(Distribution(d), internal));
          },
          py::arg("param_value_in_internal_repr"),
          "to_external_repr(internal: float) -> value\n\nThe value the objective sees: a float, "
          "an int, or the choice at that index.")
      .def("__copy__", [](const D& d) { return d; })
      .def(
          "__deepcopy__", [](const D& d, py::dict) { return d; }, py::arg("memo"))
      .def(py::pickle(
          [](const D& d) { return to_json(Distribution(d)); },
          [](const nlohmann::json& j) { return std::get<D>(distribution_from_json(j)); }));
}

}  // namespace

void bind_distributions(py::module_& m) {
  py::class_<FloatDistribution> f(
      m, "FloatDistribution",
      "FloatDistribution(low: float, high: float, log: bool = False, step: float | None = None)\n\n"
      "A real parameter in [low, high], as Optuna's FloatDistribution. log: sample in log space "
      "(low > 0, no step); step: the values low, low + step, ..., high (high - low a multiple of "
      "step). Raises InvalidArgumentError (ValueError) when malformed.");
  f.def(py::init([](double low, double high, bool log, std::optional<double> step) {
          FloatDistribution d{low, high, log, step};
          validate(Distribution(d), "FloatDistribution");
          return d;
        }),
        py::arg("low"), py::arg("high"), py::arg("log") = false, py::arg("step") = py::none())
      .def_readonly("low", &FloatDistribution::low, "float: the lower bound (inclusive).")
      .def_readonly("high", &FloatDistribution::high, "float: the upper bound (inclusive).")
      .def_readonly("log", &FloatDistribution::log, "bool: sampled in log space.")
      .def_readonly("step", &FloatDistribution::step, "float | None: the grid spacing.");
  common_methods(f);

  py::class_<IntDistribution> i(
      m, "IntDistribution",
      "IntDistribution(low: int, high: int, log: bool = False, step: int = 1)\n\n"
      "An integer parameter in {low, low + step, ..., high}, as Optuna's IntDistribution. log: "
      "sample in log space (low >= 1, step 1). Raises InvalidArgumentError (ValueError) when "
      "malformed.");
  i.def(py::init([](int64_t low, int64_t high, bool log, int64_t step) {
          IntDistribution d{low, high, log, step};
          validate(Distribution(d), "IntDistribution");
          return d;
        }),
        py::arg("low"), py::arg("high"), py::arg("log") = false, py::arg("step") = 1)
      .def_readonly("low", &IntDistribution::low, "int: the lower bound (inclusive).")
      .def_readonly("high", &IntDistribution::high, "int: the upper bound (inclusive).")
      .def_readonly("log", &IntDistribution::log, "bool: sampled in log space.")
      .def_readonly("step", &IntDistribution::step, "int: the spacing of the values.");
  common_methods(i);

  py::class_<CategoricalDistribution> c(
      m, "CategoricalDistribution",
      "CategoricalDistribution(choices: Sequence[str | int | float | bool | None])\n\n"
      "One of a finite set of choices, as Optuna's CategoricalDistribution; the internal form is "
      "the index of the choice. Raises InvalidArgumentError (ValueError) for no choices or a "
      "choice given twice, TypeError for a choice of another type.");
  c.def(py::init([](const py::iterable& choices) {
          CategoricalDistribution d;
          for (const auto& v : choices) d.choices.push_back(param_value_from_py(v, "choice"));
          validate(Distribution(d), "CategoricalDistribution");
          return d;
        }),
        py::arg("choices"))
      .def_property_readonly(
          "choices", [](const CategoricalDistribution& d) { return choices_tuple(d); },
          "tuple: the choices, in order.");
  common_methods(c);
}

}  // namespace parzen::python
