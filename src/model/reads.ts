import { posix } from "node:path";
import picomatch from "picomatch";
import { installCandidates, type Ecosystem, type InstallSpec } from "../ecosystems/index.js";
import { findSystemCommands, installSkipsCache, matchSystemCommand, packageNames, type SystemCommand } from "../ecosystems/system.js";
import type { Instruction, Stage } from "../parse/index.js";
import type { CacheModel } from "./index.js";
import { isPlain, resolveIn } from "./paths.js";
import { commandWords, splitCommands, type ShellCommand } from "./shell.js";

/**
 * What a RUN does to the filesystem, as far as a recogniser can tell
 * without running it: which absolute paths it reads or writes, which it
 * creates and leaves behind, which it deletes, and whether every command
 * of it was understood. Rules that move or merge steps ask this module and
 * act only when `understood` is true: an unknown command could read
 * anything.
 */

/** A path the script names, resolved against WORKDIR and `cd`; it may hold glob characters (`/var/lib/apt/lists/*`). */
export interface PathEffect {
  path: string;
  /** Position of the command in the script's command list, to order creations and deletions. */
  at: number;
  command: ShellCommand;
  /** A short description for messages (`apt-get update`, `curl -o /tmp/x.tgz`). */
  what: string;
  /**
   * How the path came to be, for created paths: a download, an unpacked
   * archive, a clone, a package cache or index; `file` for small things
   * (directories, redirections, links, copies) that cost nothing to delete later.
   */
  kind?: "download" | "extract" | "clone" | "cache" | "file";
  /** Other paths the same files may live at (dnf's cache is /var/cache/dnf or /var/cache/libdnf5): deleting any of them counts. */
  aliases?: readonly string[];
  /** The name of a file the created directory holds, so that a deletion by pattern (`rm /var/lib/apt/lists/*_*`) can be judged. */
  sample?: string;
}

export interface RunEffects {
  /** Every command is one this module knows (package managers, file utilities, user management, downloads). */
  understood: boolean;
  /** No command can read an arbitrary environment variable (only known tools). */
  envInert: boolean;
  /** Some command installs, removes or configures system packages or users: it writes all over the system directories. */
  system: boolean;
  /** Absolute paths the script names (read or written). */
  touched: PathEffect[];
  /** Paths it creates (downloads, archives unpacked, package indexes and caches). */
  created: PathEffect[];
  /** Paths it deletes (`rm`, a package manager's `clean`). */
  deleted: PathEffect[];
  /** Created paths still there when the RUN ends. */
  leftBehind: PathEffect[];
  /** Deletions of files the RUN did not create itself before: they target earlier layers. */
  deletedFromEarlier: PathEffect[];
  /** Packages removed (`apt-get purge x`, `apk del .build-deps`), by manager id. */
  removedPackages: { manager: string; name: string; at: number; command: ShellCommand }[];
  /** Packages installed, by manager id. */
  installedPackages: { manager: string; name: string; at: number; command: ShellCommand }[];
  /** The package-manager commands, in order. */
  systemCommands: SystemCommand[];
  /** Project package-manager commands, with the download caches each leaves (none when turned off or moved). */
  projectInstalls: { ecosystem: Ecosystem; at: number; command: ShellCommand; cacheDirs: string[] }[];
  /** `cd` to a directory the script could not resolve, or any `cd` at all. */
  changesDirectory: boolean;
  /** Positions of scripts this module cannot see into (`bash setup.sh`, `./install`, `curl ... | sh`). */
  opaqueScripts: number[];
}

/** Scans the commands of a script; `sh -c '...'` bodies are scanned in place, between `base` and `base + span`. */
function scanScript(script: string, base: number, span: number, state: ScanState, fx: RunEffects): void {
  const commands = splitCommands(script);
  const n = Math.max(commands.length, 1);
  for (let i = 0; i < commands.length; i++) scanCommand(commands[i], base + (i * span) / n, state, fx, span / n);
}

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"]);

/** Commands that print or set shell state and touch no file (except through redirections). */
const INERT = new Set(["set", "true", "false", ":", "echo", "printf", "export", "which", "exit", "sleep", "id", "whoami", "uname", "date", "nproc", "umask", "unset"]);

/** System configuration tools that write under /etc, /usr or /var only. */
const SYSTEM_TOOLS = new Set([
  "ldconfig", "update-ca-certificates", "locale-gen", "localedef", "dpkg-reconfigure", "update-alternatives",
  "update-locale", "apt-key", "apt-mark", "dpkg", "rpm", "useradd", "adduser", "groupadd", "addgroup", "usermod",
  "groupmod", "userdel", "deluser", "delgroup", "groupdel", "chpasswd", "passwd",
]);

