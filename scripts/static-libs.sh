# Sourced by build-linux.sh and build-windows.sh: the one recipe for the static libraries that every
# shipped binary embeds, from Debian's source packages (checked against their .dsc, see packages.sh).
#   static_libs TARGET   TARGET: linux-x86_64 or windows-x64
# sets ossl_v, ossl (prefix with include/ and lib/), boost_v, boost (include/ and lib/), txml (the
# folder holding tinyxml2.cpp), ossl_src and boost_src (their checked source packages), each
# library built once per version into $MIDKS_CACHE/TARGET (default ~/.cache/midks/TARGET), so a warm
# run builds nothing here.
#   OpenSSL 3.5 LTS from Debian 13 (trixie), Debian's patches applied, libraries only, no-shared and
#     no-module: the legacy provider is compiled in, so certutil's RC2/3DES PFX files open on hosts
#     that have no ossl-modules folder. OPENSSLDIR is /etc/ssl, but the program reads no openssl.cnf
#     there unless OPENSSL_CONF names one (src/ossl.cpp says why).
#   Boost.Filesystem: its sources from boost1.74's orig tarball, against Debian's own headers of the
#     same version (the tarball keeps headers per library; the include folder holds only a boost link,
#     so no other system header is on a cross compiler's path).
#   tinyxml2: one source file, compiled into the program by CMake.
openssl_suite=trixie
openssl_series=3.5.

static_libs() {
  local target=$1 cache cc cxx ar ranlib os_target extra=() work
  case $target in
    linux-x86_64) cc=gcc cxx=g++ ar=ar ranlib=ranlib os_target=linux-x86_64 ;;
    windows-x64)  local host=x86_64-w64-mingw32
                  cc=$host-gcc-posix cxx=$host-g++-posix ar=$host-ar ranlib=$host-ranlib os_target=mingw64
                  extra=(RC=$host-windres) ;;
    *) echo "static_libs: unknown target $target" >&2; return 1 ;;
  esac
  cache=${MIDKS_CACHE:-$HOME/.cache/midks}/$target
  mkdir -p "$cache"
  local jobs=${MIDKS_JOBS:-$(nproc)}

  read -r ossl_v ossl_src < <(debian_source openssl "$openssl_suite" "$openssl_series") || return 1
  ossl=$cache/openssl-$ossl_v
  if [ ! -f "$ossl/.done" ]; then
    echo "static-libs: building OpenSSL $ossl_v for $target"
    work=$(mktemp -d) && rm -rf "$ossl"
    # Its compiler output goes to a log beside the library, not into CI's output.
    (dpkg-source --no-check -x "$(ls "$ossl_src"/*.dsc | head -1)" "$work/src" &&
     cd "$work/src" && env CC=$cc AR=$ar RANLIB=$ranlib "${extra[@]}" \
       ./Configure "$os_target" no-shared no-module no-tests no-docs --prefix="$ossl" --libdir=lib --openssldir=/etc/ssl &&
     make -j"$jobs" build_libs && make install_dev) > "$cache/openssl-$ossl_v.log" 2>&1 ||
      { tail -20 "$cache/openssl-$ossl_v.log"; echo "static-libs: OpenSSL $ossl_v did not build for $target" >&2; rm -rf "$work"; return 1; }
    rm -rf "$work"
    touch "$ossl/.done"
  fi

  read -r boost_v boost_src < <(debian_source boost1.74) || return 1
  boost=$cache/boost-$boost_v
  if [ ! -f "$boost/.done" ]; then
    echo "static-libs: building Boost.Filesystem $boost_v for $target"
    work=$(mktemp -d) && rm -rf "$boost" && mkdir -p "$boost/include" "$boost/lib"
    ln -s /usr/include/boost "$boost/include/boost"
    tar -xf "$(orig_tarball "$boost_src")" -C "$work" --strip-components=1 --wildcards '*/libs/filesystem/src/*'
    local f
    for f in "$work"/libs/filesystem/src/*.cpp; do
      $cxx -O2 -DBOOST_FILESYSTEM_STATIC_LINK=1 -DBOOST_FILESYSTEM_SOURCE \
        -isystem "$boost/include" -c "$f" -o "$work/$(basename "$f" .cpp).o" &
      [ "$(jobs -r | wc -l)" -ge "$jobs" ] && wait -n
    done
    wait
    $ar rcs "$boost/lib/libboost_filesystem.a" "$work"/*.o
    rm -rf "$work"
    touch "$boost/.done"
  fi

  txml=$(tinyxml2_source) || return 1
}

# licence_from SOURCE_PACKAGE_DIR PATTERN DEST: the file of the package's orig tarball that PATTERN names.
licence_from() {
  local kept=$1/licence-${2//[^A-Za-z0-9_.]/} part
  if [ ! -s "$kept" ]; then
    part=$(mktemp "$kept.XXXXXX") || return 1  # the source cache is shared: a writer of its own
    tar -xOf "$(orig_tarball "$1")" --wildcards "$2" > "$part" && mv "$part" "$kept" || { rm -f "$part"; return 1; }
  fi
  cp "$kept" "$3"
}

# The licences of what static_libs compiles in, for the packages: OpenSSL's, Boost's and
# tinyxml2's from their source packages, the C and C++ runtimes' from the toolchain's Debian
# packages (libc6-dev's copyright covers glibc's LGPL; libstdc++'s runtime exception is GCC's).
# Called after static_libs, whose source packages it reads; each licence is taken out of its tarball
# once and kept beside the checked package (reading Boost's whole .tar.xz for it took 15 s a run).
collect_licences() {
  local out=$1
  mkdir -p "$out"
  licence_from "$ossl_src" '*/LICENSE.txt' "$out/OpenSSL-LICENSE.txt" || return 1
  licence_from "$boost_src" '*/LICENSE_1_0.txt' "$out/Boost-LICENSE_1_0.txt" || return 1
  sed -n '/^Copyright/,$p' "$txml/tinyxml2.h" | head -25 > "$out/tinyxml2-LICENSE.txt"
  [ -s "$out/tinyxml2-LICENSE.txt" ] || head -30 "$txml/tinyxml2.h" > "$out/tinyxml2-LICENSE.txt"
  cp /usr/share/doc/libc6-dev/copyright "$out/glibc-copyright.txt" 2>/dev/null || cp /usr/share/doc/libc6/copyright "$out/glibc-copyright.txt"
  cp /usr/share/doc/libstdc++6/copyright "$out/libstdc++-copyright.txt" 2>/dev/null || cp /usr/share/doc/gcc-12-base/copyright "$out/libstdc++-copyright.txt"
}

# shipped_openssl: after static_libs linux-x86_64, the CMake arguments that give a tree built with
# the system's compiler and libraries the OpenSSL the shipped binary embeds (the sanitizer and fuzz
# builds: what they test and fuzz then behaves as what ships; OpenSSL 3.0's decoders and 3.5's
# differ). The cached OPENSSL_* entries are dropped, so a tree configured before finds it again.
shipped_openssl() {
  shipped_openssl_args=(-U 'OPENSSL_*' -DOPENSSL_ROOT_DIR="$ossl" -DOPENSSL_USE_STATIC_LIBS=ON)
}
