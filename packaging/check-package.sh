#!/usr/bin/env bash
# Builds the Debian package in a configured and built build directory and checks it:
#   bash packaging/check-package.sh BUILD_DIR
# Runs `cpack -G DEB`, validates the desktop entry, the AppStream metainfo and the
# systemd unit, and checks that the package holds what it must. Exits non-zero on
# any failure, after running every check.
set -uo pipefail

usage() { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ -f "$1/CMakeCache.txt" ] || { echo "check-package: $1 is not a configured CMake build directory" >&2; exit 2; }

build_dir=$(cd "$1" && pwd)
packaging_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
app_id=io.keystead.Keystead
desktop_file="$packaging_dir/$app_id.desktop"
metainfo_file="$packaging_dir/$app_id.metainfo.xml"
unit_file="$packaging_dir/keystead.service"

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
skip() { echo "SKIP: $*"; }

# A headless build (KEYSTEAD_BUILD_GUI=OFF) packages no desktop entry, icon or metainfo.
gui=$(sed -n 's/^KEYSTEAD_BUILD_GUI:BOOL=//p' "$build_dir/CMakeCache.txt")
case "${gui^^}" in
    OFF|FALSE|NO|0|N) gui=OFF ;;
    *) gui=ON ;;
esac
echo "check-package: build directory $build_dir (KEYSTEAD_BUILD_GUI=$gui)"

for tool in cpack dpkg-deb desktop-file-validate appstreamcli; do
    command -v "$tool" >/dev/null || fail "$tool not found"
done
[ "$failures" -eq 0 ] || { echo "check-package: missing tools" >&2; exit 1; }

# --- the package ---------------------------------------------------------------

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/keystead-check-package.XXXXXX")
trap 'rm -rf "$work_dir"' EXIT

rm -f "$build_dir"/keystead_*.deb
if (cd "$build_dir" && cpack -G DEB) >"$work_dir/cpack.log" 2>&1; then
    pass "cpack -G DEB"
else
    cat "$work_dir/cpack.log"
    fail "cpack -G DEB"
fi
shopt -s nullglob
debs=("$build_dir"/keystead_*.deb)
shopt -u nullglob
deb=""
if [ ${#debs[@]} -eq 1 ]; then
    deb=${debs[0]}
    pass "package $(basename "$deb")"
else
    fail "expected one keystead_*.deb in $build_dir, found ${#debs[@]}"
fi

# --- desktop entry and metainfo (sources; a GUI package ships them unchanged) ----

if output=$(desktop-file-validate "$desktop_file" 2>&1); then
    [ -z "$output" ] || echo "$output"
    pass "desktop-file-validate $app_id.desktop"
else
    echo "$output"
    fail "desktop-file-validate $app_id.desktop"
fi

if output=$(appstreamcli validate --no-net --pedantic --explain "$metainfo_file" 2>&1); then
    echo "$output"
    pass "appstreamcli validate --no-net --pedantic $app_id.metainfo.xml"
else
    echo "$output"
    fail "appstreamcli validate --no-net --pedantic $app_id.metainfo.xml"
fi

# --- the contents of the package ------------------------------------------------

unit_path=./usr/lib/systemd/system/keystead.service
if [ -n "$deb" ]; then
    dpkg-deb -c "$deb" >"$work_dir/contents" 2>&1 || fail "dpkg-deb -c $(basename "$deb")"
    expected=(./usr/bin/keystead "$unit_path" ./usr/share/doc/keystead/copyright)
    if [ "$gui" = ON ]; then
        expected+=(
            "./usr/share/applications/$app_id.desktop"
            "./usr/share/icons/hicolor/scalable/apps/$app_id.svg"
            "./usr/share/metainfo/$app_id.metainfo.xml")
    fi
    for path in "${expected[@]}"; do
        if awk '{print $NF}' "$work_dir/contents" | grep -qxF "$path"; then
            pass "package holds ${path#.}"
        else
            fail "package does not hold ${path#.}"
        fi
    done
    if grep -E ' \./usr/bin/keystead$' "$work_dir/contents" | grep -q '^-rwxr-xr-x'; then
        pass "/usr/bin/keystead is executable"
    else
        fail "/usr/bin/keystead is not -rwxr-xr-x"
    fi

    dpkg-deb -e "$deb" "$work_dir/control" || fail "dpkg-deb -e $(basename "$deb")"
    for script in postinst prerm postrm; do
        if [ -x "$work_dir/control/$script" ]; then
            pass "package has an executable $script"
        else
            fail "package has no executable $script"
        fi
    done
    version=$(dpkg-deb -f "$deb" Version)
    depends=$(dpkg-deb -f "$deb" Depends)
    echo "Version: $version"
    echo "Depends: $depends"
    echo "Recommends: $(dpkg-deb -f "$deb" Recommends)"
    required=(libqt6sql6-sqlite libqt6sql6-psql openssh-client adduser libqt6core6)
    [ "$gui" = ON ] && required+=(libqt6svg6 libqt6widgets6)
    for name in "${required[@]}"; do
        if grep -qE "(^|, )$name( |,|$)" <<<"$depends"; then
            pass "Depends names $name"
        else
            fail "Depends does not name $name"
        fi
    done
    if [ "$gui" = ON ]; then
        if grep -q "<release version=\"$version\"" "$metainfo_file"; then
            pass "metainfo has a release entry for $version"
        else
            fail "metainfo has no <release version=\"$version\"> entry"
        fi
    fi
    dpkg-deb -x "$deb" "$work_dir/root" || fail "dpkg-deb -x $(basename "$deb")"
    if [ "$gui" = ON ]; then
        # Desktop entry, metainfo and icon together, as the package installs them.
        if output=$(appstreamcli validate-tree --no-net --pedantic "$work_dir/root" 2>&1); then
            pass "appstreamcli validate-tree of the unpacked package"
        else
            echo "$output"
            fail "appstreamcli validate-tree of the unpacked package"
        fi
    fi
fi

# --- the systemd unit ---------------------------------------------------------

if command -v systemd-analyze >/dev/null; then
    # systemd-analyze verify insists that ExecStart= names an executable on this
    # machine: check a copy of the packaged unit whose ExecStart= points at the
    # packaged binary, unpacked here (the package is never installed).
    mkdir -p "$work_dir/unit"
    verify_unit="$work_dir/unit/keystead.service"
    if [ -n "$deb" ] && [ -f "$work_dir/root/${unit_path#./}" ] && [ -x "$work_dir/root/usr/bin/keystead" ]; then
        sed "s|^ExecStart=/usr/bin/keystead |ExecStart=$work_dir/root/usr/bin/keystead |" \
            "$work_dir/root/${unit_path#./}" >"$verify_unit"
    else
        echo "check-package: no packaged unit and binary, verifying the source unit with ExecStart=true"
        sed "s|^ExecStart=/usr/bin/keystead |ExecStart=$(command -v true) |" "$unit_file" >"$verify_unit"
    fi
    # Any message about the unit fails the check, warnings included.
    if output=$(systemd-analyze verify "$verify_unit" 2>&1) && ! grep -q 'keystead' <<<"$output"; then
        [ -z "$output" ] || echo "$output"
        pass "systemd-analyze verify keystead.service"
    else
        echo "$output"
        fail "systemd-analyze verify keystead.service"
    fi
else
    skip "systemd-analyze not found: keystead.service not verified"
fi

if [ "$failures" -eq 0 ]; then
    echo "check-package: all checks passed"
    exit 0
fi
echo "check-package: $failures check(s) failed" >&2
exit 1