/** File utilities whose non-option words are all paths. */
const PATH_TOOLS = new Set(["rm", "mkdir", "touch", "ln", "cp", "mv", "cat", "rmdir", "ls", "stat"]);

interface ScanState {
  cwd: string | null;
  home: string | null;
  /** ENV and ARG names in scope. */
  env: VariableNames;
}

/** Project package managers whose download cache a RUN can leave in its layer (not build caches such as Go's or Cargo's). */
// RubyGems and Bundler are left out: where they keep downloaded gems depends on the image (GEM_HOME, rvm, rbenv).
const DOWNLOAD_CACHE_ECOSYSTEMS = new Set(["pip", "pipenv", "poetry", "uv", "npm", "yarn", "pnpm", "bun", "composer"]);

/** Environment variables that move or turn off an ecosystem's cache: with one in scope, where the cache goes is not known. */
const CACHE_ENV: Readonly<Record<string, readonly string[]>> = {
  pip: ["PIP_NO_CACHE_DIR", "PIP_CACHE_DIR", "XDG_CACHE_HOME"],
  pipenv: ["PIP_NO_CACHE_DIR", "PIP_CACHE_DIR", "PIPENV_CACHE_DIR", "XDG_CACHE_HOME"],
  poetry: ["POETRY_CACHE_DIR", "POETRY_NO_CACHE", "XDG_CACHE_HOME"],
  uv: ["UV_NO_CACHE", "UV_CACHE_DIR", "XDG_CACHE_HOME"],
  npm: ["npm_config_cache", "NPM_CONFIG_CACHE"],
  yarn: ["YARN_CACHE_FOLDER", "YARN_GLOBAL_FOLDER", "YARN_ENABLE_GLOBAL_CACHE"],
  pnpm: ["npm_config_store_dir", "PNPM_STORE_DIR", "PNPM_HOME", "XDG_DATA_HOME"],
  bun: ["BUN_INSTALL_CACHE_DIR", "BUN_INSTALL"],
  composer: ["COMPOSER_CACHE_DIR"],
  gem: ["GEM_HOME", "GEM_SPEC_CACHE"],
  bundler: ["BUNDLE_PATH", "BUNDLE_CACHE_PATH", "BUNDLE_APP_CONFIG"],
};

/**
 * The download-cache directories a project install fills, for the user it
 * runs as; none when a flag or an environment variable turns the cache off
 * or moves it somewhere this module cannot know.
 */
function projectCacheDirs(eco: Ecosystem, match: InstallSpec, words: readonly string[], state: ScanState): string[] {
  if (!DOWNLOAD_CACHE_ECOSYSTEMS.has(eco.id) || state.home === null) return [];
  if (match.noCache === true || eco.noCacheFlags.some((f) => words.includes(f) || words.some((w) => w.startsWith(f + "=")))) return [];
  if ((CACHE_ENV[eco.id] ?? []).some((n) => state.env.includes(n))) return [];
  // A command-line cache location (`npm --cache`, `yarn --cache-folder`, `pip --cache-dir`) moves the cache too.
  if (cacheFlagDir(words) !== undefined) return [];
  const home = state.home;
  return eco.cacheDirs.map((d) => (d.startsWith("/root/") ? home + d.slice(5) : d));
}

/**
 * The directory a command-line option moves a project cache to
 * (`npm ci --cache DIR`, `yarn --cache-folder DIR`, `pip --cache-dir DIR`,
 * `pnpm --store-dir DIR`): undefined when none does, null when the
 * directory is not a plain absolute path.
 */
