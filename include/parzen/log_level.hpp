#pragma once

namespace parzen {

// How much a study logs (StudyOptions::log_level; Python's parzen.logging verbosity): messages
// at or above the level are passed to the study's logger, Silent passes none. Samplers log
// through the same logger (Sampler::set_logger).
enum class LogLevel { Debug, Info, Warning, Silent };

}  // namespace parzen
