// parzen._core: the module, exception translation, the registry, samplers, pruners, storages.

#include "common.hpp"
#include "parzen/error.hpp"
#include "parzen/registry.hpp"

namespace parzen::python {
namespace {

void set_error(const char* cls_name, const std::string& message) {
  py::object cls = exception_class(cls_name);
  PyErr_SetObject(cls.ptr(), py::str(message).ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const PythonError& e) {
    e.reraise();
  } catch (const OptionError& e) {
    py::object cls = exception_class("OptionError");
    py::object exc = cls(py::str(e.what()));
    try {
      exc.attr("key") = py::str(e.key());
    } catch (const py::error_already_set&) {
    }
    PyErr_SetObject(cls.ptr(), exc.ptr());
  } catch (const InvalidArgument& e) {
    set_error("InvalidArgumentError", e.what());
  } catch (const NotFound& e) {
    set_error("NotFoundError", e.what());
  } catch (const DuplicatedStudy& e) {
    set_error("DuplicatedStudyError", e.what());
  } catch (const InvalidState& e) {
    set_error("InvalidStateError", e.what());
  } catch (const StorageError& e) {
    set_error("StorageInternalError", e.what());
  } catch (const StudyExhausted& e) {
    set_error("StudyExhaustedError", e.what());
  } catch (const TrialPruned& e) {
    set_error("TrialPruned", e.what());
  } catch (const TrialFailed& e) {
    py::object cls = exception_class("TrialFailed");
    py::object exc;
    try {
      exc = cls(py::str(e.what()), py::bool_(e.retryable()));
    } catch (const py::error_already_set&) {
      exc = cls(py::str(e.what()));
    }
    PyErr_SetObject(cls.ptr(), exc.ptr());
  } catch (const Error& e) {
    set_error("ParzenError", e.what());
  }
}

std::string repr_options(const std::string& cls, const std::string& name,
                         const nlohmann::json& options) {
  return cls + "(name='" + name + "', options=" + options.dump() + ")";
}

}  // namespace
}  // namespace parzen::python

using namespace parzen::python;

