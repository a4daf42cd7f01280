#pragma once
// The registry's tables: one entry per sampler (samplers.cpp) and per pruner (pruners.cpp).

#include <vector>

#include "parzen/registry.hpp"

namespace parzen::internal {

std::vector<SamplerEntry> sampler_entries();
std::vector<PrunerEntry> pruner_entries();

}  // namespace parzen::internal
