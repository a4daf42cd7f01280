#pragma once
// The dashboard's own error: a feature this build lacks (HTTP 501).
#include "parzen/error.hpp"

namespace parzen::dashboard {

class NotImplemented : public Error {
 public:
  using Error::Error;
};

}  // namespace parzen::dashboard
