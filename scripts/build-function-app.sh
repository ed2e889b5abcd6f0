#!/usr/bin/env bash
# Builds the package to publish: dist/functionapp.zip, holding host.json, every function folder
# and the custom handler binary at the root (where host.json's defaultExecutablePath points),
# and copies the same binary to ./handler so that `func start` keeps working from the repo root.
#
# Why cargo-zigbuild: a Rust binary linked on this machine needs the glibc it was linked
# against (2.36 here) or newer, and fails to start on an older one with
# "GLIBC_2.xx not found". The Functions Linux images are older than the machines we build on,
# so the binary is linked by zig against glibc 2.28 stubs (`--target
# x86_64-unknown-linux-gnu.2.28`): a call to anything newer fails at link time instead of at
# start-up on Azure. A musl (static) build would do too, but the musl target cannot be added
# here (only x86_64-unknown-linux-gnu is installed), while zig comes as a PyPI wheel.
#
# Usage: scripts/build-function-app.sh
#   PROFILE=release       (default) the cargo profile that ships: fat LTO, one codegen unit.
#   PROFILE=package-check CI's cheaper profile (unoptimized, ~1 min instead of ~3): Cargo.toml
#                         explains why it needs the same glibc symbols or more; never publish it.
#   GLIBC=2.28            the newest glibc the binary may need.
#   PACKAGE_TOOLS_DIR     where ziglang and cargo-zigbuild are installed when missing (a Python
#                         venv; default target/package-tools, so `cargo clean` removes it too).
# Needs: cargo (the rustup target x86_64-unknown-linux-gnu) and python3 with the venv module.
# Then: scripts/check-package.sh checks the zip; README "Deployment" shows how to publish it.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${PROFILE:-release}"
GLIBC="${GLIBC:-2.28}"
TARGET=x86_64-unknown-linux-gnu
TOOLS="${PACKAGE_TOOLS_DIR:-target/package-tools}"
case "$TOOLS" in /*) ;; *) TOOLS="$PWD/$TOOLS" ;; esac
# Pinned so that every machine links with the same zig and the same glibc stubs; both are
# binary wheels on PyPI (no compiler needed to install them).
ZIGLANG_VERSION=0.17.1
ZIGBUILD_VERSION=0.24.1

fail() {
  echo "build-function-app: $*" >&2
  exit 1
}

# --- tools: ziglang + cargo-zigbuild in a venv of our own ------------------------------------
venv="$TOOLS/venv"
zig_path() { "$venv/bin/python3" -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))'; }
have_tools() {
  [ -x "$venv/bin/cargo-zigbuild" ] &&
    [ "$("$venv/bin/cargo-zigbuild" --version 2>/dev/null)" = "cargo-zigbuild $ZIGBUILD_VERSION" ] &&
    [ "$("$(zig_path 2>/dev/null)" version 2>/dev/null)" = "$ZIGLANG_VERSION" ]
}
if ! have_tools; then
  command -v python3 >/dev/null 2>&1 || fail "python3 is needed to install zig and cargo-zigbuild (apt-get install python3 python3-venv)"
  echo "build-function-app: installing ziglang $ZIGLANG_VERSION and cargo-zigbuild $ZIGBUILD_VERSION into $venv (from PyPI)" >&2
  python3 -m venv "$venv" ||
    fail "could not create a Python venv in $venv (on Debian: apt-get install python3-venv)"
  "$venv/bin/python3" -m pip install --disable-pip-version-check --quiet \
    "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$ZIGBUILD_VERSION" ||
    fail "pip could not install ziglang==$ZIGLANG_VERSION and cargo-zigbuild==$ZIGBUILD_VERSION into $venv"
  have_tools || fail "the tools in $venv do not answer with the expected versions"
fi
if command -v rustup >/dev/null 2>&1; then
  rustup target list --installed 2>/dev/null | grep -qx "$TARGET" ||
    fail "the rustup target $TARGET is not installed (rustup target add $TARGET)"
fi

# --- the binary ------------------------------------------------------------------------------
# host.json names the executable the host starts; the zip must hold it under that name.
exe="$(python3 -c 'import json,sys; print(json.load(open("host.json"))["customHandler"]["description"]["defaultExecutablePath"])')" ||
  fail "host.json has no customHandler.description.defaultExecutablePath"
case "$exe" in
  "" | /* | *..* | */*) fail "host.json's defaultExecutablePath '$exe' is not a plain file name at the app root" ;;
