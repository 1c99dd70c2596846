# Sourced by the set-up scripts. install_missing WHO PACKAGE...: installs with apt-get (through sudo
# when not root) those of the packages that are not installed yet; nothing when all are.
install_missing() {
  local who=$1 p sudo= missing=()
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "$who: installing ${missing[*]}"
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---- Debian source packages, through a private deb-src list made from the machine's own (the
# system's apt configuration is left alone). Downloads are checked against the .dsc and kept in
# $MIDKS_SOURCE_CACHE (default $MIDKS_CACHE/debian-src, ~/.cache/midks/debian-src), one folder per package and version. ----
source_cache=${MIDKS_SOURCE_CACHE:-${MIDKS_CACHE:-$HOME/.cache/midks}/debian-src}
machine_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

# apt_options SUITE: the private apt set-up for SUITE's source packages ("" = the machine's own
# suite); its lists live in their own folder, so one suite's versions never leak into another's.
apt_options() {
  local dir=$source_cache/apt${1:+-$1}
  apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$dir/sources.list.d"
            -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
}

# prepare_apt SUITE: the machine's sources as deb-src, with its suite names (bookworm,
# bookworm-updates, bookworm-security) changed to SUITE's when SUITE is given: same archive, same
# keyring. Updated once per run.
declare -A apt_ready=()
prepare_apt() {
  local suite=$1 dir=$source_cache/apt${1:+-$1} n=0 f rename=
  apt_options "$suite"
  [ -n "${apt_ready[x$suite]:-}" ] && return
  [ -z "$suite" ] || [ -n "$machine_suite" ] || { echo "cannot tell this machine's Debian suite (/etc/os-release)" >&2; return 1; }
  [ -n "$suite" ] && rename="s/\b$machine_suite(-[a-z]+)?\b/$suite\1/g"
  mkdir -p "$dir/sources.list.d" "$dir/lists/partial" "$dir/cache/archives/partial"
  rm -f "$dir/sources.list.d/"*
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -E -e 's/^Types:.*/Types: deb-src/' -e "/^Suites:/{$rename}" "$f" > "$dir/sources.list.d/src$((n++)).sources"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" | sed -E "$rename" > "$dir/sources.list.d/src$((n++)).list"
  done
  apt-get "${apt_opts[@]}" -qq update || return 1
  apt_ready[x$suite]=1
}

# Every file the .dsc lists must be present with the sha256 it names.
verify_dsc() {
  local dir=$1 dsc
  dsc=$(ls "$dir"/*.dsc 2>/dev/null | head -1)
  [ -n "$dsc" ] || return 1
  awk '/^Checksums-Sha256:/{on=1; next} /^[^ ]/{on=0} on && NF==3 {print $1 "  " $3}' "$dsc" > "$dir/sha256.list"
  [ -s "$dir/sha256.list" ] && (cd "$dir" && sha256sum --quiet -c sha256.list)
}

# debian_source NAME [SUITE [VERSION_PREFIX]] -> prints "<version> <folder holding the .dsc and
# tarballs>". Asks the archive every time, so a Debian update (a security fix) is picked up; tries
# the listed versions (those starting with VERSION_PREFIX) newest first, since a mirror may list a
# version whose files it does not yet have. A download whose sha256 differs from its .dsc stops
# everything: nothing unverified is ever built. A version downloaded and checked once is not fetched
# again; with the archive out of reach, the newest such version is used, with a warning. Fails (exit
# 1) when there is none.
debian_source() {
  local name=$1 suite=${2:-} prefix=${3:-} v dir store=$source_cache
  [ -n "$suite" ] && store=$source_cache/$suite
  if prepare_apt "$suite"; then
    for v in $(apt-cache "${apt_opts[@]}" showsrc "$name" | sed -n "s/^Version: //p" | sort -Vr -u); do
      [[ $v == "$prefix"* ]] || continue
      dir=$store/$name-$v
      if [ -f "$dir/.verified" ]; then echo "$v $dir"; return; fi
      rm -rf "$dir" && mkdir -p "$dir"
      if ! (cd "$dir" && apt-get "${apt_opts[@]}" -qq source --download-only "$name=$v" >/dev/null 2>&1); then
        echo "$name $v${suite:+ ($suite)} did not download whole; trying an older version" >&2
        rm -rf "$dir"
        continue
      fi
      if ! verify_dsc "$dir"; then
        echo "the Debian source package $name $v${suite:+ ($suite)} does not match the sha256 sums of its .dsc; stopping (nothing unverified is built)" >&2
        rm -rf "$dir"
        exit 1
      fi
      touch "$dir/.verified"
      echo "$v $dir"
      return
    done
  fi
  for dir in $(ls -d "$store/$name-$prefix"* 2>/dev/null | sort -Vr); do
    [ -f "$dir/.verified" ] || continue
    echo "$name: the archive gave no source package${prefix:+ $prefix*}; using ${dir##*/}, fetched before" >&2
    echo "${dir##*/$name-} $dir"
    return
  done
  echo "no version ${prefix:+$prefix* }of the Debian source package $name${suite:+ ($suite)} could be downloaded" >&2
  exit 1
}

orig_tarball() { ls "$1"/*.orig.tar.* | head -1; }

# tinyxml2_source -> prints a folder holding tinyxml2.cpp and tinyxml2.h from Debian's source
# package with Debian's patches applied (dpkg-source, from dpkg-dev): the library is one source
# file, which CMake compiles in when given it as MIDKS_TINYXML2_SOURCE_DIR.
tinyxml2_source() {
  local src
  read -r _ src < <(debian_source tinyxml2) || exit 1
  if [ ! -f "$src/tree/tinyxml2.cpp" ]; then
    rm -rf "$src/tree"
    dpkg-source --no-check -x "$(ls "$src"/*.dsc | head -1)" "$src/tree" >/dev/null || exit 1
  fi
  [ -f "$src/tree/tinyxml2.cpp" ] && [ -f "$src/tree/tinyxml2.h" ] || exit 1
  echo "$src/tree"
}
