#pragma once
// Everything of Parzen's public API.

#include "parzen/bohb_sampler.hpp"
#include "parzen/bracket_sampler.hpp"
#include "parzen/distributions.hpp"
#include "parzen/error.hpp"
#include "parzen/frozen_trial.hpp"
#include "parzen/gp_sampler.hpp"
#include "parzen/pruner.hpp"
#include "parzen/pruners.hpp"
#include "parzen/registry.hpp"
#include "parzen/sampler.hpp"
#include "parzen/search_space.hpp"
#include "parzen/storage.hpp"
#include "parzen/study.hpp"
#include "parzen/study_view.hpp"
#include "parzen/tpe_sampler.hpp"
#include "parzen/version.hpp"