esac

echo "build-function-app: cargo zigbuild --profile $PROFILE --target $TARGET.$GLIBC (zig $ZIGLANG_VERSION)" >&2
start=$SECONDS
# cargo-zigbuild finds zig through this variable; PATH gives cargo the `zigbuild` subcommand.
CARGO_ZIGBUILD_ZIG_PATH="$(zig_path)" PATH="$venv/bin:$PATH" \
  cargo zigbuild --locked --profile "$PROFILE" --bin handler --target "$TARGET.$GLIBC" ||
  fail "the build failed (a symbol newer than glibc $GLIBC shows up as an undefined symbol at link time)"
built="${CARGO_TARGET_DIR:-target}/$TARGET/$PROFILE/handler"
[ -x "$built" ] || fail "$built is missing after the build"
echo "build-function-app: built $built in $((SECONDS - start)) s" >&2

# --- the package -----------------------------------------------------------------------------
# The function folders are derived, not listed: every directory at the root holding a
# function.json. `func azure functionapp publish` takes the same set (.funcignore leaves out
# the rest), so the zip and a publish from the work tree agree.
functions=()
for dir in */; do
  dir="${dir%/}"
  [ -f "$dir/function.json" ] && functions+=("$dir")
done
[ "${#functions[@]}" -gt 0 ] || fail "no function folder (a directory holding function.json) at the root"

stage=dist/functionapp
rm -rf "$stage" dist/functionapp.zip
mkdir -p "$stage"
cp host.json "$stage/"
for dir in "${functions[@]}"; do
  cp -R "$dir" "$stage/$dir"
done
install -m 755 "$built" "$stage/$exe"
# The local copy for `func start` (host.json's defaultExecutablePath is relative to the root);
# a check build is unoptimized, so it leaves a release ./handler alone.
if [ "$PROFILE" = release ]; then
  install -m 755 "$built" "./$exe"
  local_copy="./$exe updated for func start"
else
  local_copy="./$exe left as it was"
fi

# Python's zipfile rather than `zip`: python3 is needed anyway, and this way the entries are
# exactly the files (no directory entries), in a fixed order, with fixed timestamps, and the
# Unix mode (755 for the handler) is stored explicitly: the Functions host runs the handler
# from the extracted package, and a handler without its executable bit fails to start.
python3 - "$stage" dist/functionapp.zip <<'EOF'
import os, stat, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
files = sorted(
    os.path.relpath(os.path.join(root, name), stage)
    for root, _, names in os.walk(stage)
    for name in names
)
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for rel in files:
        path = os.path.join(stage, rel)
        mode = os.stat(path).st_mode
        info = zipfile.ZipInfo(rel.replace(os.sep, "/"), date_time=(2020, 1, 1, 0, 0, 0))
        info.create_system = 3  # Unix, so that unzippers honour the mode below
        info.external_attr = (stat.S_IFREG | stat.S_IMODE(mode)) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            z.writestr(info, f.read())
EOF
rm -rf "$stage"

echo "build-function-app: dist/functionapp.zip ($(du -h dist/functionapp.zip | cut -f1)): host.json, ${functions[*]}, $exe; $local_copy" >&2
if [ "$PROFILE" != release ]; then
  echo "build-function-app: built with profile $PROFILE, for checking only; publish a PROFILE=release build" >&2
fi
