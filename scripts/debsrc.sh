# scripts/debsrc.sh -- what scripts/build-curl and scripts/build-mhd share:
# building a library from Debian's own source package into a prefix that a
# BUILDINFO stamp describes (sourced, not run).  The caller sets `me` (its
# name, for messages) before sourcing it.
#
#   debsrc_toolchain HOST     sets cc, libc, host_opt (and exports
#                             DEB_HOST_ARCH when HOST, a GNU triplet, is set)
#   debsrc_current PREFIX LIB STAMP
#                             true when PREFIX/LIB exists and PREFIX/BUILDINFO
#                             is STAMP
#   debsrc_reuse REUSE PREFIX LIB STAMP FILE...
#                             copies REUSE to PREFIX when it is current for
#                             STAMP, rewriting `prefix=` in each FILE (relative
#                             to PREFIX: pkg-config files, *-config scripts);
#                             false otherwise
#   debsrc_fetch WORK PACKAGE VERSION
#                             apt-get source PACKAGE=VERSION into WORK and
#                             unpack it with Debian's patches into WORK/src

die() { echo "$me: $*" >&2; exit 1; }

debsrc_toolchain() {
    if [ -n "$1" ]; then
        # The target's build flags, its compiler, and the version of its C
        # library (multiarch libc6-dev:ARCH).
        DEB_HOST_ARCH=$(dpkg-architecture -t "$1" -q DEB_HOST_ARCH 2>/dev/null) ||
            die "dpkg-architecture does not know the GNU triplet $1"
        export DEB_HOST_ARCH
        cc=${CC:-$1-gcc}
        command -v "$cc" >/dev/null || die "no cross compiler $cc (scripts/deps --build --arch $DEB_HOST_ARCH installs it)"
        libc="$1 $(dpkg-query -W -f='${Version}' "libc6-dev:$DEB_HOST_ARCH" 2>/dev/null)"
        host_opt="--host=$1"
    else
        cc=${CC:-cc}
        libc=$(ldd --version 2>/dev/null | sed -n "1s/.* //p")
        host_opt=""
    fi
}

debsrc_current() {
    [ -f "$1/$2" ] && [ "$(cat "$1/BUILDINFO" 2>/dev/null)" = "$3" ]
}

debsrc_reuse() {
    _reuse=$1 _prefix=$2 _lib=$3 _stamp=$4
    shift 4
    [ -n "$_reuse" ] && debsrc_current "$_reuse" "$_lib" "$_stamp" || return 1
    rm -rf "$_prefix"
    mkdir -p "$_prefix"
    cp -R "$_reuse/." "$_prefix/" || die "cannot copy $_reuse to $_prefix"
    # Its pkg-config file (and a *-config script) name the prefix it was
    # built for.
    for _f in "$@"; do
        sed -i "s|^prefix=.*|prefix=$_prefix|" "$_prefix/$_f"
    done
}

debsrc_fetch() {
    cd "$1"
    echo "$me: fetching Debian's $2 $3 source package into $1"
    apt-get source -q --download-only "$2=$3" >apt-source.log 2>&1 ||
        { tail -n 5 apt-source.log >&2; die "apt-get source $2=$3 failed: is there a deb-src entry for Debian's archive (scripts/deps adds one) and is the mirror reachable?"; }
    _dsc=$(ls ./"$2"_*.dsc)
    dpkg-source -x "$_dsc" src >dpkg-source.log 2>&1 ||
        { tail -n 5 dpkg-source.log >&2; die "dpkg-source -x $_dsc failed"; }
}
