// parzen._core.param_importances: parzen/importance.hpp for the parzen.importance module.
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "parzen/error.hpp"
#include "parzen/importance.hpp"

namespace parzen::python {

void bind_importance(py::module_& m) {
  m.def(
      "param_importances",
      [](std::vector<FrozenTrial> trials, const std::vector<std::string>& directions,
         const std::string& evaluator, const std::vector<std::string>& params,
         const std::optional<std::vector<double>>& target_values, double baseline_quantile,
         bool evaluate_on_local, int n_trees, int max_depth, uint64_t seed) {
        ImportanceOptions o;
        o.evaluator = importance_evaluator_from_string(evaluator);
        o.params = params;
        o.baseline_quantile = baseline_quantile;
        o.evaluate_on_local = evaluate_on_local;
        o.n_trees = n_trees;
        o.max_depth = max_depth;
        o.seed = seed;
        std::vector<Direction> dirs;
        for (const auto& d : directions) dirs.push_back(direction_from_string(d));
        if (target_values) {
          // target(trial) per trial, lower is better (Optuna's rule for a target).
          if (target_values->size() != trials.size())
            throw InvalidArgument("param_importances: one target value per trial is needed");
          for (size_t k = 0; k < trials.size(); ++k) trials[k].values = {(*target_values)[k]};
          dirs = {Direction::Minimize};
        }
        py::gil_scoped_release release;
        return param_importances(trials, dirs, o);
      },
      py::arg("trials"), py::arg("directions"), py::arg("evaluator") = "ped-anova",
      py::arg("params") = std::vector<std::string>{}, py::arg("target_values") = py::none(),
      py::arg("baseline_quantile") = 0.1, py::arg("evaluate_on_local") = true,
      py::arg("n_trees") = 64, py::arg("max_depth") = 64, py::arg("seed") = 0,
      "param_importances(trials: list[FrozenTrial], directions: list[str], evaluator: str = "
      "'ped-anova', params: list[str] = [], target_values: list[float] | None = None, "
      "baseline_quantile: float = 0.1, evaluate_on_local: bool = True, n_trees: int = 64, "
      "max_depth: int = 64, seed: int = 0) -> list[tuple[str, float]]\n\n"
      "Parameter importances, sorted, summing to 1 (parzen/importance.hpp). target_values: "
      "one value per trial replacing the objective (lower is better). Raises "
      "InvalidArgumentError (ValueError) with what to do.");
}

}  // namespace parzen::python
