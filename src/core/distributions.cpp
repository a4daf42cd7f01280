#include "parzen/distributions.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "parzen/error.hpp"

namespace parzen {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

std::string param_prefix(std::string_view name) {
  return name.empty() ? std::string("parameter: ") : fmt::format("parameter '{}': ", name);
}

// Number of steps between low and high, when high - low is (nearly) a multiple of step.
std::optional<double> step_count(double low, double high, double step) {
  const double n = (high - low) / step;
  const double rounded = std::round(n);
  if (std::abs(n - rounded) > 1e-9 * std::max(1.0, std::abs(n))) return std::nullopt;
  return rounded;
}

bool on_float_grid(const FloatDistribution& d, double v) {
  if (!d.step) return true;
  const double k = (v - d.low) / *d.step;
  return std::abs(k - std::round(k)) <= 1e-9 * std::max(1.0, std::abs(k));
}

bool same_choice(const ParamValue& a, const ParamValue& b) {
  if (a.index() == b.index()) return a == b;
  // 1 and 1.0 name the same choice; booleans never equal numbers.
  auto numeric = [](const ParamValue& v) -> std::optional<double> {
    if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
    if (const auto* d = std::get_if<double>(&v)) return *d;
    return std::nullopt;
  };
  auto x = numeric(a), y = numeric(b);
  return x && y && *x == *y;
}

// The smallest index i such that choices[i] is the same choice (same_choice) as an earlier
// one, or nullopt. Sort-based, O(n log n): validate() runs on every suggest, and a pairwise check
// made a 20 000-choice categorical cost ~0.6 s per trial. NaN is refused before this is called.
std::optional<size_t> first_repeated_choice(const std::vector<ParamValue>& choices) {
  // Kind 0: bool, 1: number (int64 or double, compared as double first), 2: string, 3: null.
  auto kind = [](const ParamValue& v) -> int {
    if (std::holds_alternative<bool>(v)) return 0;
    if (std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v)) return 1;
    if (std::holds_alternative<std::string>(v)) return 2;
    return 3;
  };
  auto as_double = [](const ParamValue& v) {
    if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
    return std::get<double>(v);
  };
  std::vector<size_t> order(choices.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Within one kind (and, for numbers, one double value) the order is exact: doubles first, then
  // int64 by exact value, then index; so exactly equal values are adjacent.
  auto less = [&](size_t a, size_t b) {
    const ParamValue& x = choices[a];
    const ParamValue& y = choices[b];
    if (const int kx = kind(x), ky = kind(y); kx != ky) return kx < ky;
    if (kind(x) == 1) {
      if (const double dx = as_double(x), dy = as_double(y); dx != dy) return dx < dy;
      const bool ix = std::holds_alternative<int64_t>(x), iy = std::holds_alternative<int64_t>(y);
      if (ix != iy) return !ix;
      if (ix && std::get<int64_t>(x) != std::get<int64_t>(y))
        return std::get<int64_t>(x) < std::get<int64_t>(y);
      return a < b;
    }
    if (const auto* bx = std::get_if<bool>(&x)) {
      if (*bx != std::get<bool>(y)) return !*bx;
    } else if (const auto* sx = std::get_if<std::string>(&x)) {
      if (const int c = sx->compare(std::get<std::string>(y)); c != 0) return c < 0;
    }
    return a < b;  // null: every null is the same choice
  };
  std::sort(order.begin(), order.end(), less);
  std::optional<size_t> first;
  auto found = [&first](size_t i) {
    if (!first || i < *first) first = i;
  };
  for (size_t lo = 0; lo < order.size();) {
    // [lo, hi): one group of choices that compare equal as doubles (numbers) or exactly (others).
    size_t hi = lo + 1;
    const ParamValue& head = choices[order[lo]];
    if (kind(head) == 1) {
      const double v = as_double(head);
      while (hi < order.size() && kind(choices[order[hi]]) == 1 &&
             as_double(choices[order[hi]]) == v)
        ++hi;
      // A double equals every number of its group (1 == 1.0); int64s equal only their exact
      // value (2^53 and 2^53 + 1 are distinct choices though they convert to one double).
      std::optional<size_t> min_double, min_int;
      for (size_t k = lo; k < hi; ++k) {
        const size_t i = order[k];
        auto& m = std::holds_alternative<double>(choices[i]) ? min_double : min_int;
        m = m ? std::min(*m, i) : i;
      }
      for (size_t k = lo; k < hi; ++k) {
        const size_t i = order[k];
        if (min_double && *min_double < i) found(i);  // after a double of the same value
        if (std::holds_alternative<double>(choices[i]) && min_int && *min_int < i)
          found(i);  // a double after an int of the same value
        if (k > lo && std::holds_alternative<int64_t>(choices[i]) &&
            choices[order[k - 1]] == choices[i])
          found(i);  // the same int64 at a smaller index (ties sort by index)
      }
    } else {
      while (hi < order.size() && choices[order[hi]] == head) ++hi;
      if (hi - lo > 1) found(order[lo + 1]);  // sorted by index within the run
    }
    lo = hi;
  }
  return first;
}

std::string fmt_num(double v) { return fmt::format("{}", v); }

// Digits after the decimal point in x's shortest round-trip form: 0.1 -> 1, 2.5e-7 -> 8, 30 -> 0.
int decimal_places(double x) {
  char buf[64];
  const auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;
  const std::string_view text(buf, static_cast<size_t>(end - buf));
  const auto e = text.find('e');
  const auto mantissa = text.substr(0, e);
  const auto dot = mantissa.find('.');
  int places = dot == std::string_view::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
  if (e != std::string_view::npos) places -= std::atoi(std::string(text.substr(e + 1)).c_str());
  return std::max(places, 0);
}

// The double nearest to x rounded to `places` decimals, i.e. what the decimal reads as.
double round_decimal(double x, int places) {
  // 10^places is exact up to 1e22 and the scaled value an exact integer below 2^52: then one
  // correctly rounded division gives the double nearest to the decimal.
  if (places <= 22) {
    const double scale = std::pow(10.0, places);
    const double scaled = std::nearbyint(x * scale);
    if (std::abs(scaled) < 0x1p52) return scaled / scale;
  }
  if (places > 340) return x;  // below the smallest subnormal: nothing to round
  return std::strtod(fmt::format("{:.{}f}", x, places).c_str(), nullptr);
}

// Bounds computed through exp(log(...)) come back an ulp or two off: snap those to the bound.
double snap_to_bounds(double v, double low, double high) {
  constexpr double kUlps = 8 * std::numeric_limits<double>::epsilon();
  v = std::clamp(v, low, high);
  if (v - low <= kUlps * std::abs(low)) return low;
  if (high - v <= kUlps * std::abs(high)) return high;
  return v;
}

// For suggestions computed in floating point: 0.8999999999999999 reads as 0.9.
std::string fmt_rounded(double v) { return fmt_num(std::stod(fmt::format("{:.12g}", v))); }

}  // namespace

