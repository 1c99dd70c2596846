#!/usr/bin/env bash
# Builds the portable Linux x86-64 manage-certificates: one fully static ELF (static-pie: no program
# interpreter, no NEEDED entry) with OpenSSL 3.5 LTS, Boost.Filesystem, tinyxml2, glibc and the C++
# runtime linked in, so it starts on any x86-64 Linux kernel >= 3.2 with nothing installed (RHEL/Alma/
# Rocky 8-9, Ubuntu 20.04+, SLES 15, Amazon Linux, the MID's AlmaLinux container image). The test
# suite is built beside it against the same libraries: ctest --test-dir build-linux tests this binary.
#   scripts/build-linux.sh   -> build-linux/manage-certificates and, beside it,
#                               midks-<version>-linux-x86_64.tar.gz, the RPM and the .deb
# The static libraries come from scripts/static-libs.sh (Debian's source packages, built once per
# version into ~/.cache/midks/linux-x86_64); safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${MIDKS_LINUX_BUILD:-$PWD/build-linux}
packages=(cmake make g++ ccache dpkg-dev libboost-dev googletest libgtest-dev binutils rpm rpm2cpio cpio)
source scripts/packages.sh
source scripts/static-libs.sh
install_missing build-linux "${packages[@]}"
static_libs linux-x86_64
collect_licences "$out/licences"

cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Release -DMIDKS_PORTABLE=ON -DMIDKS_STATIC_DEPS="$ossl;$boost" \
  -DOPENSSL_ROOT_DIR="$ossl" -DMIDKS_TINYXML2_SOURCE_DIR="$txml" -DMIDKS_LICENCE_DIR="$out/licences" >/dev/null
cmake --build "$out" -j"$(nproc)"

# ---- the packages, all from the binary the tests run ----
version=$(sed -nE 's/^project\(midks VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
rm -f "$out"/midks*.deb "$out"/midks*.rpm "$out"/midks-*-linux-x86_64.tar.gz
(cd "$out" && cpack -G "DEB;RPM" -B "$out/cpack" >"$out/cpack.log" 2>&1) || { tail -30 "$out/cpack.log"; exit 1; }
mv "$out"/cpack/midks*.deb "$out"/cpack/midks*.rpm "$out"/
name=midks-$version-linux-x86_64
tar_dir=$out/tarball/$name && rm -rf "$out/tarball" && mkdir -p "$tar_dir"
cp "$out/manage-certificates" scripts/manage-certificates.sh scripts/mid-mtls-setup.sh \
   "$out/manage-certificates.1" "$out/manage-certificates.bash" README.md "$tar_dir/"
cp -r "$out/licences" "$tar_dir/licences"
tar -C "$out/tarball" --owner=0 --group=0 --sort=name -czf "$out/$name.tar.gz" "$name"
echo "build-linux: $out/manage-certificates ($ossl_v), $(cd "$out" && ls midks*.deb midks*.rpm "$name.tar.gz" | tr '\n' ' ')"
