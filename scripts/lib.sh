# Shared by demo.sh and test.sh: install missing Debian packages, configure and build.
# shellcheck shell=bash

PARZEN_PACKAGES=(
  g++ cmake ninja-build
  nlohmann-json3-dev libfmt-dev libboost-dev libcli11-dev libtomlplusplus-dev libeigen3-dev liblbfgspp-dev libsqlite3-dev sqlite3 libpq-dev
  libsvm-dev libxgboost-dev
  python3-sklearn python3-numpy python3-xgboost
  python3-dev python3-venv python3-setuptools python3-wheel pybind11-dev pybind11-json-dev
  python3-pytest python3-pandas python3-tqdm python3-psutil
  googletest libgtest-dev libgmock-dev
  libcpp-httplib-dev pkg-config  # parzen dashboard (src/dashboard)
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

# install_python_package VENV_DIR: the Python package as a user installs it, offline, into a venv
# that sees Debian's site packages (numpy, scikit-learn, ...):
#   python3 -m venv --system-site-packages VENV && VENV/bin/pip install --no-build-isolation .
# setup.py builds parzen._core with CMake in build/pip/cmake, which persists between runs (and
# uses ccache when CMAKE_CXX_COMPILER_LAUNCHER=ccache is set), so a second install recompiles
# only what changed. With BUILD_DIR (a build directory configure_and_build made, e.g. build),
# setup.py builds the extension there (PARZEN_CMAKE_BUILD_DIR) instead of compiling the library a
# second time: the packaging is the user's, the compiled module the one the tests ran.
install_python_package() {
  local venv=$1 reuse=${2:-}
  if [ ! -x "$venv/bin/pip" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$venv"
  fi
  PARZEN_CMAKE_BUILD_DIR=$reuse CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
    "$venv/bin/pip" install --no-build-isolation --no-deps --no-index --disable-pip-version-check \
    -q . >"${venv}-install.log" 2>&1 || {
    cat "${venv}-install.log"
    return 1
  }
}

# build_dashboard: the web dashboard's page (dashboard/ -> dashboard/dist/, served by `parzen
# dashboard`). Installs Node.js and npm from Debian when missing, installs the npm packages pinned
# in dashboard/package-lock.json (npm ci; from npm's cache when it has them) unless they are
# already installed from this lockfile, and bundles the app with esbuild.
build_dashboard() {
  if ! command -v node >/dev/null 2>&1; then ensure_packages nodejs npm; fi
  if ! command -v npm >/dev/null 2>&1; then ensure_packages npm; fi
  local stamp=dashboard/node_modules/.package-lock.json
  if [ ! -f "$stamp" ] || [ dashboard/package-lock.json -nt "$stamp" ]; then
    echo "==> npm ci (dashboard/)"
    (cd dashboard && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
  fi
  (cd dashboard && node build.mjs)
}
