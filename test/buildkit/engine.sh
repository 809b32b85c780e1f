#!/usr/bin/env bash
# engine.sh -- a private Docker engine with BuildKit for layerlint's real-build tests.
#
# Usage: test/buildkit/engine.sh install|start|stop|status|clean
#
#   install  (idempotent, needs root + a configured Debian mirror the first time)
#            - apt-get installs busybox-static, runc and tini from the machine's Debian release;
#            - downloads the Debian 13 (trixie) docker.io, docker-cli, docker-buildx and containerd
#              .debs with private apt state dirs and unpacks them under $DIR/engine (nothing of the
#              engine is installed system-wide). Docker 26 + buildx 0.13: heredocs, COPY --link.
#              Debian 13's runc needs a newer glibc, so the host's runc/tini are used instead;
#            - writes the base image tarball: a static busybox root file system.
#   start    starts a private dockerd (no bridge, no iptables; storage driver overlay2, falling back
#            to vfs), imports the base image as `localbase:latest` and prints, one per line,
#              export DOCKER_HOST='unix://...'
#              export DOCKER_CONFIG='...'
#              export LAYERLINT_DOCKER_CLI='...'
#            Exits non-zero with the daemon's last log lines if it cannot start.
#   stop     stops the daemon started by `start` (found by its PID file, never by name).
#   status   prints the state; exit 0 if the daemon answers, 1 if not.
#   clean    stop, then delete the daemon's state (images, build cache). Keeps the downloads.
#
# Environment
#   LAYERLINT_BUILDKIT_DIR  state dir (default ${TMPDIR:-/tmp}/layerlint-buildkit)
#   STORAGE_DRIVER          force a storage driver (no fallback then)
#   DEBIAN_MIRROR           mirror for the trixie .debs (default: the one apt is configured with,
#                           else http://deb.debian.org/debian)
#
# Nothing is ever pulled from a registry: builds must use `localbase` for every FROM image
# (test/buildkit/harness.ts tags them) and RUN steps can only use busybox's commands.
set -euo pipefail

DIR=${LAYERLINT_BUILDKIT_DIR:-${TMPDIR:-/tmp}/layerlint-buildkit}
ROOT=$DIR/engine/root            # unpacked Debian 13 engine
STATE=$DIR/state                 # daemon data, exec root, socket, logs
SOCK=$STATE/docker.sock
PIDF=$STATE/dockerd.pid
CFG=$DIR/docker-config           # private DOCKER_CONFIG (holds the buildx plugin)
BASE_TAR=$DIR/base/localbase.tar
DOCKERD=$ROOT/usr/sbin/dockerd
CLI=$ROOT/usr/bin/docker
BUILDX=$ROOT/usr/libexec/docker/cli-plugins/docker-buildx
DPATH=$ROOT/usr/sbin:$ROOT/usr/bin:/usr/sbin:/usr/bin:/sbin:/bin

export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$CFG DOCKER_BUILDKIT=1
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH || true

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "[engine] $*" >&2; }
die() { echo "[engine] error: $*" >&2; exit 1; }

# ------------------------------------------------------------------ install
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_install() {  # tries without `apt-get update` first (fast when the lists are fresh)
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 && return 0
  log "apt-get install failed, running apt-get update"
  apt-get update -qq >/dev/null || return 1
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

host_packages() {
  local need=() p
  for p in busybox-static runc tini; do installed "$p" || need+=("$p"); done
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing packages ${need[*]} and not root: apt-get install ${need[*]}"
  command -v apt-get >/dev/null || die "missing packages ${need[*]} and no apt-get (Debian/Ubuntu only)"
  local t; t=$(now); log "apt-get install ${need[*]}"
  apt_install "${need[@]}" || die "apt-get install ${need[*]} failed"
  log "host packages installed in $(since "$t")s"
}

mirror_uri() {  # the Debian mirror apt already uses (not the security one)
  [ -n "${DEBIAN_MIRROR:-}" ] && { echo "$DEBIAN_MIRROR"; return; }
  local u="" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    u=$(awk '/^URIs:/{for(i=2;i<=NF;i++) if($i ~ /debian\/?$/ && $i !~ /security/){print $i; exit}}' "$f")
    [ -n "$u" ] && break
  done
  [ -z "$u" ] && [ -f /etc/apt/sources.list ] && \
    u=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if($i ~ /^(http|https|file):/ && $i ~ /debian\/?$/ && $i !~ /security/){print $i; exit}}' /etc/apt/sources.list)
  echo "${u:-http://deb.debian.org/debian}"
}