export function cacheFlagDir(words: readonly string[]): string | null | undefined {
  for (let i = 0; i < words.length; i++) {
    const m = /^--(?:cache|cache-folder|cache-dir|store-dir)(?:=(.*))?$/.exec(words[i]);
    if (!m) continue;
    const dir = m[1] ?? words[i + 1] ?? "";
    if (!dir.startsWith("/") || /[$`*?]/.test(dir)) return null;
    let p = posix.normalize(dir);
    while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
    return p;
  }
  return undefined;
}

/** The USER as written when it is not root (no USER, `root`, `0`); null for root. */
export function nonRootUser(user: string | null | undefined): string | null {
  const name = (user ?? "").split(":")[0].trim();
  return name === "" || name === "root" || name === "0" ? null : name;
}

/**
 * The home directory a RUN's tools use: `ENV HOME` when set (pip, npm and
 * the rest find their caches through $HOME), else the USER's: /root,
 * /home/<name> as useradd makes it; null when unknown (a uid, a variable).
 */
export function homeOf(user: string | null | undefined, envHome?: string): string | null {
  if (envHome !== undefined) {
    let h = envHome.trim();
    while (h.length > 1 && h.endsWith("/")) h = h.slice(0, -1);
    return h.startsWith("/") && !/[$`]/.test(h) ? h : null;
  }
  const name = nonRootUser(user);
  if (name === null) return "/root";
  if (/^[a-z_][a-z0-9_.-]*$/i.test(name) && !/^[0-9]+$/.test(name)) return `/home/${name}`;
  return null;
}

// Several rules ask for the effects of the same RUN, some once per later step:
// computed once per model and instruction (callers treat the result as read-only).
const effectsByModel = new WeakMap<CacheModel, Map<Instruction, RunEffects>>();

/** The effects of a RUN (its script, heredoc bodies included). */
export function runEffects(model: CacheModel, ins: Instruction): RunEffects {
  let known = effectsByModel.get(model);
  if (!known) effectsByModel.set(model, (known = new Map()));
  const cached = known.get(ins);
  if (cached) return cached;
  const info = model.info(ins);
  const workdir = info?.inputs.workdir ?? "/";
  const scope = info?.inputs.scope;
  // Asked of the scope, not of a list of its names: a list per RUN costs n² in a file of n ENV lines.
  const env: VariableNames = scope ? { includes: (name) => scope.env.has(name) || scope.args.has(name) } : [];
  const fx = scriptEffects(model.script(ins), workdir, homeOf(info?.inputs.user ?? null, scope?.env.get("HOME")), env);
  known.set(ins, fx);
  return fx;
}

/** Names of the variables set in a RUN's environment (a list, or a scope that answers for its names). */
export interface VariableNames {
  includes(name: string): boolean;
}

export function scriptEffects(script: string, workdir: string, home: string | null, env: VariableNames = []): RunEffects {
  const fx: RunEffects = {
    understood: true,
    envInert: true,
    system: false,
    touched: [],
    created: [],
    deleted: [],
    leftBehind: [],
    deletedFromEarlier: [],
    removedPackages: [],
    installedPackages: [],
    systemCommands: [],
    projectInstalls: [],
    changesDirectory: false,
    opaqueScripts: [],
  };
  const state: ScanState = { cwd: workdir, home, env };
  scanScript(script, 0, 1, state, fx);
  // A script run after the files were made (`bash install.sh`) may have deleted them: assume it did.
  // Only the last such script matters (one pass, not one per created path).
  let lastOpaque = -1;
  for (const at of fx.opaqueScripts) if (at > lastOpaque) lastOpaque = at;
  fx.leftBehind = fx.created.filter((c) => c.at >= lastOpaque && !fx.deleted.some((d) => d.at > c.at && emptiesEffect(d.path, c)));
  fx.deletedFromEarlier = fx.deleted.filter((d) => !fx.created.some((c) => c.at < d.at && emptiesEffect(d.path, c)));
  return fx;
}

function scanCommand(command: ShellCommand, at: number, state: ScanState, fx: RunEffects, span = 1): void {
  const raw = commandWords(command);
  const { words, redirects } = splitRedirects(raw);
  const shell = words[0] ? words[0].slice(words[0].lastIndexOf("/") + 1) : "";
  if (SHELLS.has(shell) || shell === "source" || shell === ".") {
    const c = words.findIndex((w, i) => i > 0 && /^-[a-z]+$/.test(w) && w.includes("c"));
    if (SHELLS.has(shell) && c !== -1 && words[c + 1] !== undefined) {
      scanScript(words[c + 1], at, span, state, fx);
      return;
    }
    // A script file, or commands read from a pipe: nothing is known of what it does.
    fx.opaqueScripts.push(at);
  } else if (words[0] !== undefined && (words[0].includes("/") || words[0].endsWith(".sh")) && !words[0].startsWith("/usr/bin/") && !words[0].startsWith("/bin/")) {
    fx.opaqueScripts.push(at);
  }
  const resolve = (p: string): string | null => resolvePath(p, state);
  const effect = (path: string, what: string): PathEffect => ({ path, at, command, what });
  // A spread of effect() plus a kind, built directly: the same properties in the same order.
  const made: Made = (path, what, kind, aliases, sample) =>
    aliases === undefined ? { path, at, command, what, kind } : sample === undefined ? { path, at, command, what, kind, aliases } : { path, at, command, what, kind, aliases, sample };
  const unknown = (): void => {
    fx.understood = false;
    fx.envInert = false;
  };
  for (const r of redirects) {
    const p = resolve(r);
    if (p === null) fx.understood = false;
    else if (!p.startsWith("/dev/")) {
      fx.touched.push(effect(p, command.text));
      fx.created.push(made(p, command.text, "file"));
    }
  }
  if (words.length === 0) return;
  const program = words[0].slice(words[0].lastIndexOf("/") + 1);
  const args = words.slice(1);

  const sys = matchSystemCommand(words, command);
  if (sys) {
    fx.systemCommands.push(sys);
    fx.system = true;
    systemEffects(sys, at, fx, resolve, effect, made);
    return;
  }
  // `yarn --version`, `bundle --help`: asks the tool about itself and downloads nothing.
  const asksVersion = args.some((w) => w === "--version" || w === "-v" || w === "-V" || w === "--help" || w === "-h");
  for (const eco of installCandidates(words[0])) {
    const match = asksVersion ? null : eco.matchInstall(words);
    if (!match) continue;
    // A project install reads configuration and manifests from the directory it runs in.
    unknown();
    for (const dir of projectCacheDirs(eco, match, words, state)) fx.created.push(made(dir, command.text, "cache"));
    fx.projectInstalls.push({ ecosystem: eco, at, command, cacheDirs: projectCacheDirs(eco, match, words, state) });
    return;
  }
  if (program === "cd") {
    fx.changesDirectory = true;
    const target = args.find((a) => !a.startsWith("-"));
    state.cwd = target === undefined ? state.home : resolve(target);
    if (state.cwd === null) fx.understood = false;
    return;
  }
  if (INERT.has(program)) return;
  if (SYSTEM_TOOLS.has(program)) {
    fx.system = true;
    for (const a of optionValues(args)) {
      if (!a.startsWith("/")) continue;
      const p = resolve(a);
      if (p) fx.touched.push(effect(p, command.text));
    }
    if ((program === "useradd" && args.some((a) => a === "-m" || a === "--create-home")) || program === "adduser") {
      // The home directory is created (default /home/<name>) unless told otherwise.
      if (!args.includes("-d") && !args.includes("--home") && !args.includes("-h") && !args.includes("--home-dir")) {
        const name = args.filter((a) => !a.startsWith("-")).pop();
        if (name) fx.touched.push(effect(`/home/${name}`, command.text));
        else fx.understood = false;
      }
    }
    if (program === "dpkg" && args.some((a) => /^-[a-zA-Z]*i/.test(a) || a === "--install")) {
      for (const a of args.filter((x) => !x.startsWith("-"))) {
        const p = resolve(a);
        if (p === null) fx.understood = false;
        else fx.touched.push(effect(p, command.text));
      }
    }
    return;
  }
  if (PATH_TOOLS.has(program) || program === "chmod" || program === "chown" || program === "chgrp") {
    let positional = args.filter((a) => !a.startsWith("-") || a === "-");
    if (program === "chmod" || program === "chown" || program === "chgrp") positional = positional.slice(1);
    if (program === "ln" && args.some((a) => /^-[a-zA-Z]*s/.test(a))) positional = positional.slice(1);
    for (const a of positional) {
      const p = resolve(a);
      if (p === null) {
        fx.understood = false;
        continue;
      }
      fx.touched.push(effect(p, command.text));
      if (program === "rm" || program === "rmdir") fx.deleted.push(effect(p, command.text));
      if (program === "mkdir" || program === "touch") fx.created.push(made(p, command.text, "file"));
      if (program === "ln" || program === "cp") {
        if (a === positional[positional.length - 1]) fx.created.push(made(p, command.text, "file"));
      }
      if (program === "mv" && a === positional[positional.length - 1]) fx.created.push(made(p, command.text, "file"));
    }
    return;
  }
  if (program === "curl" || program === "wget") {
    downloadEffects(program, args, state, fx, resolve, effect, made, command);
    return;
  }
  if (program === "tar" || program === "unzip") {
    archiveEffects(program, args, state, fx, resolve, effect, made, command);
    return;
  }
  if (program === "git" && args[0] === "clone") {
    const pos = args.slice(1).filter((a) => !a.startsWith("-"));
    const url = pos[0];
    const dir = pos[1] ?? (url ? url.replace(/\/$/, "").replace(/\.git$/, "").split("/").pop() : undefined);
    const p = dir ? resolve(dir) : null;
    if (p === null) fx.understood = false;
    else {
      fx.touched.push(effect(p, command.text));
      fx.created.push(made(p, command.text, "clone"));
    }
    // git reads its configuration, but never the project sources of the build.
    return;
  }
  cleanupEffects(program, args, at, command, state, fx);
  if (!isKnownCleanup(program, args)) unknown();
}

/** A created path's effect, with how it came to be (and the other places it may live). */
type Made = (path: string, what: string, kind: NonNullable<PathEffect["kind"]>, aliases?: readonly string[], sample?: string) => PathEffect;

function systemEffects(
  sys: SystemCommand,
  at: number,
  fx: RunEffects,
  resolve: (p: string) => string | null,
  effect: (path: string, what: string) => PathEffect,
  made: Made,
): void {
  const what = `${sys.words[0]} ${sys.subcommand}`;
  const names = sys.action === "install" || sys.action === "remove" ? packageNames(sys) : [];
  for (const n of names) {
    // A package file (`./x.deb`, `/tmp/x.rpm`) is a path the command reads.
    if (n.includes("/") || /\.(deb|rpm|apk)$/.test(n)) {
      const p = resolve(n);
      if (p === null) fx.understood = false;
      else fx.touched.push(effect(p, what));
    } else if (n.includes("$")) {
      fx.understood = false;
    }
  }
  if (sys.action === "update" || (sys.action === "install" && sys.manager.id !== "apt")) {
    // One cache, which may sit at any of the manager's index directories (dnf 4 or 5, yum as dnf).
    if (!installSkipsCache(sys)) fx.created.push(made(sys.manager.indexDirs[0], what, "cache", sys.manager.indexDirs, sys.manager.indexFile));
  }
  if (sys.action === "install") for (const n of names) fx.installedPackages.push({ manager: sys.manager.id, name: n, at, command: sys.command });
  if (sys.action === "remove") for (const n of names) fx.removedPackages.push({ manager: sys.manager.id, name: n, at, command: sys.command });
  if (sys.action === "clean") {
    // `apt-get clean` empties the package cache only; `apt-get dist-clean` (apt 2.9) the lists too.
    const aptClean = sys.subcommand === "clean" || sys.subcommand === "autoclean";
    const dirs = sys.manager.id === "apt" && aptClean ? sys.manager.cacheDirs : [...sys.manager.indexDirs, ...sys.manager.cacheDirs];
    for (const d of dirs) fx.deleted.push(effect(d, what));
  }
}

function downloadEffects(
  program: string,
  args: string[],
  state: ScanState,
  fx: RunEffects,
  resolve: (p: string) => string | null,
  effect: (path: string, what: string) => PathEffect,
  made: Made,
  command: ShellCommand,
): void {
  const out = optionAfter(args, program === "curl" ? ["-o", "--output"] : ["-O", "--output-document"]);
  const readOpts = program === "curl" ? ["-K", "--config", "-T", "--upload-file", "--cacert", "--cert", "--key", "-b", "--cookie"] : ["-i", "--input-file", "--ca-certificate", "--load-cookies"];
  for (const r of readOpts) {
    const v = optionAfter(args, [r]);
    if (v !== undefined) {
      const p = resolve(v);
      if (p === null) fx.understood = false;
      else fx.touched.push(effect(p, command.text));
    }
  }
  if (args.some((a) => a.startsWith("@") || a.startsWith("-d@") || /^--data(-binary|-raw)?=@/.test(a))) fx.understood = false;
  const urls = args.filter((a) => /^[a-z][a-z0-9+.-]*:\/\//i.test(a));
  if (out !== undefined) {
    if (out === "-") return;
    const p = resolve(out);
    if (p === null) fx.understood = false;
    else {
      fx.touched.push(effect(p, command.text));
      fx.created.push(made(p, command.text, "download"));
    }
    return;
  }
  const remoteName = program === "curl" ? args.some((a) => a === "-O" || a === "--remote-name" || /^-[a-zA-Z]*O$/.test(a)) : true;
  const prefix = program === "wget" ? optionAfter(args, ["-P", "--directory-prefix"]) : undefined;
  if (!remoteName) return;
  for (const u of urls) {
    const name = u.replace(/[?#][\s\S]*$/, "").split("/").pop() || "index.html";
    const p = resolve(prefix !== undefined ? `${prefix}/${name}` : name);
    if (p === null || name.includes("$")) fx.understood = false;
    else {
      fx.touched.push(effect(p, command.text));
      fx.created.push(made(p, command.text, "download"));
    }
  }
  if (urls.length === 0 && state.cwd !== null) fx.understood = false;
}

function archiveEffects(
  program: string,
  args: string[],
  state: ScanState,
  fx: RunEffects,
  resolve: (p: string) => string | null,
  effect: (path: string, what: string) => PathEffect,
  made: Made,
  command: ShellCommand,
): void {
  let archive: string | undefined;
  let dir: string | undefined;
  let creating = false;
  if (program === "tar") {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === "-C" || a === "--directory") dir = args[++i];
      else if (a.startsWith("--directory=")) dir = a.slice(12);
      else if (a === "-f" || a === "--file") archive = args[++i];
      else if (a.startsWith("--file=")) archive = a.slice(7);
      else if (/^-?[a-zA-Z]+$/.test(a) && (a.startsWith("-") || i === 0)) {
        if (/c/.test(a.replace(/^-/, ""))) creating = true;
        if (/f/.test(a)) archive = args[++i];
      }
    }
  } else {
    dir = optionAfter(args, ["-d"]);
    archive = args.find((a) => !a.startsWith("-") && a !== dir);
  }
  if (archive !== undefined && archive !== "-") {
    const p = resolve(archive);
    if (p === null) fx.understood = false;
    else {
      fx.touched.push(effect(p, command.text));
      if (creating) fx.created.push(made(p, command.text, "file"));
    }
  }
  if (!creating) {
    const target = dir !== undefined ? resolve(dir) : state.cwd;
    if (target === null) fx.understood = false;
    else {
      fx.touched.push(effect(target, command.text));
      fx.created.push(made(target, command.text, "extract"));
    }
  } else {
    // Creating an archive reads the named members, relative to -C or the working directory.
    fx.understood = false;
  }
}

/** Cleanup commands of project package managers (`npm cache clean --force`, `pip cache purge`, ...). */
function cleanupEffects(program: string, args: string[], at: number, command: ShellCommand, state: ScanState, fx: RunEffects): void {
  const dirs = knownCleanupDirs(program, args, state);
  for (const d of dirs) fx.deleted.push({ path: d, at, command, what: command.text });
}

function isKnownCleanup(program: string, args: string[]): boolean {
  return knownCleanupDirs(program, args, { cwd: "/", home: "/root", env: [] }).length > 0;
}

function knownCleanupDirs(program: string, args: string[], state: ScanState): string[] {
  // `python -m pip cache purge` is pip's own command.
  if (/^python[0-9.]*$/.test(program) && args[0] === "-m" && args[1] !== undefined) return knownCleanupDirs(args[1], args.slice(2), state);
  const home = state.home ?? "/root";
  // `clear` and `rm` are npm's own aliases of `clean`.
  if (program === "npm" && args[0] === "cache" && (args[1] === "clean" || args[1] === "clear" || args[1] === "rm")) return [`${home}/.npm`];
  if (program === "yarn" && args[0] === "cache" && args[1] === "clean") return ["/usr/local/share/.cache/yarn", `${home}/.cache/yarn`, `${home}/.yarn/berry/cache`];
  if (program === "pnpm" && args[0] === "store" && args[1] === "prune") return [`${home}/.local/share/pnpm/store`];
  if (/^pip[0-9.]*$/.test(program) && args[0] === "cache" && (args[1] === "purge" || args[1] === "remove")) return [`${home}/.cache/pip`];
  if (program === "composer" && (args[0] === "clear-cache" || args[0] === "clearcache" || args[0] === "cc")) return [`${home}/.composer/cache`, `${home}/.cache/composer`];
  if (program === "gem" && args[0] === "cleanup") return [];
  if (program === "uv" && args[0] === "cache" && (args[1] === "clean" || args[1] === "prune")) return [`${home}/.cache/uv`];
  return [];
}

/** Splits `>file`, `> file`, `2>/dev/null`, `<in` off the words. */
function splitRedirects(words: readonly string[]): { words: string[]; redirects: string[] } {
  const out: string[] = [];
  const redirects: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    // Every redirection holds `<` or `>`: most words are passed on without a regex.
    if (!w.includes(">") && !w.includes("<")) {
      out.push(w);
      continue;
    }
    // A heredoc (`<<EOF`, `<<-EOF`) or here-string (`<<<`) feeds text, not a file.
    if (w.startsWith("<<")) {
      if (w === "<<" || w === "<<-" || w === "<<<") i++;
      continue;
    }
    const m = /^[0-9]*(>>?|<)(&?)(.*)$/.exec(w);
    if (!m) {
      out.push(w);
      continue;
    }
    if (m[2] === "&") continue;
    const target = m[3] !== "" ? m[3] : words[++i];
    if (target !== undefined && m[1] !== "<") redirects.push(target);
    else if (target !== undefined) redirects.push(target);
  }
  return { words: out, redirects };
}

/** The value after one of the options (`-o x`, `--output=x`, `-fsSLo x`). */
function optionAfter(args: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (n.startsWith("--") && a.startsWith(n + "=")) return a.slice(n.length + 1);
      if (n.length === 2 && /^-[a-zA-Z]+$/.test(a) && a.endsWith(n[1]) && a.length > 2) return args[i + 1];
    }
  }
  return undefined;
}

