#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks (only missing packages; safe to run again) and builds
# the Release tree into build/.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake make g++ pkg-config              # toolchain
  libssl-dev openssl                     # OpenSSL 3: all crypto, ASN.1, PKCS#8/#12
  libboost-dev libboost-filesystem-dev   # Boost.Endian, Boost.Filesystem
  libtinyxml2-dev                        # config.xml
  googletest libgtest-dev                # unit tests
  openjdk-17-jdk-headless                # keytool, javac, java: the interop peers
  libbcprov-java                         # Bouncy Castle for keytool and the JVM: the BCFKS peer
  python3                                # parses --json output in the end-to-end tests
  dpkg-dev                               # the .deb (cpack); dpkg-source for tinyxml2's sources
  time                                   # /usr/bin/time: peak RSS in scripts/bench.sh
  clang libclang-rt-14-dev               # libFuzzer targets
)
source scripts/packages.sh
install_missing setup "${packages[@]}"

# tinyxml2 compiled in from Debian's source package, so the program needs no libstdc++.so at start
# (docs/performance.md); the shared libtinyxml2 if the source package cannot be fetched.
tinyxml2=()
if txml_dir=$(tinyxml2_source); then tinyxml2=(-DMIDKS_TINYXML2_SOURCE_DIR="$txml_dir")
else echo "setup: building against the shared libtinyxml2 (slower start; see docs/performance.md)" >&2; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "${tinyxml2[@]}" >/dev/null
cmake --build build -j"$(nproc)"
