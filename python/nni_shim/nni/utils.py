"""nni.utils.merge_parameter, as NNI's examples use it: the trial's parameters over defaults.

    args = merge_parameter(parser.parse_args(), nni.get_next_parameter())
"""

__all__ = ["merge_parameter"]


def _compatible(key, default, value):
    # The tuned value takes the default's type where that loses nothing (NNI's rule: an int
    # default accepts an integral float such as 64.0; a float default accepts an int).
    if default is None or value is None or isinstance(value, type(default)):
        return value
    if isinstance(default, bool) or isinstance(value, bool):
        raise ValueError(f"parameter '{key}': the default is {default!r} and the value {value!r}")
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    if isinstance(default, int) and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(default, str):
        return str(value)
    raise ValueError(
        f"parameter '{key}': the default {default!r} is a {type(default).__name__} but the tuned "
        f"value {value!r} is a {type(value).__name__}"
    )


def merge_parameter(base_params, override_params):
    """Sets each entry of `override_params` (a dict; None: nothing) on `base_params` (a dict or
    an object such as argparse's Namespace) and returns `base_params`. A key the base lacks is an
    error (a misspelt parameter would otherwise be ignored)."""
    if override_params is None:
        return base_params
    is_dict = isinstance(base_params, dict)
    for key, value in override_params.items():
        if key == "TRIAL_BUDGET" and not (key in base_params if is_dict else hasattr(base_params, key)):
            continue  # the Hyperband/BOHB budget, read by the trial itself
        if is_dict:
            if key not in base_params:
                raise ValueError(f"key '{key}' of the parameters is not among the base parameters")
            base_params[key] = _compatible(key, base_params[key], value)
        else:
            if not hasattr(base_params, key):
                raise ValueError(f"key '{key}' of the parameters is not among the base parameters")
            setattr(base_params, key, _compatible(key, getattr(base_params, key), value))
    return base_params