function optionValues(args: readonly string[]): string[] {
  return args.filter((a) => !a.startsWith("-"));
}

/** A path resolved against the script's current directory, or null when it holds a variable or the directory is unknown. */
function resolvePath(p: string, state: ScanState): string | null {
  let path = p;
  if (path === "~" || path.startsWith("~/")) {
    if (state.home === null) return null;
    path = state.home + path.slice(1);
  } else if (path.startsWith("$HOME/") || path.startsWith("${HOME}/")) {
    if (state.home === null) return null;
    path = state.home + path.slice(path.indexOf("/"));
  }
  if (path.includes("$") || path.includes("`")) return null;
  if (path.startsWith("/")) return isPlain(path) ? path : posix.normalize(path).replace(/(.)\/$/, "$1");
  if (state.cwd === null) return null;
  return resolveIn(state.cwd, path);
}

/** Whether `pattern` (a path that may hold globs) names `path` or one of its parent directories. */
export function covers(pattern: string, path: string): boolean {
  const p = stripSlash(pattern);
  const target = stripSlash(path);
  if (!/[*?[]/.test(p)) return target === p || target.startsWith(p === "/" ? "/" : p + "/");
  const match = globMatcher(p);
  // The target and each of its parents: the text before each `/` (`` is the root), then the whole of it.
  for (let slash = target.indexOf("/"); slash !== -1; slash = target.indexOf("/", slash + 1)) {
    if (match(target.slice(0, slash) || "/")) return true;
  }
  return match(target || "/");
}

// The same few globs (`/var/lib/apt/lists/*`) are tested against many paths:
// each is compiled once. Bounded, since the patterns come from the files linted.
const globMatchers = new Map<string, (path: string) => boolean>();

function globMatcher(pattern: string): (path: string) => boolean {
  let match = globMatchers.get(pattern);
  if (!match) {
    if (globMatchers.size >= 500) globMatchers.clear();
    globMatchers.set(pattern, (match = picomatch(pattern, { dot: true })));
  }
  return match;
}

/** Whether deleting `deleted` removes a created path or one of its aliases. */
export function emptiesEffect(deleted: string, created: PathEffect): boolean {
  // Asked for every pair of a RUN's deletions and creations: no array is built for the path and its aliases.
  if (empties(deleted, created.path, created.sample)) return true;
  return created.aliases !== undefined && created.aliases.some((p) => empties(deleted, p, created.sample));
}

/**
 * Whether deleting `deleted` removes what was created at `created` (`rm -rf /x/*`
 * empties a created `/x`). With `sample`, a file the directory holds, a pattern
 * that matches it empties the directory too (apt's lists are all named
 * `<host>_<path>`: `rm /var/lib/apt/lists/*_*`).
 */
export function empties(deleted: string, created: string, sample?: string): boolean {
  if (covers(deleted, created) || covers(deleted, stripSlash(created) + "/x")) return true;
  return sample !== undefined && /[*?[]/.test(deleted) && covers(deleted, `${stripSlash(created)}/${sample}`);
}

/** Whether two paths (either may hold globs) name the same file or one holds the other. */
export function overlaps(a: string, b: string): boolean {
  return covers(a, b) || covers(b, a) || (/[*?[]/.test(b) && covers(globBase(b), a)) || (/[*?[]/.test(a) && covers(globBase(a), b));
}

/** The directory part of a glob before its first wildcard (`/tmp/*.tgz` → `/tmp`). */
function globBase(p: string): string {
  const i = p.search(/[*?[]/);
  const head = p.slice(0, i);
  return head.slice(0, head.lastIndexOf("/")) || "/";
}

function stripSlash(p: string): string {
  return p.length > 1 ? p.replace(/(?<!\/)\/+$/, "") : p;
}

/** The package-manager commands of a RUN (heredoc bodies included). */
export function systemCommandsOf(model: CacheModel, ins: Instruction): SystemCommand[] {
  return ins.keyword === "RUN" ? findSystemCommands(model.script(ins)) : [];
}

/**
 * The cache mounts of a RUN, as absolute targets (tmpfs mounts count: they
 * also keep files out of the layer).
 */
export function cacheMountTargets(model: CacheModel, ins: Instruction): string[] {
  const workdir = model.info(ins)?.inputs.workdir ?? "/";
  return ins.mounts.filter((m) => (m.type === "cache" || m.type === "tmpfs") && m.target).map((m) => posix.resolve(workdir, m.target ?? ""));
}

/** The commands of a script that neither recognisers above nor the inert list know, for messages. */
export function commandsOf(script: string): ShellCommand[] {
  return splitCommands(script);
}

/**
 * Where an instruction is in a list of the parse (a stage's instructions,
 * the file's), or -1. The parser numbers instructions in file order, so
 * the list is sorted by id and a binary search finds it without building a
 * map per list; a list put together otherwise falls back to a scan.
 */
export function indexIn(list: readonly Instruction[], ins: Instruction): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const id = list[mid].id;
    if (id === ins.id) {
      if (list[mid] === ins) return mid;
      break;
    }
    if (id < ins.id) lo = mid + 1;
    else hi = mid - 1;
  }
  return list.indexOf(ins);
}

/** Whether a stage's layers are in the image being built: the target and the stages it is based on (`FROM <stage>`). */
export function shipsInImage(model: CacheModel, stage: Stage | null): boolean {
  // Asked for every step: the target's chain of bases is walked once per model, not per question.
  let shipped = shippedByModel.get(model);
  if (!shipped) {
    shipped = new Set();
    for (let s = model.target; s && !shipped.has(s); s = s.baseStage) shipped.add(s);
    shippedByModel.set(model, shipped);
  }
  return stage !== null && shipped.has(stage);
}

const shippedByModel = new WeakMap<CacheModel, Set<Stage>>();

/** The stages built on top of `stage` (`FROM <stage>`, directly or through others), in file order. */
export function stagesBasedOn(model: CacheModel, stage: Stage): Stage[] {
  // Walked from the stage's children, so that a rule asking for every RUN of
  // a file with thousands of stages does not scan all of them each time.
  const children = childStages(model);
  const found: Stage[] = [];
  const stack = [...(children.get(stage) ?? [])];
  while (stack.length > 0) {
    const s = stack.pop() as Stage;
    found.push(s);
    for (const c of children.get(s) ?? []) stack.push(c);
  }
  return found.sort((a, b) => a.index - b.index);
}

const childStagesByModel = new WeakMap<CacheModel, Map<Stage, Stage[]>>();

/** The stages each stage is the direct base of: worked out once per model. */
function childStages(model: CacheModel): Map<Stage, Stage[]> {
  let children = childStagesByModel.get(model);
  if (!children) {
    children = new Map();
    for (const s of model.file.stages) {
      if (!s.baseStage) continue;
      const list = children.get(s.baseStage);
      if (list) list.push(s);
      else children.set(s.baseStage, [s]);
    }
    childStagesByModel.set(model, children);
  }
  return children;
}

/** The steps and metadata of a stage after `ins`, in order, followed by those of the stages based on it. */
export function laterInstructions(model: CacheModel, ins: Instruction): Instruction[] {
  const stage = ins.stage;
  if (!stage) return [];
  const own = stage.instructions.slice(stage.instructions.indexOf(ins) + 1);
  // A loop rather than flatMap, which is several times slower.
  for (const s of stagesBasedOn(model, stage)) for (const i of s.instructions) own.push(i);
  return own;
}

/**
 * Absolute paths a COPY/ADD certainly creates: each named file source
 * (not a directory, glob or local archive that ADD unpacks) at its
 * destination; with the context on disk, every copied file. Empty when
 * that cannot be known.
 */
export function copiedPaths(model: CacheModel, ins: Instruction): string[] {
  const info = model.info(ins);
  const dest = info?.inputs.destination;
  const sources = info?.inputs.sources ?? [];
  if (!dest || sources.length === 0) return [];
  const intoDir = dest.endsWith("/") || sources.length > 1;
  const out: string[] = [];
  const files = model.copiedFiles(ins);
  for (const s of sources) {
    if (s.kind === "heredoc" || s.kind === "git") continue;
    const name = s.path.replace(/[?#][\s\S]*$/, "").replace(/(?<!\/)\/+$/, "").split("/").pop() ?? "";
    if (!name || /[*?[]/.test(s.path) || name === "." || name.includes("$")) continue;
    if (s.kind === "context") {
      if (ins.keyword === "ADD" && /\.(tar|tgz|tbz2?|txz|tar\.(gz|bz2|xz|zst))$/.test(name)) continue;
      // A context path is a file only when the context on disk says so.
      const rel = s.path.replace(/^\.?\//, "");
      if (!files || !files.includes(rel)) continue;
    } else if (s.kind === "stage" || s.kind === "image") {
      // Without the other stage's tree, a source could be a directory: a file name with an extension is taken as a file.
      if (!/\.[A-Za-z0-9]+$/.test(name)) continue;
    }
    out.push(intoDir ? posix.join(dest, name) : posix.normalize(dest));
  }
  return out;
}