PYBIND11_MODULE(_core, m) {
  m.doc() =
      "parzen._core: the C++ core of the parzen package (pybind11). Use the `parzen` package; "
      "this module's API is the contract it wraps. Calls that sample, touch a storage or wait "
      "release the GIL.";
  py::register_exception_translator(&translate);

  py::class_<PySampler, std::shared_ptr<PySampler>>(m, "Sampler",
                                                    "A sampler built from the registry "
                                                    "(make_sampler).")
      .def_readonly("name", &PySampler::name, "str: the registry name, e.g. 'tpe'.")
      .def_property_readonly(
          "options", [](const PySampler& s) { return s.options; },
          "dict: the options it was built with (registry JSON).")
      .def_property_readonly(
          "samples_from_history",
          [](const PySampler& s) { return s.sampler->samples_from_history(); },
          "bool: whether its draws depend on the study's trials (False: random, QMC and grid "
          "draw each trial from its seed and number alone; Sampler::samples_from_history).")
      .def("__repr__",
           [](const PySampler& s) { return repr_options("Sampler", s.name, s.options); });
  py::class_<PyPruner, std::shared_ptr<PyPruner>>(m, "Pruner",
                                                  "A pruner built from the registry "
                                                  "(make_pruner).")
      .def_readonly("name", &PyPruner::name, "str: the registry name, e.g. 'median'.")
      .def_property_readonly(
          "options", [](const PyPruner& s) { return s.options; },
          "dict: the options it was built with (registry JSON).")
      .def("__repr__", [](const PyPruner& s) { return repr_options("Pruner", s.name, s.options); });
  py::class_<PyStorage, std::shared_ptr<PyStorage>>(m, "Storage",
                                                    "An opened storage (open_storage). Share one "
                                                    "object between studies of one process.")
      .def_readonly("url", &PyStorage::url, "str: the URL, password redacted.")
      .def("__repr__", [](const PyStorage& s) { return "Storage('" + s.url + "')"; });

  m.def(
      "registry", [] { return parzen::registry_json(); },
      "registry() -> dict\n\nEvery sampler and pruner: names, summaries, options (type, default, "
      "range, help) and capabilities, as `parzen info --json` prints them.");

  m.def(
      "make_pruner",
      [](const std::string& name, const py::object& options) {
        nlohmann::json o = options.is_none() ? nlohmann::json::object() : json_from_py(options);
        std::shared_ptr<parzen::Pruner> p;
        {
          py::gil_scoped_release release;
          p = parzen::make_pruner(name, o);
        }
        return std::make_shared<PyPruner>(PyPruner{name, o, p});
      },
      py::arg("name"), py::arg("options") = py::none(),
      "make_pruner(name: str, options: dict | None = None) -> Pruner\n\n"
      "Builds a pruner of the registry by name (or alias) with options as registry JSON (a "
      "nested pruner is a dict with 'type').\n"
      "Raises InvalidArgumentError for an unknown name, OptionError (.key names the option) for "
      "an unknown option, a wrong type or a value out of range.");

  m.def(
      "make_sampler",
      [](const std::string& name, const py::object& options, const py::object& grid,
         const std::shared_ptr<PyPruner>& pruner) {
        nlohmann::json o = options.is_none() ? nlohmann::json::object() : json_from_py(options);
        parzen::SamplerContext context;
        if (!grid.is_none()) {
          for (const auto& item : grid) {
            auto pair = py::reinterpret_borrow<py::sequence>(item);
            if (pair.size() != 2) throw py::value_error("grid: expected (name, values) pairs");
            std::vector<parzen::ParamValue> values;
            for (const auto& v : pair[1]) values.push_back(param_value_from_py(v, "grid value"));
            context.grid.emplace_back(pair[0].cast<std::string>(), std::move(values));
          }
        }
        if (pruner) context.pruner = pruner->pruner;
        std::shared_ptr<parzen::Sampler> s;
        {
          py::gil_scoped_release release;
          s = parzen::make_sampler(name, o, context);
        }
        return std::make_shared<PySampler>(PySampler{name, o, s});
      },
      py::arg("name"), py::arg("options") = py::none(), py::arg("grid") = py::none(),
      py::arg("pruner") = nullptr,
      "make_sampler(name: str, options: dict | None = None, grid: list[tuple[str, list]] | None "
      "= None, pruner: Pruner | None = None) -> Sampler\n\n"
      "Builds a sampler of the registry by name with options as registry JSON. `grid` gives each "
      "parameter's values for samplers that need a grid ('grid'); `pruner` is the study's pruner "
      "for samplers that read it ('bohb', TPE's per_bracket). A sampler serves one study.\n"
      "Raises InvalidArgumentError for an unknown name or an unusable context, OptionError for a "
      "bad option.");

  m.def(
      "open_storage",
      [](const std::string& url) {
        std::shared_ptr<parzen::Storage> s;
        {
          py::gil_scoped_release release;
          s = parzen::make_storage(url);
        }
        return std::make_shared<PyStorage>(PyStorage{parzen::redact_storage_url(url), s});
      },
      py::arg("url"),
      "open_storage(url: str) -> Storage\n\n"
      "Opens a storage: 'memory:' or '' (a new private in-memory storage), "
      "'sqlite:///relative.db', 'sqlite:////absolute.db' (created if missing; '?timeout=SECONDS' "
      "waits that long for another process's lock, default 60), 'postgresql://user:pw@host/db'.\n"
      "Raises InvalidArgumentError for a malformed URL or unsupported scheme, "
      "StorageInternalError when the database cannot be opened.");

  bind_distributions(m);
  bind_trial(m);
  bind_study(m);
  bind_importance(m);
}
