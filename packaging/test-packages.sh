#!/usr/bin/env bash
# Builds the two Debian packages from the release preset, lints them, installs them with apt,
# runs the installed programs, and purges them again. Exits non-zero on the first failure.
#
#   packaging/test-packages.sh            (Debian 12, as root, as CI runs it; docs/packaging.md)
#   packaging/test-packages.sh --build-only   configure and build build/release, nothing else
#                                             (CI builds it in the background while tests run)
#
# Environment: THREADLINE_JOBS (build parallelism, default 2), THREADLINE_KEEP_PACKAGES=1 (leave
# the packages installed on failure, for a look around), THREADLINE_SKIP_BUILD=1 (package what
# build/release already holds).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
source_dir=$PWD
build_dir=$source_dir/build/release
package_dir=$build_dir/packages

step() { printf '\n== %s\n' "$*"; }
fail() {
    printf 'test-packages: FAIL: %s\n' "$*" >&2
    exit 1
}
build_release() {
    step "configure and build the release preset (Debian hardening flags, tests off)"
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake --preset release -DBUILD_TESTING=OFF "${launcher[@]}" \
        "-DCMAKE_CXX_FLAGS=$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)" \
        "-DCMAKE_EXE_LINKER_FLAGS=$(dpkg-buildflags --get LDFLAGS) -Wl,-z,now"
    cmake --build --preset release -j "${THREADLINE_JOBS:-2}"
}
if [ "${1:-}" = --build-only ]; then
    build_release
    exit 0
fi

# It installs and purges packages and runs the daemon as the threadline user.
[ "$(id -u)" = 0 ] || fail "run as root (CI does): it installs packages with apt-get"

work=$(mktemp -d /tmp/threadline-packages.XXXXXX)
chmod 0755 "$work"
daemon_pid=
console_pid=
installed=0
cleanup() {
    local rc=$?
    if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
    if [ -n "$console_pid" ]; then kill "$console_pid" 2>/dev/null || true; fi
    if [ "$installed" = 1 ] && [ "$rc" != 0 ] && [ "${THREADLINE_KEEP_PACKAGES:-0}" != 1 ]; then
        echo "test-packages: purging the packages after the failure" >&2
        env DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -qq threadline threadline-server \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT

# A loopback port nobody listens on (bash's /dev/tcp: no python or iproute2 needed).
free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    fail "found no free loopback port"
}

# ------------------------------------------------------------------------------------------------
if [ "${THREADLINE_SKIP_BUILD:-0}" != 1 ]; then
    build_release
fi

step "cpack -G DEB"
rm -rf "$package_dir"
cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$package_dir"
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build_dir/CPackConfig.cmake")
[ -n "$version" ] || fail "cannot read CPACK_PACKAGE_VERSION from $build_dir/CPackConfig.cmake"
shopt -s nullglob
console_debs=("$package_dir"/threadline_"$version"-*_amd64.deb)
server_debs=("$package_dir"/threadline-server_"$version"-*_amd64.deb)
shopt -u nullglob
[ "${#console_debs[@]}" = 1 ] || fail "expected one threadline_${version}-*_amd64.deb in $package_dir"
[ "${#server_debs[@]}" = 1 ] || fail "expected one threadline-server_${version}-*_amd64.deb in $package_dir"
console_deb=${console_debs[0]}
server_deb=${server_debs[0]}
ls -l "$console_deb" "$server_deb"

step "package metadata and contents"
for deb in "$console_deb" "$server_deb"; do
    dpkg-deb -f "$deb" Package Version Architecture Section Priority Depends Recommends Homepage
    echo
done
check_depends() {
    local deb=$1
    shift
    local depends
    depends=$(dpkg-deb -f "$deb" Depends)
    for want in "$@"; do
        grep -Eq "(^|, )$want( |,|$)" <<<"$depends" || fail "$(basename "$deb"): Depends lacks $want"
    done
}
# The plugins shlibdeps cannot see, and the libraries it must have found.
check_depends "$console_deb" libqt6sql6-sqlite libqt6sql6-psql qt6-qpa-plugins libqt6svg6 libqt6widgets6 libqt6core6
check_depends "$server_deb" libqt6sql6-sqlite libqt6sql6-psql adduser libqt6core6 libqt6network6
if dpkg-deb -f "$server_deb" Depends | grep -Eq 'libqt6(gui|widgets)6'; then
    fail "threadline-server depends on Qt Gui or Widgets"
fi

check_contents() {
    local deb=$1
    shift
    local listing
    listing=$(dpkg-deb -c "$deb" | awk '{print $6}')
    for want in "$@"; do
        grep -qx "\./$want" <<<"$listing" || fail "$(basename "$deb") does not contain /$want"
    done
}
icons=()
for size in 16 32 48 64 128 256; do icons+=("usr/share/icons/hicolor/${size}x${size}/apps/threadline.png"); done
check_contents "$console_deb" usr/bin/threadline usr/share/applications/threadline.desktop \
    usr/share/metainfo/io.threadline.Threadline.metainfo.xml \
    usr/share/icons/hicolor/scalable/apps/threadline.svg "${icons[@]}" \
    usr/share/man/man1/threadline.1.gz usr/share/doc/threadline/copyright \
    usr/share/doc/threadline/changelog.Debian.gz