engine_ready() { [ -x "$DOCKERD" ] && [ -x "$CLI" ] && [ -x "$BUILDX" ] && [ -x "$ROOT/usr/bin/containerd" ]; }

engine_debs() {
  engine_ready && return 0
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "apt-get and dpkg-deb are needed to fetch the engine"
  local A=$DIR/engine/apt t mirror; t=$(now); mirror=$(mirror_uri)
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || die "$keyring missing (package debian-archive-keyring)"
  rm -rf "$A" "$ROOT.tmp"; mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/debs" "$ROOT.tmp"
  echo "deb [signed-by=$keyring] $mirror trixie main" > "$A/sources.list"
  local opts=(-o Dir::Etc::SourceList="$A/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" -o APT::Sandbox::User=root)
  log "downloading Debian 13 docker.io docker-cli docker-buildx containerd from $mirror (private apt dirs)"
  apt-get "${opts[@]}" update -qq >/dev/null || die "apt-get update of $mirror trixie failed"
  (cd "$A/debs" && apt-get "${opts[@]}" download docker.io docker-cli docker-buildx containerd >/dev/null) \
    || die "downloading the engine .debs failed"
  local d; for d in "$A"/debs/*.deb; do dpkg-deb -x "$d" "$ROOT.tmp"; done
  # Debian 13's runc needs glibc 2.38: the host's runc (Debian 12) is used instead, and the
  # host's static tini as docker-init (the .deb's docker-init is a relative link to tini-static).
  rm -f "$ROOT.tmp/usr/sbin/runc" "$ROOT.tmp/usr/bin/runc" "$ROOT.tmp/usr/bin/docker-init"
  ln -s /usr/bin/tini-static "$ROOT.tmp/usr/bin/docker-init"
  (cd "$A/debs" && ls *.deb > "$A/installed-debs.txt"); rm -rf "$ROOT" "$A/lists" "$A/cache"; mv "$ROOT.tmp" "$ROOT"
  engine_ready || die "the unpacked .debs lack dockerd/docker/buildx/containerd"
  log "engine unpacked in $(since "$t")s: $(tr "\n" " " < "$A/installed-debs.txt")"; rm -rf "$A/debs"
}

base_tarball() {
  [ -s "$BASE_TAR" ] && return 0
  local B=$DIR/base bb a
  bb=$(command -v busybox || true); [ -x /bin/busybox ] && bb=/bin/busybox
  [ -n "$bb" ] || die "busybox not found"
  file_is_static "$bb" || die "$bb is not statically linked (install busybox-static)"
  rm -rf "$B/rootfs"; mkdir -p "$B/rootfs"/{bin,etc,tmp,root}
  cp "$bb" "$B/rootfs/bin/busybox"
  for a in $("$B/rootfs/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$B/rootfs/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$B/rootfs/etc/passwd"
  echo 'root:x:0:' > "$B/rootfs/etc/group"
  chmod 1777 "$B/rootfs/tmp"
  tar -C "$B/rootfs" --numeric-owner --owner=0 --group=0 -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf "$B/rootfs"
}

file_is_static() {  # no ELF interpreter => static (assumed when readelf is not available)
  command -v readelf >/dev/null || return 0
  ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter'
}

cmd_install() {
  local t; t=$(now)
  mkdir -p "$DIR"
  host_packages
  engine_debs
  local missing; missing=$(ldd "$DOCKERD" 2>/dev/null | awk '/not found/{print $1}' | tr '\n' ' ')
  [ -z "$missing" ] || die "dockerd needs libraries this machine lacks: $missing"
  base_tarball
  mkdir -p "$CFG/cli-plugins"; cp -f "$BUILDX" "$CFG/cli-plugins/docker-buildx"
  log "installed ($(since "$t")s): $("$CLI" --version 2>/dev/null), buildx $("$BUILDX" version 2>/dev/null | awk '{print $2}')"
}

# ------------------------------------------------------------------ daemon
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
is_proc() { alive "$1" && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
answers() { timeout 10 "$CLI" version >/dev/null 2>&1; }

cmd_stop() {
  local pid="" cpid i
  pid=$(cat "$PIDF" 2>/dev/null || true)
  if [ -n "$pid" ] && is_proc "$pid" dockerd; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do alive "$pid" || break; sleep 0.5; done
    if alive "$pid"; then log "dockerd $pid did not stop in 30s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
    log "dockerd $pid stopped"
  fi
  # dockerd stops the containerd it started; make sure, by containerd's own PID file.
  cpid=$(cat "$STATE/exec/containerd/containerd.pid" 2>/dev/null || true)
  if [ -n "$cpid" ] && is_proc "$cpid" containerd; then
    kill -TERM "$cpid" 2>/dev/null || true
    for i in $(seq 1 20); do alive "$cpid" || break; sleep 0.5; done
    alive "$cpid" && kill -KILL "$cpid" 2>/dev/null || true
  fi
  rm -f "$PIDF"
}

launch() {  # launch DRIVER: start dockerd detached; return 0 once it answers
  local drv=$1 pid i
  mkdir -p "$STATE/data" "$STATE/exec"
  echo '{}' > "$STATE/daemon.json"       # ignore the machine's /etc/docker/daemon.json
  PATH=$DPATH setsid "$DOCKERD" --config-file "$STATE/daemon.json" --group root \
    --iptables=false --ip6tables=false --ip-forward=false --bridge=none --userland-proxy=false \
    --storage-driver="$drv" --data-root "$STATE/data" --exec-root "$STATE/exec" --pidfile "$PIDF" \
    -H "unix://$SOCK" </dev/null >"$STATE/dockerd-$drv.log" 2>&1 &
  pid=$!
  for i in $(seq 1 120); do   # 30 s
    answers && return 0
    alive "$pid" || break
    sleep 0.25
  done
  log "dockerd (--storage-driver=$drv) did not come up; last lines of $STATE/dockerd-$drv.log:"
  tail -n 8 "$STATE/dockerd-$drv.log" | sed 's/^/    /' >&2
  alive "$pid" && { kill -TERM "$pid" 2>/dev/null || true; sleep 1; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
  cmd_stop
  return 1
}

cmd_start() {
  engine_ready && [ -s "$BASE_TAR" ] || die "engine not installed: run '$0 install' first"
  [ ${#SOCK} -lt 100 ] || die "socket path too long for a unix socket ($SOCK): set LAYERLINT_BUILDKIT_DIR to a shorter dir"
  [ "$(id -u)" = 0 ] || die "dockerd needs root"
  mkdir -p "$CFG/cli-plugins"; cp -f "$BUILDX" "$CFG/cli-plugins/docker-buildx"
  cmd_stop                                   # a daemon left over from an earlier run
  local t drv; t=$(now)
  if [ -n "${STORAGE_DRIVER:-}" ]; then
    drv=$STORAGE_DRIVER; launch "$drv" || die "dockerd did not start with --storage-driver=$drv"
  else
    drv=overlay2
    if ! launch overlay2; then
      log "retrying with --storage-driver=vfs (slower, but works on any file system)"
      drv=vfs; launch vfs || die "dockerd did not start with overlay2 nor vfs (see the logs in $STATE)"
    fi
  fi
  log "dockerd $("$CLI" version -f '{{.Server.Version}}') up in $(since "$t")s (pid $(cat "$PIDF"), $drv)"
  if ! "$CLI" image inspect localbase:latest >/dev/null 2>&1; then
    t=$(now)
    timeout 120 "$CLI" import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'CMD ["/bin/sh"]' "$BASE_TAR" localbase:latest >/dev/null || { cmd_stop; die "importing the base image failed"; }
    log "base image localbase imported in $(since "$t")s"
  fi
  print_env
}

q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
print_env() {
  echo "export DOCKER_HOST=$(q "unix://$SOCK")"
  echo "export DOCKER_CONFIG=$(q "$CFG")"
  echo "export LAYERLINT_DOCKER_CLI=$(q "$CLI")"
}

cmd_status() {
  echo "dir:       $DIR"
  if engine_ready; then echo "engine:    $("$CLI" --version)"; else echo "engine:    not installed"; fi
  local pid; pid=$(cat "$PIDF" 2>/dev/null || true)
  if [ -n "$pid" ] && is_proc "$pid" dockerd && answers; then
    echo "daemon:    running, pid $pid, $("$CLI" info -f '{{.Driver}}' 2>/dev/null) storage"
    print_env
    return 0
  fi
  echo "daemon:    not running"
  return 1
}

case "${1:-}" in
  install) cmd_install;;
  start)   cmd_start;;
  stop)    cmd_stop;;
  status)  cmd_status;;
  clean)   cmd_stop; rm -rf "$STATE"; log "removed $STATE";;
  *) echo "usage: $0 install|start|stop|status|clean" >&2; exit 64;;
esac
