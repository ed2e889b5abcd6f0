#!/usr/bin/env bash
# Checks the package that scripts/build-function-app.sh made (CI runs it, see .ci/run):
#
# 1. the handler inside the zip needs no glibc newer than GLIBC_MAX (2.28): the Functions
#    Linux images have an older glibc than the machines we build on, and a binary that asks
#    for a newer symbol version dies at start-up with "GLIBC_2.xx not found" before it logs
#    anything. The versions are read from the binary's dynamic symbol table (objdump -T, from
#    binutils): every imported glibc symbol carries the version it was linked against. A
#    static binary imports none, which passes too.
# 2. the zip holds exactly host.json, each function folder's function.json (the folders are
#    derived from the work tree: every directory at the root with a function.json) and the
#    executable host.json names, with mode 755: nothing else (no local.settings.json with
#    secrets, no target/), and nothing missing.
#
# Usage: scripts/check-package.sh [path/to/functionapp.zip]   (default dist/functionapp.zip)
#   GLIBC_MAX=2.28   the newest glibc symbol version allowed.
# Exit status 0 when both hold; 1 with the reason on stderr otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

zip="${1:-dist/functionapp.zip}"
GLIBC_MAX="${GLIBC_MAX:-2.28}"

fail() {
  echo "check-package: FAIL: $*" >&2
  exit 1
}
indent() { sed 's/^/  /'; }
[ -f "$zip" ] || fail "$zip does not exist (run scripts/build-function-app.sh first)"
command -v objdump >/dev/null 2>&1 || fail "objdump is missing (apt-get install binutils)"

exe="$(python3 -c 'import json; print(json.load(open("host.json"))["customHandler"]["description"]["defaultExecutablePath"])')" ||
  fail "host.json has no customHandler.description.defaultExecutablePath"

# --- the zip's entries -----------------------------------------------------------------------
expected="$(
  {
    echo "host.json 644"
    for dir in */; do
      [ -f "${dir}function.json" ] && echo "${dir}function.json 644"
    done
    echo "$exe 755"
  } | LC_ALL=C sort
)"
# Each entry with its Unix permission bits; a directory entry or a non-regular file shows up
# as such and fails the comparison.
actual="$(
  python3 - "$zip" <<'EOF' | LC_ALL=C sort
import stat, sys, zipfile
for info in zipfile.ZipFile(sys.argv[1]).infolist():
    mode = info.external_attr >> 16
    kind = "" if stat.S_ISREG(mode) else " (not a regular file)"
    print(f"{info.filename} {stat.S_IMODE(mode):o}{kind}")
EOF
)" || fail "$zip is not a readable zip"
echo "check-package: $zip holds:" >&2
indent <<<"$actual" >&2
if [ "$actual" != "$expected" ]; then
  echo "check-package: expected exactly:" >&2
  indent <<<"$expected" >&2
  missing="$(LC_ALL=C comm -23 <(echo "$expected") <(echo "$actual") | paste -sd, -)"
  unexpected="$(LC_ALL=C comm -13 <(echo "$expected") <(echo "$actual") | paste -sd, -)"
  fail "$zip's entries differ from the expected ones: missing [${missing}], unexpected [${unexpected}]"
fi

# --- what `func azure functionapp publish` would upload from the work tree --------------------
# Core Tools zips the work tree itself, less what .funcignore names (gitignore syntax). git's
# own matcher stands in for Core Tools' here, which is close enough for these plain patterns.
# Tracked files decide (a wrong .funcignore fails); untracked ones only warn, since they are
# this work tree's own (the handler is left out: a CI clone has none until a release build).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  tracked="$(
    LC_ALL=C comm -23 <(git ls-files | LC_ALL=C sort) \
      <(git ls-files --cached --ignored --exclude-from=.funcignore | LC_ALL=C sort)
  )"
  in_zip="$(cut -d' ' -f1 <<<"$actual" | grep -vx "$exe")"
  if [ "$tracked" != "$in_zip" ]; then
    extra="$(LC_ALL=C comm -13 <(echo "$in_zip") <(echo "$tracked") | paste -sd, -)"
    lacking="$(LC_ALL=C comm -23 <(echo "$in_zip") <(echo "$tracked") | paste -sd, -)"
    fail ".funcignore lets func publish other files than the zip holds: would also upload [${extra}], would leave out [${lacking}]"
  fi
  untracked="$(git ls-files --others --exclude-from=.funcignore | grep -vx "$exe" | paste -sd, -)" || true
  if [ -n "$untracked" ]; then
    echo "check-package: warning: func azure functionapp publish from this work tree would also upload: $untracked" >&2
  fi
fi

# --- the handler's glibc symbol versions -----------------------------------------------------
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
  "$zip" "$exe" "$tmp/$exe"
head -c 4 "$tmp/$exe" | grep -q $'^\x7fELF' || fail "$exe in $zip is not an ELF binary"
# objdump -T lines look like `0000… w DF *UND* 0000… (GLIBC_2.28) statx` (the parentheses
# only for a hidden version): take each symbol with its GLIBC_x.y version.
symbols="$(objdump -T "$tmp/$exe" | sed -nE 's/.*[( ]GLIBC_([0-9]+(\.[0-9]+)*)\)? +(.*)$/\1 \3/p' | LC_ALL=C sort -t' ' -k1,1V -k2)" ||
  fail "objdump could not read the dynamic symbols of $exe"
if [ -z "$symbols" ]; then
  if objdump -p "$tmp/$exe" | grep -q NEEDED; then
    fail "$exe links shared libraries but imports no versioned glibc symbol: the objdump output was not understood"
  fi
  echo "check-package: OK: $exe is static (no glibc symbol imported); zip contents as expected" >&2
  exit 0
fi
newest="$(tail -n1 <<<"$symbols" | cut -d' ' -f1)"
too_new="$(awk -v max="$GLIBC_MAX" '
  function newer(a, b,   x, y, n, i) {
    n = split(a, x, "."); split(b, y, ".")
    for (i = 1; i <= (n > length(y) ? n : length(y)); i++) {
      if ((x[i] + 0) != (y[i] + 0)) return (x[i] + 0) > (y[i] + 0)
    }
    return 0
  }
  newer($1, max) { print "  " $2 "@GLIBC_" $1 }' <<<"$symbols")"
if [ -n "$too_new" ]; then
  echo "check-package: $exe needs glibc $newest; these symbols are newer than GLIBC_$GLIBC_MAX:" >&2
  echo "$too_new" >&2
  fail "$exe would not start on the Functions Linux images (glibc $GLIBC_MAX): link it with scripts/build-function-app.sh (cargo zigbuild --target x86_64-unknown-linux-gnu.$GLIBC_MAX)"
fi
echo "check-package: OK: newest glibc symbol version $exe needs is GLIBC_$newest (<= $GLIBC_MAX; $(grep -c '' <<<"$symbols") glibc symbols); zip contents as expected" >&2
