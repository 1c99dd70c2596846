#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks (only missing packages; safe to run again) and builds
# the portable Release tree into build-linux/ (scripts/build-linux.sh): the binary we ship is the
# binary the tests run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake make g++ pkg-config ccache       # toolchain; ccache: objects kept between runs
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
  busybox-static rpm rpm2cpio cpio       # the foreign-root test: a static sh; the RPM, installed and unpacked
  binutils strace                        # readelf/objdump on the shipped binary; fault injection
)
source scripts/packages.sh
install_missing setup "${packages[@]}"

scripts/build-linux.sh