check_contents "$server_deb" usr/bin/threadlined usr/bin/threadline-sandbox \
    lib/systemd/system/threadlined.service usr/lib/sysusers.d/threadline.conf \
    etc/threadline/threadline.conf usr/share/man/man8/threadlined.8.gz \
    usr/share/man/man1/threadline-sandbox.1.gz usr/share/doc/threadline-server/copyright \
    usr/share/doc/threadline-server/changelog.Debian.gz
if dpkg-deb -c "$server_deb" | grep -q 'threadline\.env'; then
    fail "threadline-server ships threadline.env: secrets never belong in the package"
fi
dpkg-deb --ctrl-tarfile "$server_deb" | tar -xO ./conffiles | grep -qx /etc/threadline/threadline.conf ||
    fail "/etc/threadline/threadline.conf is not a conffile"

step "lintian (errors fail, warnings are listed)"
lintian_log=$work/lintian.txt
set +e
lintian --fail-on error --tag-display-limit 0 --show-overrides "$console_deb" "$server_deb" 2>&1 |
    grep -v 'running with root privileges is not recommended' >"$lintian_log"
lintian_rc=${PIPESTATUS[0]}
set -e
cat "$lintian_log"
echo "lintian: $(grep -c '^E: ' "$lintian_log" || true) errors, $(grep -c '^W: ' "$lintian_log" || true) warnings," \
    "$(grep -c '^O: ' "$lintian_log" || true) overridden (packaging/debian/*.lintian-overrides)"
[ "$lintian_rc" = 0 ] || fail "lintian reports errors (exit $lintian_rc)"

# ------------------------------------------------------------------------------------------------
step "apt-get install both packages"
if dpkg -s threadline >/dev/null 2>&1 || dpkg -s threadline-server >/dev/null 2>&1; then
    echo "purging an earlier installation first"
    env DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -qq threadline threadline-server
fi
installed=1
env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$console_deb" "$server_deb"

step "installed files, user, secrets file, unit"
for f in /usr/bin/threadline /usr/bin/threadlined /usr/bin/threadline-sandbox /etc/threadline/threadline.conf \
    /lib/systemd/system/threadlined.service; do
    [ -e "$f" ] || fail "$f is missing after installation"
done
getent passwd threadline >/dev/null || fail "the threadline system user was not created"
[ "$(getent passwd threadline | cut -d: -f7)" != /bin/bash ] || fail "the threadline user has a login shell"
env_stat=$(stat -c '%a %U:%G' /etc/threadline/threadline.env) || fail "postinst did not create threadline.env"
[ "$env_stat" = "640 root:threadline" ] || fail "threadline.env is $env_stat, expected 640 root:threadline"
[ -L /etc/systemd/system/multi-user.target.wants/threadlined.service ] ||
    fail "threadlined.service was not enabled"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/threadline.desktop
    echo "desktop-file-validate: ok"
else
    echo "desktop-file-validate not installed (desktop-file-utils): skipped"
fi
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net /usr/share/metainfo/io.threadline.Threadline.metainfo.xml
else
    echo "appstreamcli not installed (appstream): skipped"
fi
# Offline analysis of the installed unit: the exposure score must stay "OK" (at most 2.0 of 10).
systemd-analyze security --offline=yes --threshold=20 /lib/systemd/system/threadlined.service |
    grep 'Overall exposure level' || fail "systemd-analyze security: the unit's exposure is above 2.0"

step "reinstalling keeps local changes to the conffile and the secrets file"
marker="local-change-$$"
echo "# $marker" >>/etc/threadline/threadline.env
echo "; $marker" >>/etc/threadline/threadline.conf
DEBIAN_FRONTEND=noninteractive apt-get install --reinstall -y -qq --no-install-recommends "$console_deb" "$server_deb" \
    >"$work/reinstall.log" 2>&1 || { cat "$work/reinstall.log"; fail "apt-get install --reinstall failed"; }
grep -q "$marker" /etc/threadline/threadline.env || fail "reinstalling replaced /etc/threadline/threadline.env"
grep -q "$marker" /etc/threadline/threadline.conf || fail "reinstalling replaced the conffile threadline.conf"
sed -i "/$marker/d" /etc/threadline/threadline.env /etc/threadline/threadline.conf
[ "$(stat -c '%a %U:%G' /etc/threadline/threadline.env)" = "640 root:threadline" ] ||
    fail "threadline.env lost its mode or owner"
echo "both kept"

step "threadlined --version, --check-config"
version_out=$(runuser -u threadline -- threadlined --version)
echo "$version_out"
grep -q "$version" <<<"$version_out" || fail "threadlined --version does not print $version"
runuser -u threadline -- threadlined --config /etc/threadline/threadline.conf --check-config ||
    fail "threadlined --check-config rejects the shipped /etc/threadline/threadline.conf"

