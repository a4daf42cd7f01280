"""Builds the classes of ``parzen.samplers`` and ``parzen.pruners`` from ``_core.registry()``.

Every registry entry becomes a class whose keyword arguments are the entry's options, with the
registry's defaults. Where Optuna 3.1 has the sampler or pruner, the class has Optuna's name,
Optuna's positional argument order and Optuna's keyword names (``_OPTUNA`` below lists each
mapping); Optuna options that Parzen lacks raise ``TypeError`` saying so, unless the value given is
the behaviour Parzen has anyway (e.g. ``consider_prior=True``). Other entries are named after the
registry name (``"bohb"`` → ``BohbSampler``).
"""

import difflib
import inspect
from typing import Any, Dict, List, Optional, Tuple

from parzen import _core
from parzen import exceptions as _exceptions

_MISSING = object()
_ANY = object()  # an Optuna-only keyword accepted with any value (it only toggles warnings)

# registry name -> how Optuna spells it. "rename": Python keyword -> registry option;
# "positional": Optuna's positional order (Python keywords); "optuna_only": keyword -> the values
# that match what Parzen does (_ANY: any value) — other values raise TypeError;
# "defaults": Python defaults that differ from the registry's null ("auto"); "none_default":
# choice options whose Optuna default is None (crossover=None): None there means the default.
_OPTUNA: Dict[Tuple[str, str], Dict[str, Any]] = {
    ("sampler", "random"): {"cls": "RandomSampler", "positional": ["seed"]},
    ("sampler", "tpe"): {
        "cls": "TPESampler",
        "positional": ["consider_prior", "prior_weight", "consider_magic_clip",
                       "consider_endpoints", "n_startup_trials", "n_ei_candidates", "gamma",
                       "weights", "seed"],
        "optuna_only": {"consider_prior": (True,), "gamma": (None,), "weights": (None,),
                        "warn_independent_sampling": _ANY, "constraints_func": (None,)},
        "why": {"constraints_func": "call trial.set_constraints(values) in the objective instead"},
    },
    ("sampler", "grid"): {"cls": "GridSampler", "positional": ["search_space", "seed"]},
    ("sampler", "qmc"): {
        "cls": "QMCSampler",
        "positional": [],
        "optuna_only": {"qmc_type": ("sobol",), "independent_sampler": (None,),
                        "warn_asynchronous_seeding": _ANY, "warn_independent_sampling": _ANY},
        "why": {"qmc_type": "Parzen's QMCSampler is a Sobol sequence"},
    },
    ("sampler", "gp"): {"cls": "GPSampler", "positional": []},
    ("sampler", "nsga2"): {
        "cls": "NSGAIISampler",
        "positional": [],
        "optuna_only": {"constraints_func": (None,)},
        "why": {"constraints_func": "call trial.set_constraints(values) in the objective instead"},
        "none_default": ("crossover",),
    },
    ("sampler", "nsga3"): {
        "cls": "NSGAIIISampler",
        "positional": [],
        "optuna_only": {"constraints_func": (None,)},
        "why": {"constraints_func": "call trial.set_constraints(values) in the objective instead"},
        "none_default": ("crossover",),
    },
    ("sampler", "cmaes"): {
        "cls": "CmaEsSampler",
        "positional": ["x0", "sigma0", "n_startup_trials", "independent_sampler",
                       "warn_independent_sampling", "seed"],
        "optuna_only": {"x0": (None,), "independent_sampler": (None,), "source_trials": (None,)},
        "why": {"x0": "x0 is a C++ option (CmaEsSamplerOptions::x0)",
                "independent_sampler": "the independent sampler is random",
                "source_trials": "warm start is a C++ option (CmaEsSamplerOptions::source_trials)"},
    },
    ("pruner", "none"): {"cls": "NopPruner", "positional": []},
    ("pruner", "median"): {"cls": "MedianPruner",
                           "positional": ["n_startup_trials", "n_warmup_steps", "interval_steps"]},
    ("pruner", "percentile"): {
        "cls": "PercentilePruner",
        "positional": ["percentile", "n_startup_trials", "n_warmup_steps", "interval_steps"]},
    ("pruner", "threshold"): {"cls": "ThresholdPruner",
                              "positional": ["lower", "upper", "n_warmup_steps", "interval_steps"]},
    ("pruner", "patient"): {"cls": "PatientPruner", "rename": {"wrapped_pruner": "wrapped"},
                            "positional": ["wrapped_pruner", "patience", "min_delta"]},
    ("pruner", "successive_halving"): {
        "cls": "SuccessiveHalvingPruner",
        "positional": ["min_resource", "reduction_factor", "min_early_stopping_rate",
                       "bootstrap_count"]},
    ("pruner", "hyperband"): {
        "cls": "HyperbandPruner",
        "positional": ["min_resource", "max_resource", "reduction_factor", "bootstrap_count"]},
}


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


