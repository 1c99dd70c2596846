#!/usr/bin/env bash
# Cross-builds manage-certificates.exe for 64-bit Windows from Debian packages only, and packs
# midks-<version>-windows-x64.zip (the .exe, the drop-in manage-certificates.bat, a README).
#   scripts/build-windows.sh            -> build-windows/ and build-windows/midks-*-windows-x64.zip
# OpenSSL 3.5, tinyxml2 and Boost.Filesystem come from Debian's source packages by the same recipe
# as the portable Linux build (scripts/static-libs.sh; built once per version into
# ~/.cache/midks/windows-x64), so a warm run only builds midks itself.
set -euo pipefail
cd "$(dirname "$0")/.."
src_dir=$PWD
cache=${MIDKS_CACHE:-$HOME/.cache/midks}/windows-x64
out=${MIDKS_WINDOWS_BUILD:-$src_dir/build-windows}
jobs=${MIDKS_JOBS:-2}
mkdir -p "$cache"
# The libraries this script built by itself before (OpenSSL 3.0) are no longer used.
rm -rf "${MIDKS_CACHE:-$HOME/.cache/midks}/windows"

# wine64 runs the .exe; Debian 12 puts the `wine` command itself in the package wine.
packages=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix mingw-w64-tools wine wine64 googletest
          cmake make ccache zip libboost-dev dpkg-dev)
source scripts/packages.sh
source scripts/static-libs.sh
install_missing build-windows "${packages[@]}"
static_libs windows-x64

# ---- GoogleTest, from the sources Debian ships in /usr/src/googletest ----
gtest_v=$(dpkg-query -W -f='${Version}' googletest)
gtest=$cache/googletest-$gtest_v
if [ ! -f "$gtest/.done" ]; then
  echo "build-windows: building GoogleTest $gtest_v"
  rm -rf "$gtest" "$cache/googletest-build"
  cmake -S /usr/src/googletest -B "$cache/googletest-build" -DCMAKE_TOOLCHAIN_FILE="$src_dir/cmake/mingw-w64-x86_64.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_GMOCK=OFF -DCMAKE_INSTALL_PREFIX="$gtest" >/dev/null
  cmake --build "$cache/googletest-build" -j"$jobs" >/dev/null
  cmake --install "$cache/googletest-build" >/dev/null
  rm -rf "$cache/googletest-build"
  touch "$gtest/.done"
fi

# ---- midks ----
cmake -S . -B "$out" -DCMAKE_TOOLCHAIN_FILE="$src_dir/cmake/mingw-w64-x86_64.cmake" -DCMAKE_BUILD_TYPE=Release \
  -DMIDKS_WINDOWS_DEPS="$ossl;$boost;$gtest" -DMIDKS_TINYXML2_SOURCE_DIR="$txml" -DOPENSSL_ROOT_DIR="$ossl" -DOPENSSL_USE_STATIC_LIBS=ON >/dev/null
cmake --build "$out" -j"$jobs" --target manage-certificates unit_tests

version=$(sed -nE 's/^project\(midks VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
zip_dir=$out/zip && rm -rf "$zip_dir" && mkdir -p "$zip_dir"
cp "$out/manage-certificates.exe" scripts/windows/manage-certificates.bat "$zip_dir/"
cp scripts/windows/README.txt "$zip_dir/README.txt"
rm -f "$out/midks-$version-windows-x64.zip"
(cd "$zip_dir" && zip -q -X "$out/midks-$version-windows-x64.zip" manage-certificates.exe manage-certificates.bat README.txt)
echo "build-windows: $out/midks-$version-windows-x64.zip"