void validate(const Distribution& distribution, std::string_view name) {
  const std::string at = param_prefix(name);
  std::visit(
      Overloaded{
          [&](const FloatDistribution& d) {
            if (!std::isfinite(d.low) || !std::isfinite(d.high))
              throw InvalidArgument(fmt::format("{}bounds must be finite, got [{}, {}]", at,
                                                fmt_num(d.low), fmt_num(d.high)));
            if (d.low > d.high)
              throw InvalidArgument(fmt::format("{}low ({}) must not be greater than high ({})", at,
                                                fmt_num(d.low), fmt_num(d.high)));
            // Every sampler draws low + u * (high - low): an infinite width gives high alone.
            if (!std::isfinite(d.high - d.low))
              throw InvalidArgument(fmt::format(
                  "{}the range [{}, {}] is too wide: high - low overflows a double; narrow it", at,
                  fmt_num(d.low), fmt_num(d.high)));
            if (d.log && d.step)
              throw InvalidArgument(fmt::format("{}log and step cannot be combined", at));
            if (d.log && d.low <= 0)
              throw InvalidArgument(fmt::format("{}a log distribution needs low > 0, got low = {}",
                                                at, fmt_num(d.low)));
            if (d.step) {
              const double s = *d.step;
              if (!std::isfinite(s) || s <= 0)
                throw InvalidArgument(
                    fmt::format("{}step must be positive, got {}", at, fmt_num(s)));
              if (!step_count(d.low, d.high, s)) {
                const double k = std::floor((d.high - d.low) / s);
                throw InvalidArgument(fmt::format(
                    "{}high - low ({} - {}) is not a multiple of step {}; use high = {} or {}", at,
                    fmt_num(d.high), fmt_num(d.low), fmt_num(s), fmt_rounded(d.low + k * s),
                    fmt_rounded(d.low + (k + 1) * s)));
              }
            }
          },
          [&](const IntDistribution& d) {
            if (d.low > d.high)
              throw InvalidArgument(
                  fmt::format("{}low ({}) must not be greater than high ({})", at, d.low, d.high));
            if (d.step <= 0)
              throw InvalidArgument(fmt::format("{}step must be positive, got {}", at, d.step));
            if (d.log && d.step != 1)
              throw InvalidArgument(
                  fmt::format("{}a log distribution needs step 1, got step {}", at, d.step));
            if (d.log && d.low < 1)
              throw InvalidArgument(fmt::format(
                  "{}a log integer distribution needs low >= 1, got low = {}", at, d.low));
            // Compare in unsigned arithmetic: high - low may overflow int64 for huge ranges.
            const auto span = static_cast<uint64_t>(d.high) - static_cast<uint64_t>(d.low);
            // Samplers draw low + k * step with k up to (high - low) / step in int64.
            if (span > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
              throw InvalidArgument(fmt::format(
                  "{}the range [{}, {}] is too wide: high - low overflows a 64-bit integer; "
                  "narrow it",
                  at, d.low, d.high));
            if (span % static_cast<uint64_t>(d.step) != 0) {
              const int64_t k = static_cast<int64_t>(span / static_cast<uint64_t>(d.step));
              throw InvalidArgument(fmt::format(
                  "{}high - low ({} - {}) is not a multiple of step {}; use high = {} or {}", at,
                  d.high, d.low, d.step, d.low + k * d.step, d.low + (k + 1) * d.step));
            }
          },
          [&](const CategoricalDistribution& d) {
            if (d.choices.empty())
              throw InvalidArgument(fmt::format("{}a categorical distribution needs choices", at));
            for (const auto& c : d.choices)
              if (const auto* x = std::get_if<double>(&c); x && std::isnan(*x))
                throw InvalidArgument(fmt::format("{}NaN is not a valid choice", at));
            if (const auto i = first_repeated_choice(d.choices))
              throw InvalidArgument(
                  fmt::format("{}choice {} is given twice", at, to_string(d.choices[*i])));
          },
      },
      distribution);
}

bool is_single(const Distribution& distribution) {
  return std::visit(Overloaded{
                        [](const FloatDistribution& d) {
                          if (d.low == d.high) return true;
                          return d.step && d.high - d.low < *d.step;
                        },
                        [](const IntDistribution& d) { return d.high - d.low < d.step; },
                        [](const CategoricalDistribution& d) { return d.choices.size() == 1; },
                    },
                    distribution);
}

bool contains(const Distribution& distribution, double v) {
  if (!std::isfinite(v)) return false;
  return std::visit(Overloaded{
                        [&](const FloatDistribution& d) {
                          return d.low <= v && v <= d.high && on_float_grid(d, v);
                        },
                        [&](const IntDistribution& d) {
                          if (v != std::floor(v) || v < static_cast<double>(d.low) ||
                              v > static_cast<double>(d.high))
                            return false;
                          return (static_cast<int64_t>(v) - d.low) % d.step == 0;
                        },
                        [&](const CategoricalDistribution& d) {
                          return v == std::floor(v) && v >= 0 &&
                                 v < static_cast<double>(d.choices.size());
                        },
                    },
                    distribution);
}

double grid_value(const FloatDistribution& d, int64_t k) {
  if (!d.step || k <= 0) return d.low;
  const auto n = step_count(d.low, d.high, *d.step);
  if (!n || static_cast<double>(k) >= *n) return d.high;
  return std::clamp(decimal_grid_point(d.low, *d.step, static_cast<double>(k)), d.low, d.high);
}

double decimal_grid_point(double origin, double step, double k) {
  const double raw = origin + k * step;
  const double rounded = round_decimal(raw, std::max(decimal_places(origin), decimal_places(step)));
  // Rounding must only remove floating-point noise; with an origin and a step of very different
  // magnitudes (1e20 and 0.5) the computed value is the best there is.
  return std::abs(rounded - raw) > 1e-6 * step ? raw : rounded;
}

double nearest_admissible(const Distribution& distribution, double v) {
  if (std::isnan(v)) return v;
  return std::visit(
      Overloaded{
          [&](const FloatDistribution& d) {
            if (!d.step) return snap_to_bounds(v, d.low, d.high);
            const double k = std::round((std::clamp(v, d.low, d.high) - d.low) / *d.step);
            return grid_value(d, static_cast<int64_t>(k));
          },
          [&](const IntDistribution& d) {
            const double lo = static_cast<double>(d.low), hi = static_cast<double>(d.high);
            const double s = static_cast<double>(d.step);
            return std::clamp(lo + std::round((std::clamp(v, lo, hi) - lo) / s) * s, lo, hi);
          },
          [&](const CategoricalDistribution& d) {
            return std::clamp(std::round(v), 0.0, static_cast<double>(d.choices.size() - 1));
          },
      },
      distribution);
}

double to_internal(const Distribution& distribution, const ParamValue& value,
                   std::string_view name) {
  auto outside = [&]() {
    return InvalidArgument(fmt::format("{}value {} is not in {}", param_prefix(name),
                                       to_string(value), describe(distribution)));
  };
  return std::visit(Overloaded{
                        [&](const FloatDistribution&) {
                          double v;
                          if (const auto* d = std::get_if<double>(&value)) {
                            v = *d;
                          } else if (const auto* i = std::get_if<int64_t>(&value)) {
                            v = static_cast<double>(*i);
                          } else {
                            throw outside();
                          }
                          if (!contains(distribution, v)) throw outside();
                          return v;
                        },
                        [&](const IntDistribution&) {
                          double v;
                          if (const auto* i = std::get_if<int64_t>(&value)) {
                            v = static_cast<double>(*i);
                          } else if (const auto* d = std::get_if<double>(&value)) {
                            v = *d;
                          } else {
                            throw outside();
                          }
                          if (!contains(distribution, v)) throw outside();
                          return v;
                        },
                        [&](const CategoricalDistribution& d) {
                          for (size_t i = 0; i < d.choices.size(); ++i)
                            if (d.choices[i] == value) return static_cast<double>(i);
                          for (size_t i = 0; i < d.choices.size(); ++i)
                            if (same_choice(d.choices[i], value)) return static_cast<double>(i);
                          throw outside();
                        },
                    },
                    distribution);
}

ParamValue to_external(const Distribution& distribution, double v) {
  return std::visit(Overloaded{
                        [&](const FloatDistribution& d) -> ParamValue {
                          // Values on the grid are kept bit for bit: an enqueued 0.3 stays 0.3.
                          if (d.step && !on_float_grid(d, v)) return nearest_admissible(d, v);
                          return v;
                        },
                        [&](const IntDistribution&) -> ParamValue {
                          return static_cast<int64_t>(std::llround(v));
                        },
                        [&](const CategoricalDistribution& d) -> ParamValue {
                          const auto i = static_cast<size_t>(std::llround(v));
                          if (i >= d.choices.size())
                            throw InvalidArgument(fmt::format(
                                "choice index {} is out of range for {}", i, describe(d)));
                          return d.choices[i];
                        },
                    },
                    distribution);
}

std::string describe(const Distribution& distribution) {
  return std::visit(Overloaded{
                        [](const FloatDistribution& d) {
                          std::string s =
                              fmt::format("float in [{}, {}]", fmt_num(d.low), fmt_num(d.high));
                          if (d.log) s += " (log)";
                          if (d.step) s += fmt::format(" step {}", fmt_num(*d.step));
                          return s;
                        },
                        [](const IntDistribution& d) {
                          std::string s = fmt::format("int in [{}, {}]", d.low, d.high);
                          if (d.log) s += " (log)";
                          if (d.step != 1) s += fmt::format(" step {}", d.step);
                          return s;
                        },
                        [](const CategoricalDistribution& d) {
                          std::string s = "one of {";
                          for (size_t i = 0; i < d.choices.size(); ++i)
                            s += (i ? ", " : "") + to_string(d.choices[i]);
                          return s + "}";
                        },
                    },
                    distribution);
}

nlohmann::json to_json(const Distribution& distribution) {
  return std::visit(Overloaded{
                        [](const FloatDistribution& d) {
                          nlohmann::json j = {
                              {"type", "float"}, {"low", d.low}, {"high", d.high}, {"log", d.log}};
                          j["step"] = d.step ? nlohmann::json(*d.step) : nlohmann::json();
                          return j;
                        },
                        [](const IntDistribution& d) {
                          return nlohmann::json{{"type", "int"},
                                                {"low", d.low},
                                                {"high", d.high},
                                                {"log", d.log},
                                                {"step", d.step}};
                        },
                        [](const CategoricalDistribution& d) {
                          nlohmann::json choices = nlohmann::json::array();
                          for (const auto& c : d.choices) choices.push_back(to_json(c));
                          return nlohmann::json{{"type", "categorical"}, {"choices", choices}};
                        },
                    },
                    distribution);
}

Distribution distribution_from_json(const nlohmann::json& j) {
  try {
    const std::string type = j.at("type").get<std::string>();
    if (type == "float") {
      FloatDistribution d{j.at("low").get<double>(), j.at("high").get<double>(),
                          j.value("log", false), std::nullopt};
      if (j.contains("step") && !j["step"].is_null()) d.step = j["step"].get<double>();
      return d;
    }
    if (type == "int") {
      return IntDistribution{j.at("low").get<int64_t>(), j.at("high").get<int64_t>(),
                             j.value("log", false), j.value("step", int64_t{1})};
    }
    if (type == "categorical") {
      CategoricalDistribution d;
      for (const auto& c : j.at("choices")) d.choices.push_back(param_value_from_json(c));
      return d;
    }
    throw InvalidArgument(fmt::format("unknown distribution type '{}'", type));
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(fmt::format("malformed distribution {}: {}", j.dump(), e.what()));
  }
}

nlohmann::json to_json(const ParamValue& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

ParamValue param_value_from_json(const nlohmann::json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return nullptr;
  throw InvalidArgument(
      fmt::format("a parameter value must be a bool, number, string or null, got {}", j.dump()));
}

std::string to_string(const ParamValue& value) {
  return std::visit(Overloaded{
                        [](bool b) { return std::string(b ? "true" : "false"); },
                        [](int64_t i) { return fmt::format("{}", i); },
                        [](double d) { return fmt::format("{}", d); },
                        [](const std::string& s) { return s; },
                        [](std::nullptr_t) { return std::string("null"); },
                    },
                    value);
}

}  // namespace parzen
