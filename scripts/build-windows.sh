#!/usr/bin/env bash
# Cross-builds manage-certificates.exe for 64-bit Windows from Debian packages only, and packs
# midks-<version>-windows-x64.zip (the .exe, the drop-in manage-certificates.bat, a README).
#   scripts/build-windows.sh            -> build-windows/ and build-windows/midks-*-windows-x64.zip
# OpenSSL, tinyxml2 and Boost.Filesystem come from Debian's source packages (kept in
# ~/.cache/midks/debian-src, see scripts/packages.sh); OpenSSL and Boost.Filesystem are built static
# for x86_64-w64-mingw32 once, into $MIDKS_WINDOWS_CACHE (default ~/.cache/midks/windows), one
# folder per library and version, so a warm run only builds midks itself.
set -euo pipefail
cd "$(dirname "$0")/.."
src_dir=$PWD
cache=${MIDKS_WINDOWS_CACHE:-$HOME/.cache/midks/windows}
out=${MIDKS_WINDOWS_BUILD:-$src_dir/build-windows}
jobs=${MIDKS_JOBS:-2}
host=x86_64-w64-mingw32
mkdir -p "$cache"
# Source packages and apt lists now live in the shared cache (scripts/packages.sh); drop the
# copies this script kept here before, and its tinyxml2 library (now compiled in by CMake).
rm -rf "$cache/apt" "$cache/src" "$cache"/tinyxml2-*

# wine64 runs the .exe; Debian 12 puts the `wine` command itself in the package wine.
packages=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix mingw-w64-tools wine wine64 googletest
          cmake make zip libboost-dev dpkg-dev)
source scripts/packages.sh
install_missing build-windows "${packages[@]}"

# ---- OpenSSL: static, legacy provider built in (certutil's RC2/3DES PFX files open) ----
read -r ossl_v ossl_src < <(debian_source openssl)
ossl=$cache/openssl-$ossl_v
if [ ! -f "$ossl/.done" ]; then
  echo "build-windows: building OpenSSL $ossl_v"
  work=$(mktemp -d) && rm -rf "$ossl"
  tar -xf "$(orig_tarball "$ossl_src")" -C "$work" --strip-components=1
  # Its compiler warnings go to a log beside the library, not into CI's output.
  (cd "$work" && CC=$host-gcc-posix AR=$host-ar RANLIB=$host-ranlib RC=$host-windres \
     ./Configure mingw64 no-shared no-module no-tests --cross-compile-prefix= --prefix="$ossl" --libdir=lib &&
   make -j"$jobs" build_libs && make install_dev) > "$cache/openssl-$ossl_v.log" 2>&1 ||
    { tail -20 "$cache/openssl-$ossl_v.log"; exit 1; }
  rm -rf "$work"
  touch "$ossl/.done"
fi

# ---- tinyxml2: compiled into the program by CMake, from the source package ----
txml=$(tinyxml2_source)

# ---- Boost.Filesystem: its sources from the orig tarball, against Debian's own headers of the same
# version (the tarball keeps headers per library); the include folder holds only a boost link, so no
# Linux system header is on the cross compiler's path ----
read -r boost_v boost_src < <(debian_source boost1.74)
boost=$cache/boost-$boost_v
if [ ! -f "$boost/.done" ]; then
  echo "build-windows: building Boost.Filesystem $boost_v"
  work=$(mktemp -d) && rm -rf "$boost" && mkdir -p "$boost/include" "$boost/lib"
  ln -s /usr/include/boost "$boost/include/boost"
  tar -xf "$(orig_tarball "$boost_src")" -C "$work" --strip-components=1 --wildcards '*/libs/filesystem/src/*'
  for f in "$work"/libs/filesystem/src/*.cpp; do
    $host-g++-posix -O2 -DBOOST_FILESYSTEM_STATIC_LINK=1 -DBOOST_FILESYSTEM_SOURCE \
      -isystem "$boost/include" -c "$f" -o "$work/$(basename "$f" .cpp).o" &
    [ "$(jobs -r | wc -l)" -ge "$jobs" ] && wait -n
  done
  wait
  $host-ar rcs "$boost/lib/libboost_filesystem.a" "$work"/*.o
  rm -rf "$work"
  touch "$boost/.done"
fi

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