class _Base:
    """Shared by BaseSampler and BasePruner: holds the options given (registry names)."""

    _kind = ""  # "sampler" / "pruner"
    _registry_name = ""
    _entry: Dict[str, Any] = {}
    _params: List[Tuple[str, str, Any]] = []  # (python keyword, registry option, default)
    _positional: List[str] = []
    _optuna_only: Dict[str, Any] = {}
    _why: Dict[str, str] = {}
    _none_default: Tuple[str, ...] = ()  # choice options where None is Optuna's default
    _known: Dict[str, Tuple[str, str, Any]] = {}  # python keyword -> its _params entry
    _required: List[str] = []  # python keywords of the registry's required options

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        name = cls.__name__
        if len(args) > len(cls._positional):
            raise TypeError(f"{name}() takes {len(cls._positional)} positional arguments but "
                            f"{len(args)} were given")
        given: Dict[str, Any] = {}
        for key, value in zip(cls._positional, args):
            given[key] = value
        for key, value in kwargs.items():
            if key in given:
                raise TypeError(f"{name}() got multiple values for argument '{key}'")
            given[key] = value
        known = cls._known
        options: Dict[str, Any] = {}
        self._given: Dict[str, Any] = {}
        for key, value in given.items():
            if key in cls._optuna_only:
                allowed = cls._optuna_only[key]
                if allowed is not _ANY and not any(value is a or value == a for a in allowed):
                    why = cls._why.get(key)
                    raise TypeError(
                        f"{name}() does not support Optuna's option '{key}' (={value!r}): "
                        f"Parzen's '{cls._registry_name}' {cls._kind} has no such option"
                        + (f"; {why}" if why else ""))
                continue
            if key not in known:
                accepted = [p[0] for p in cls._params]
                close = difflib.get_close_matches(key, accepted, n=1)
                raise TypeError(
                    f"{name}() got an unexpected keyword argument '{key}'"
                    + (f" (did you mean '{close[0]}'?)" if close else "")
                    + "; accepted: " + (", ".join(accepted) if accepted else "none"))
            if value is None:
                value = self._none_for(key)
            self._given[key] = value
            options[known[key][1]] = self._convert(key, value)
        missing = [key for key in cls._required if key not in given]
        if missing:
            raise TypeError(f"{name}() missing required argument(s): "
                            + ", ".join(f"'{m}'" for m in missing))
        self._options = options
        self._validate()

    def _none_for(self, key: str) -> Any:
        """What ``key=None`` means: the default of an option whose default is unset (Optuna's
        ``seed=None``) or whose Optuna default is None (NSGA-II's ``crossover=None``), or ``""``
        for a choice that has it (``restart_strategy=None``, Optuna's spelling of "never"). Any
        other choice (``constraints_method``, GP's ``acquisition``: Parzen's own options) raises
        OptionError naming it and its choices, instead of passing for the default."""
        reg = type(self)._known[key][1]
        o = next((o for o in self._entry["options"] if o["name"] == reg), {})
        choices = o.get("choices")
        if not choices or o.get("default") is None or key in type(self)._none_default:
            return None
        if "" in choices:
            return ""
        raise _exceptions.OptionError(
            f"{type(self).__name__}(): {key}=None is not one of its choices: "
            f"{', '.join(choices)} (leave {key} out for its default, {o['default']!r})", reg)

    # Hooks for GridSampler / PatientPruner.
    def _convert(self, key: str, value: Any) -> Any:
        if isinstance(value, _Base):
            return value._as_json()
        if type(value).__module__ == "numpy" and getattr(value, "ndim", 0) > 0:
            value = value.tolist()  # numpy arrays (NSGA-III's reference_points) as nested lists
        elif type(value).__module__ == "numpy" and hasattr(value, "item"):
            value = value.item()  # numpy scalars (seed=np.int64(3)) as Python numbers
        if isinstance(value, str) and value == "auto":
            reg = next((r for k, r, _ in type(self)._params if k == key), key)
            if any(o["name"] == reg and o.get("accepts_auto") for o in self._entry["options"]):
                return None  # the registry's unset default ("auto")
        return value

    def _validate(self) -> None:
        pass

    def _as_json(self) -> Dict[str, Any]:
        out = {"type": self._registry_name}
        out.update({k: v for k, v in self._options.items() if v is not None})
        return out

    def _core_options(self) -> Dict[str, Any]:
        return {k: v for k, v in self._options.items() if v is not None}

    def __repr__(self) -> str:
        parts = []
        for key, _, default in type(self)._params:
            value = self._given.get(key, default)
            parts.append(f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._options == self._options  # type: ignore

    __hash__ = object.__hash__

    # The C++ object built by _validate is kept for the first study that uses this object
    # (_take_spare), so that the common case — one object, one study — builds it once. It is
    # never copied or pickled: each copy builds its own.
    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_spare", None)
        return state

    def _take_spare(self) -> Any:
        # dict.pop is one step under the GIL: two threads creating studies with this object at
        # once never get the same C++ object (whose state belongs to one study).
        return self.__dict__.pop("_spare", None)


class BaseSampler(_Base):
    """Base of every ``parzen.samplers`` class: a sampler's name and options. The C++ sampler is
    built for each study that uses it (``create_study``), so one object may configure several
    studies (each then has its own state, seeded alike)."""

    _kind = "sampler"

    def _make(self, pruner: Optional[Any] = None) -> Any:
        if pruner is None or not self._uses_pruner():
            spare = self._take_spare()
            if spare is not None:
                return spare
        return self._build(pruner)

    def _build(self, pruner: Optional[Any]) -> Any:
        return _core.make_sampler(self._registry_name, self._core_options(), None, pruner)

    def _uses_pruner(self) -> bool:
        # Bracket samplers (BOHB) and TPE's per_bracket model the study's Hyperband pruner.
        return bool(self._entry["capabilities"].get("needs_hyperband_pruner")
                    or self._options.get("per_bracket"))

    def _validate(self) -> None:
        if not self._uses_pruner():
            self._spare = self._build(None)


class BasePruner(_Base):
    """Base of every ``parzen.pruners`` class: a pruner's name and options (built in C++ for each
    study that uses it)."""

    _kind = "pruner"

    def _make(self) -> Any:
        spare = self._take_spare()
        return spare if spare is not None else self._build()

    def _build(self) -> Any:
        return _core.make_pruner(self._registry_name, self._core_options())

    def _validate(self) -> None:
        self._spare = self._build()


class _GridMixin:
    """GridSampler(search_space, seed=None): ``search_space`` maps each parameter name to the
    values to try (as Optuna's)."""

    def _convert(self, key: str, value: Any) -> Any:
        if key == "search_space":
            if not isinstance(value, dict):
                raise TypeError("GridSampler: search_space must be a dict of parameter name -> "
                                "list of values")
            self._grid = [(str(k), list(v)) for k, v in value.items()]
            return None
        return _Base._convert(self, key, value)  # type: ignore[arg-type]

    def _core_options(self) -> Dict[str, Any]:
        return {k: v for k, v in self._options.items()  # type: ignore[attr-defined]
                if v is not None and k != "search_space"}

    def _build(self, pruner: Optional[Any]) -> Any:
        return _core.make_sampler(self._registry_name,  # type: ignore[attr-defined]
                                  self._core_options(), self._grid, pruner)

    @property
    def search_space(self) -> Dict[str, List[Any]]:
        return dict(self._grid)


def _doc(cls_name: str, entry: Dict[str, Any], params: List[Tuple[str, str, Any]],
         optuna: Optional[Dict[str, Any]], kind: str) -> str:
    lines = [f"{entry.get('summary', '')}", ""]
    if optuna:
        lines.append(f"As Optuna's ``{cls_name}``, built on Parzen's C++ '{entry['name']}' "
                     f"{kind} (registry name ``{entry['name']!r}``).")
    else:
        lines.append(f"Parzen's '{entry['name']}' {kind} (Optuna 3.1 has no equivalent).")
    lines += ["", "Args:"]
    specs = {o["name"]: o for o in entry["options"]}
    for py, reg, default in params:
        o = specs.get(reg)
        if o is None:
            lines.append(f"    {py}: dict[str, list]: each parameter's values to try.")
            continue
        rng = ""
        if "min" in o or "max" in o:
            lo = o.get("min", "-inf")
            hi = o.get("max", "inf")
            rng = f", in {'(' if o.get('min_exclusive') else '['}{lo}, {hi}]"
        req = " (required)" if o.get("required") else f" (default {default!r})"
        alias = f" [registry option '{reg}']" if reg != py else ""
        lines.append(f"    {py}: {o['type']}{rng}{req}{alias}: {o.get('help', '')}")
    if optuna and optuna.get("optuna_only"):
        lines += ["", "Optuna options without a Parzen equivalent (TypeError unless the value "
                      "shown, which is Parzen's behaviour): "
                  + ", ".join(f"{k}" + ("" if v is _ANY else f"={v[0]!r}")
                              for k, v in optuna["optuna_only"].items())]
    lines += ["", "Raises:", "    TypeError: an unknown keyword argument (with a suggestion).",
              "    ValueError: a value of the wrong type or out of range "
              "(parzen.exceptions.OptionError, whose .key names the option)."]
    return "\n".join(lines)


def build_classes(kind: str, base: type, namespace: Dict[str, Any]) -> List[str]:
    """Creates one class per registry entry of ``kind`` ("sampler"/"pruner") in ``namespace``;
    returns the class names."""
    registry = _core.registry()
    names = []
    for entry in registry[kind + "s"]:
        optuna = _OPTUNA.get((kind, entry["name"]))
        cls_name = optuna["cls"] if optuna else _camel(entry["name"]) + _camel(kind)
        rename = dict(optuna.get("rename", {})) if optuna else {}
        back = {v: k for k, v in rename.items()}
        params: List[Tuple[str, str, Any]] = []
        if cls_name == "GridSampler":
            params.append(("search_space", "search_space", _MISSING))
        for o in entry["options"]:
            default = o.get("default")
            if o.get("accepts_auto") and default is None:
                default = "auto"
            if o["type"] == "points" and default == []:
                default = None  # as Optuna's NSGAIIISampler(reference_points=None)
            params.append((back.get(o["name"], o["name"]), o["name"], default))
        positional = list(optuna["positional"]) if optuna else []
        positional = [p for p in positional if any(p == q[0] for q in params)
                      or p in (optuna or {}).get("optuna_only", {})]
        optuna_only = dict(optuna.get("optuna_only", {})) if optuna else {}
        bases: Tuple[type, ...] = (_GridMixin, base) if cls_name == "GridSampler" else (base,)
        attrs = {
            "_registry_name": entry["name"], "_entry": entry, "_params": params,
            "_positional": positional, "_optuna_only": optuna_only,
            "_why": dict(optuna.get("why", {})) if optuna else {},
            "_none_default": tuple(optuna.get("none_default", ())) if optuna else (),
            "_known": {p[0]: p for p in params},
            "_required": [p[0] for p in params
                          if any(o["name"] == p[1] and o.get("required")
                                 for o in entry["options"])],
            "__module__": namespace["__name__"], "__qualname__": cls_name,
            "__doc__": _doc(cls_name, entry, params, optuna, kind),
        }
        cls = type(cls_name, bases, attrs)
        sig_params = []
        for p in positional:
            default = next((d for k, _, d in params if k == p), None)
            if p in optuna_only:
                default = optuna_only[p][0] if optuna_only[p] is not _ANY else True
            required = default is _MISSING or any(
                o["name"] == next((r for k, r, _ in params if k == p), None) and o.get("required")
                for o in entry["options"])
            sig_params.append(inspect.Parameter(
                p, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=inspect.Parameter.empty if required else default))
        # A positional with a default before a required one (PatientPruner's wrapped_pruner, as
        # Optuna's) is shown without its default.
        last_required = max((i for i, q in enumerate(sig_params)
                             if q.default is inspect.Parameter.empty), default=-1)
        sig_params = [q.replace(default=inspect.Parameter.empty) if i < last_required else q
                      for i, q in enumerate(sig_params)]
        for k, _, d in params:
            if k not in positional:
                sig_params.append(inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY,
                                                    default=d))
        for k, allowed in optuna_only.items():
            if k not in positional:
                sig_params.append(inspect.Parameter(
                    k, inspect.Parameter.KEYWORD_ONLY,
                    default=True if allowed is _ANY else allowed[0]))
        cls.__signature__ = inspect.Signature(sig_params)  # type: ignore[attr-defined]
        namespace[cls_name] = cls
        names.append(cls_name)
    return names


def from_name(kind: str, namespace: Dict[str, Any], name: str, options: Dict[str, Any]) -> Any:
    for value in namespace.values():
        if isinstance(value, type) and getattr(value, "_registry_name", None) == name \
                and value.__module__ == namespace["__name__"]:
            back = {reg: py for py, reg, _ in value._params}
            return value(**{back.get(k, k): v for k, v in options.items()})
    entry_names = [e["name"] for e in _core.registry()[kind + "s"]]
    close = difflib.get_close_matches(name, entry_names, n=1)
    raise ValueError(f"unknown {kind} '{name}'; expected one of: {', '.join(entry_names)}"
                     + (f" (did you mean '{close[0]}'?)" if close else ""))