step "threadlined --sandbox answers 200 on /readyz"
# The sandbox prints its throwaway admin token on stdout: keep it out of CI logs anyway.
show_daemon_log() { grep -v '^admin_token=' "$work/daemon.log" || true; }
data=$work/daemon-data
mkdir -m 0700 "$data"
chown threadline:threadline "$data"
port=$(free_port)
# setpriv and env exec: $! is threadlined itself, so SIGTERM below reaches the daemon directly.
setpriv --reuid=threadline --regid=threadline --init-groups env -i PATH=/usr/bin:/bin HOME="$data" \
    THREADLINE_DATA_DIR="$data" THREADLINE_API_LISTEN="127.0.0.1:$port" \
    threadlined --sandbox >"$work/daemon.log" 2>&1 &
daemon_pid=$!
deadline=$((SECONDS + 30))
code=000
while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$daemon_pid" 2>/dev/null; then
        wait "$daemon_pid" && rc=0 || rc=$?
        daemon_pid=
        show_daemon_log
        fail "the installed threadlined --sandbox exited (status $rc) before /readyz answered 200"
    fi
    code=$(curl -s -o "$work/readyz.json" -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/readyz" || true)
    [ "$code" = 200 ] && break
    sleep 0.5
done
if [ "$code" != 200 ]; then
    show_daemon_log
    if [ -s "$work/readyz.json" ]; then cat "$work/readyz.json"; echo; fi
    fail "GET /readyz on 127.0.0.1:$port did not answer 200 within 30 s (last status: $code)"
fi
echo "GET /readyz -> 200 $(head -c 300 "$work/readyz.json")"
kill -TERM "$daemon_pid"
for _ in $(seq 1 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$daemon_pid" 2>/dev/null; then
    kill -KILL "$daemon_pid"
    fail "threadlined did not stop within 10 s of SIGTERM"
fi
wait "$daemon_pid" && rc=0 || rc=$?
daemon_pid=
[ "$rc" = 0 ] || { show_daemon_log; fail "threadlined exited with status $rc after SIGTERM"; }
echo "stopped by SIGTERM, exit status 0"

step "the installed console starts offscreen with its main window"
console_home=$work/console-home
mkdir -p "$console_home" "$work/runtime"
chmod 0700 "$work/runtime"
console_env=(env QT_QPA_PLATFORM=offscreen HOME="$console_home" XDG_RUNTIME_DIR="$work/runtime"
    XDG_DATA_HOME="$console_home/data" XDG_CONFIG_HOME="$console_home/config")
# A console without its own option parser ignores --help and keeps running: bounded by timeout.
help_out=$(timeout 10 "${console_env[@]}" threadline --help 2>&1 || true)
if grep -q -- '--screenshot' <<<"$help_out"; then
    shot=$work/console.png
    timeout 60 "${console_env[@]}" threadline --data-dir "$work/console-data" --sandbox --screenshot "$shot" \
        >"$work/console.log" 2>&1 || { cat "$work/console.log"; fail "threadline --screenshot failed"; }
    [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
        { cat "$work/console.log"; fail "threadline --screenshot wrote no PNG"; }
    cp "$shot" "$package_dir/console-offscreen.png"
    echo "main window captured: $(stat -c %s "$shot") bytes of PNG, kept as $package_dir/console-offscreen.png"
else
    echo "the console offers no --screenshot option: checking that it stays up for 3 s instead"
    "${console_env[@]}" threadline --data-dir "$work/console-data" --sandbox >"$work/console.log" 2>&1 &
    console_pid=$!
    sleep 3
    if ! kill -0 "$console_pid" 2>/dev/null; then
        wait "$console_pid" && rc=0 || rc=$?
        console_pid=
        cat "$work/console.log"
        fail "the installed console exited within 3 s (status $rc)"
    fi
    kill -TERM "$console_pid"
    wait "$console_pid" 2>/dev/null || true
    console_pid=
    echo "the console was still running after 3 s (main window not captured)"
fi

# ------------------------------------------------------------------------------------------------
step "apt-get remove --purge both packages"
files=$( (dpkg-deb -c "$console_deb"; dpkg-deb -c "$server_deb") | awk '$1 !~ /^d/ {print substr($6, 2)}')
env DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y threadline threadline-server
installed=0
for pkg in threadline threadline-server; do
    if dpkg -L "$pkg" >/dev/null 2>&1; then fail "dpkg still knows $pkg after the purge"; fi
done
while read -r f; do
    [ -z "$f" ] || [ ! -e "$f" ] || fail "$f is left after the purge"
done <<<"$files"
for f in /usr/bin/threadlined /usr/bin/threadline /etc/threadline /var/lib/threadline \
    /etc/systemd/system/multi-user.target.wants/threadlined.service; do
    if [ -e "$f" ] || [ -L "$f" ]; then fail "$f is left after the purge"; fi
done
echo "nothing left (the threadline system user is kept on purge, as Debian policy asks)"

step "packages OK: $(basename "$console_deb") $(basename "$server_deb")"
