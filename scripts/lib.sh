# Shared by demo.sh and test.sh: install missing Debian packages, configure and build.
# shellcheck shell=bash

PARZEN_PACKAGES=(
  g++ cmake ninja-build
  nlohmann-json3-dev libfmt-dev libboost-dev libcli11-dev libtomlplusplus-dev libeigen3-dev liblbfgspp-dev libsqlite3-dev sqlite3 libpq-dev
  libsvm-dev libxgboost-dev
  python3-sklearn python3-numpy python3-xgboost
  googletest libgtest-dev libgmock-dev
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the packages of PARZEN_PACKAGES (and any given) that are not installed yet.
ensure_packages() {
  local missing=()
  local p
  for p in "${PARZEN_PACKAGES[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# configure_and_build BUILD_DIR [cmake args...]
configure_and_build() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cmake -S . -B "$dir" -G Ninja -Wno-dev "$@" >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log"
    return 1
  }
  cmake --build "$dir" --parallel "$(nproc)"
}
