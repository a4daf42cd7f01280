"""Builds parzen._core with CMake (see pyproject.toml for the package's metadata).

build_ext configures the repository's CMake project in a build directory that persists under
build/pip/ (so a second `pip install .` recompiles only what changed; with ccache when
CMAKE_CXX_COMPILER_LAUNCHER is set in the environment), builds the target parzen_python_core
and copies _core*.so where setuptools packs the extension. Environment:
  PARZEN_CMAKE_BUILD_DIR   another CMake build directory (absolute or relative to this file); one
                           already configured (it has a CMakeCache.txt, e.g. the scripts' build/)
                           is used as it is: only parzen_python_core is built there, its
                           configuration (tests, -Werror, ...) is left alone
  PARZEN_CMAKE_ARGS        extra CMake arguments (space separated)
  CMAKE_BUILD_PARALLEL_LEVEL  parallel jobs (default: the CPU count)
"""

import glob
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("PARZEN_CMAKE_BUILD_DIR") or os.path.join(ROOT, "build", "pip", "cmake")
        build_dir = os.path.join(ROOT, build_dir)
        os.makedirs(build_dir, exist_ok=True)
        reuse = bool(os.environ.get("PARZEN_CMAKE_BUILD_DIR")) and os.path.exists(
            os.path.join(build_dir, "CMakeCache.txt"))
        if not reuse:
            self.configure(build_dir)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "parzen_python_core",
                               "--parallel", jobs])
        built = glob.glob(os.path.join(build_dir, "python", "parzen", "_core*.so"))
        if not built:
            raise RuntimeError("CMake built no _core*.so under " + build_dir)
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(max(built, key=os.path.getmtime), target)

    @staticmethod
    def configure(build_dir):
        args = [
            "cmake", "-S", ROOT, "-B", build_dir, "-Wno-dev",
            "-DCMAKE_BUILD_TYPE=Release",
            "-DPARZEN_BUILD_PYTHON=ON",
            "-DPARZEN_BUILD_TESTS=OFF",
            "-DPARZEN_BUILD_EXAMPLES=OFF",
            "-DPARZEN_BUILD_BENCHMARKS=OFF",
            "-DPython_EXECUTABLE=" + sys.executable,
        ]
        if shutil.which("ninja") and not os.path.exists(os.path.join(build_dir, "Makefile")):
            args += ["-G", "Ninja"]
        launcher = os.environ.get("CMAKE_CXX_COMPILER_LAUNCHER")
        if launcher:
            args.append("-DCMAKE_CXX_COMPILER_LAUNCHER=" + launcher)
        args += shlex.split(os.environ.get("PARZEN_CMAKE_ARGS", ""))
        subprocess.check_call(args)


os.makedirs(os.path.join(ROOT, "build", "pip"), exist_ok=True)

setup(
    ext_modules=[CMakeExtension("parzen._core")],
    cmdclass={"build_ext": CMakeBuild},
    # setuptools' own build/ tree goes under build/pip so it never mixes with CMake build dirs.
    options={"build": {"build_base": os.path.join("build", "pip", "setuptools")},
             "egg_info": {"egg_base": os.path.join("build", "pip")}},
)
