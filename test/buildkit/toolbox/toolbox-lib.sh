# Functions use `local` (busybox ash has it) so that they never clobber the caller's variables.
# Shared by the stand-in package managers of the BuildKit proof (busybox sh).
# A stand-in reads exactly the files the real tool reads, fails like it when
# a required one is missing, and writes a result that depends only on what it
# read, so two builds that feed it the same files produce the same bytes.

die() {
  echo "$TOOL: $*" >&2
  exit 1
}

# need FILE...: fail as the real tool does when a file it must read is absent.
need() {
  for f in "$@"; do
    [ -f "$f" ] || die "cannot read $f: no such file in $(pwd)"
  done
}

# digest FILE...: one "sha256  path" line per existing file, in a fixed order.
digest() {
  for f in "$@"; do
    [ -f "$f" ] && sha256sum "$f"
  done | sort -k 2
}

# record OUT FILE...: writes the digest of the files that exist to OUT.
record() {
  local target=$1
  shift
  mkdir -p "$(dirname "$target")"
  digest "$@" > "$target"
}

# sources DIR NAME-PATTERN: every matching file below DIR, sorted (what a compiler reads).
sources() {
  [ -d "$1" ] || return 0
  find "$1" -type f -name "$2" | sort
}

# compile OUT DIR PATTERN: a stand-in build output: the digest of the sources; fails with none.
compile() {
  local target=$1 files
  files=$(sources "$2" "$3")
  [ -n "$files" ] || die "no $3 sources in $2"
  # shellcheck disable=SC2086
  record "$target" $files
}

# cache DIR FILE...: a download cache entry that depends only on the manifests.
cache() {
  local where=$1
  shift
  record "$where/$(digest "$@" | sha256sum | cut -c1-16)" "$@"
}
