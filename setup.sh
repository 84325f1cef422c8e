#!/usr/bin/env bash
# Threadline set-up: installs what is missing on Debian 12, builds, then runs the console or the tests.
#
#   ./setup.sh run     install what is missing, build, start the console (embedded SQLite + sandbox workspace;
#                      any arguments go to the console instead, e.g. `./setup.sh run --data-dir DIR`)
#   ./setup.sh test    install what is missing, build, run the whole test suite (SQLite and PostgreSQL)
#   ./setup.sh build   install what is missing and build only
#   ./setup.sh deps    install what is missing for `test` (packages only; no build)
#   ./setup.sh bench   build the release preset and run the benchmarks (JSON on stdout)
#
# Environment:
#   THREADLINE_PRESET           CMake preset: dev (default), ci (warnings are errors), asan, release
#   THREADLINE_TEST_POSTGRES    postgresql://user@host:port/db to test against; when unset, `test`
#                               starts a throwaway PostgreSQL 15 cluster and removes it afterwards
#   THREADLINE_SKIP_DEPS=1      do not check or install system packages
#   THREADLINE_SOAK_MINUTES     `bench` also runs the soak benchmark for this many minutes
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
command=${1:-run}
shift || true
preset=${THREADLINE_PRESET:-dev}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages the build, the console and the tests need.
packages=(
    g++ cmake ninja-build pkg-config ccache git
    qt6-base-dev qt6-websockets-dev qt6-httpserver-dev qt6-svg-dev libqt6svg6
    libqt6sql6-sqlite libqt6sql6-psql qt6-qpa-plugins
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n qtkeychain-qt6-dev
    libgl1-mesa-dev fonts-dejavu-core
)
test_packages=(postgresql-15 xvfb xauth imagemagick clang libclang-rt-14-dev dpkg-dev lintian desktop-file-utils appstream)

install_missing() {
    [ "${THREADLINE_SKIP_DEPS:-0}" = 1 ] && return 0
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "setup: installing ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    if [ "$command" = test ] && ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
        echo "setup: the Slack SDK conformance tests need Node.js 20 or newer with npm on PATH" >&2
        exit 1
    fi
}

build() {
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake --preset "$preset" "${launcher[@]}" >/dev/null
    cmake --build --preset "$preset"
}

start_postgres() {
    # A throwaway PostgreSQL 15 cluster on a private port, removed when the script exits.
    local pgbin=/usr/lib/postgresql/15/bin port=${THREADLINE_PG_PORT:-55432}
    pgdir=$(mktemp -d /tmp/threadline-pg.XXXXXX)
    chmod 755 "$pgdir"
    local pguser=postgres run=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$pgdir"
        run=(runuser -u postgres --)
    else
        pguser=$(id -un)
    fi
    "${run[@]}" "$pgbin/initdb" -D "$pgdir/data" -A trust -U "$pguser" -E UTF8 --locale=C.UTF-8 --no-sync >"$pgdir/initdb.log"
    "${run[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
    "${run[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U "$pguser" threadline_test
    export THREADLINE_TEST_POSTGRES="postgresql://$pguser@127.0.0.1:$port/threadline_test"
    trap 'stop_postgres' EXIT
    echo "setup: PostgreSQL 15 test cluster at $THREADLINE_TEST_POSTGRES"
}

stop_postgres() {
    local run=()
    [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
    "${run[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
}

case "$command" in
run)
    install_missing "${packages[@]}"
    build
    # The embedded default: SQLite in the user's data folder and the sandbox workspace.
    [ $# -eq 0 ] && set -- --sandbox
    exec "build/$preset/gui/threadline" "$@"
    ;;
build)
    install_missing "${packages[@]}"
    build
    ;;
deps)
    command=test
    install_missing "${packages[@]}" "${test_packages[@]}"
    ;;
test)
    install_missing "${packages[@]}" "${test_packages[@]}"
    build
    if [ -z "${THREADLINE_TEST_POSTGRES:-}" ]; then
        start_postgres
    fi
    export THREADLINE_REQUIRE_POSTGRES=1
    ctest --preset "$preset" --timeout 600 "$@"
    ;;
bench)
    install_missing "${packages[@]}" postgresql-15 wrk
    preset=release
    build
    if [ -z "${THREADLINE_TEST_POSTGRES:-}" ]; then
        start_postgres
    fi
    for b in "build/$preset"/tests/bench/*/bench_*; do
        # The soak runs for half an hour: only when asked (THREADLINE_SOAK_MINUTES=30).
        if [ "$(basename "$b")" = bench_soak ]; then
            [ -n "${THREADLINE_SOAK_MINUTES:-}" ] && "$b" --minutes "$THREADLINE_SOAK_MINUTES"
            continue
        fi
        [ -x "$b" ] && "$b" "$@"
    done
    ;;
*)
    echo "usage: $0 run|test|build|bench|deps" >&2
    exit 2
    ;;
esac
