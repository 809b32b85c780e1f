import picomatch from "picomatch";
import type { Ecosystem, InstallSpec, ProjectFiles } from "./types.js";
import { baseOf, dirOf, hasFlag, optionValue, positionals, shellQuote } from "./words.js";

/**
 * Project package managers: installs that resolve a project's dependencies
 * from its manifests, and the builds that do it on the way. Paths are
 * relative to the directory the command runs in.
 */

const SOURCES_PROJECT = "it installs the project itself";
const SOURCES_BUILD = "it builds the sources";

// ---------------------------------------------------------------- JavaScript

/** Lifecycle scripts of the root package that npm, yarn, pnpm and bun run on install. */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];

interface PackageJson {
  scripts?: Record<string, unknown>;
  workspaces?: unknown;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  optionalDependencies?: Record<string, unknown>;
  pnpm?: { patchedDependencies?: Record<string, unknown> };
}

function readJson<T>(files: ProjectFiles, path: string): T | null {
  const text = files.read(path);
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" ? (v as T) : null;
  } catch {
    return null;
  }
}

/** `package.json` files of the workspace members that `globs` (directories) select. */
function memberManifests(files: ProjectFiles, globs: readonly string[], manifestName: string): string[] {
  const positive = globs.filter((g) => !g.startsWith("!")).map((g) => g.replace(/^\.\//, "").replace(/(?<!\/)\/+$/, ""));
  const negative = globs.filter((g) => g.startsWith("!")).map((g) => g.slice(1).replace(/^\.\//, "").replace(/(?<!\/)\/+$/, ""));
  if (positive.length === 0) return [];
  const yes = picomatch(positive, { dot: false });
  const no = negative.length > 0 ? picomatch(negative) : () => false;
  return files
    .list()
    .filter((f) => baseOf(f) === manifestName && dirOf(f) !== "" && !f.split("/").includes("node_modules"))
    .filter((f) => yes(dirOf(f)) && !no(dirOf(f)));
}

function workspaceGlobs(pkg: PackageJson | null): string[] {
  const w = pkg?.workspaces;
  if (Array.isArray(w)) return w.filter((x): x is string => typeof x === "string");
  if (w && typeof w === "object" && Array.isArray((w as { packages?: unknown }).packages)) {
    return ((w as { packages: unknown[] }).packages).filter((x): x is string => typeof x === "string");
  }
  return [];
}

/** `packages:` entries of pnpm-workspace.yaml (a list of quoted or bare globs). */
function pnpmWorkspaceGlobs(text: string | null): string[] {
  if (text === null) return [];
  const out: string[] = [];
  let inPackages = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^packages\s*:/.test(line)) {
      inPackages = true;
      continue;
    }
    if (inPackages) {
      const item = listItem(line);
      if (item !== null) out.push(item);
      else if (/^\S/.test(line)) inPackages = false;
    }
  }
  return out;
}

/**
 * What node package managers find on disk: workspace members' manifests,
 * and whether the install runs the root package's lifecycle scripts or
 * installs local `file:` packages, which need the sources.
 */
function nodeOnDisk(files: ProjectFiles, spec: InstallSpec, extraGlobs: readonly string[]): InstallSpec {
  const pkg = readJson<PackageJson>(files, "package.json");
  const globs = [...workspaceGlobs(pkg), ...extraGlobs];
  const members = memberManifests(files, globs, "package.json");
  const manifests = [...(spec.manifests ?? []), ...members];
  const patches = Object.values(pkg?.pnpm?.patchedDependencies ?? {}).filter((p): p is string => typeof p === "string");
  manifests.push(...patches.filter((p) => files.read(p) !== null));
  const out: InstallSpec = { ...spec, manifests };
  if (spec.needsSources) return out;
  for (const manifest of ["package.json", ...members]) {
    const p = manifest === "package.json" ? pkg : readJson<PackageJson>(files, manifest);
    const scripts = p?.scripts ?? {};
    const script = spec.skipsScripts ? undefined : INSTALL_SCRIPTS.find((s) => typeof scripts[s] === "string");
    if (script) return { ...out, needsSources: true, sourcesReason: `${manifest} has a \`${script}\` script that runs on install` };
    const deps = { ...p?.dependencies, ...p?.devDependencies, ...p?.optionalDependencies };
    const local = Object.entries(deps).find(([, v]) => typeof v === "string" && /^(file|link):/.test(v));
    if (local) return { ...out, needsSources: true, sourcesReason: `${manifest} installs \`${local[0]}\` from a local path` };
  }
  return out;
}

const NPM_VALUE_FLAGS = ["--prefix", "-w", "--workspace", "--omit", "--include", "--cache", "--registry", "--loglevel", "--userconfig", "--tag", "--install-strategy"];
const NPM_INSTALL = new Set(["install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add"]);

const npm: Ecosystem = {
  id: "npm",
  name: "npm",
  kind: "project",
  manifests: ["package.json"],
  optionalManifests: ["package-lock.json", "npm-shrinkwrap.json", ".npmrc"],
  cacheDirs: ["/root/.npm"],
  cacheMounts: [{ target: "/root/.npm", env: "npm_config_cache" }],
  cleanup: ["npm cache clean --force", "rm -rf /root/.npm"],
  noCacheFlags: [],
  noCacheEnv: [],
  programs: ["npm"],
  matchInstall(w) {
    if (w[0] !== "npm") return null;
    const skipsScripts = hasFlag(w, ["--ignore-scripts"]);
    const sub = w[1];
    const rest = w.slice(2);
    const projectDir = optionValue(rest, ["--prefix"]);
    if (sub === "ci" || sub === "clean-install" || sub === "install-clean" || sub === "isntall-clean") return { needsSources: false, projectDir, skipsScripts };
    if (sub !== undefined && NPM_INSTALL.has(sub)) {
      const named = positionals(rest, NPM_VALUE_FLAGS);
      const global = hasFlag(rest, ["-g", "--global"]);
      if (named.length > 0 || global) {
        // `npm install -g .` or `npm install ./pkg` installs from the context; a bare `-g` installs the current project.
        const local = named.length === 0 || named.some((n) => n === "." || n.startsWith("./") || n.startsWith("../") || n.startsWith("file:"));
        return local ? { needsSources: true, sourcesReason: SOURCES_PROJECT, projectDir } : { needsSources: false, readsManifests: false };
      }
      return { needsSources: false, projectDir, skipsScripts };
    }
    return null;
  },
  onDisk: (files, spec) => nodeOnDisk(files, spec, []),
};

const YARN_VALUE_FLAGS = ["--cwd", "--modules-folder", "--cache-folder", "--network-timeout", "--mutex", "--registry", "--mode"];

const yarn: Ecosystem = {
  id: "yarn",
  name: "Yarn",
  kind: "project",
  manifests: ["package.json"],
  optionalManifests: ["yarn.lock", ".yarnrc", ".yarnrc.yml", ".npmrc", ".yarn/releases/", ".yarn/plugins/", ".yarn/patches/", ".yarn/cache/"],
  cacheDirs: ["/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn/berry/cache"],
  cacheMounts: [
    // Yarn 1's cache is not safe for two concurrent writers.
    { target: "/usr/local/share/.cache/yarn", sharing: "locked", env: "YARN_CACHE_FOLDER" },
    { target: "/root/.yarn/berry/cache" },
  ],
  cleanup: ["yarn cache clean", "rm -rf /usr/local/share/.cache/yarn"],
  noCacheFlags: [],
  noCacheEnv: [],
  programs: ["yarn"],
  matchInstall(w) {
    if (w[0] !== "yarn") return null;
    const projectDir = optionValue(w, ["--cwd"]);
    const skipsScripts = hasFlag(w, ["--ignore-scripts"]) || optionValue(w, ["--mode"]) === "skip-build";
    const args = positionals(w.slice(1), YARN_VALUE_FLAGS);
    if (args.length === 0 || (args[0] === "install" && args.length === 1)) return { needsSources: false, projectDir, skipsScripts };
    // `yarn workspaces focus` (Yarn 2+) installs one workspace's dependencies.
    if (args[0] === "workspaces" && args[1] === "focus") return { needsSources: false, projectDir, skipsScripts };
    if (args[0] === "add" || (args[0] === "global" && args[1] === "add")) return { needsSources: false, readsManifests: false };
    return null;
  },
  onDisk: (files, spec) => nodeOnDisk(files, spec, []),
};


const PNPM_VALUE_FLAGS = ["-C", "--dir", "--filter", "-F", "--store-dir", "--reporter", "--registry", "--config.store-dir", "-w"];

const pnpm: Ecosystem = {
  id: "pnpm",
  name: "pnpm",
  kind: "project",
  manifests: ["package.json"],
  optionalManifests: ["pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs"],
  cacheDirs: ["/root/.local/share/pnpm/store", "/root/.cache/pnpm", "/pnpm/store"],
  cacheMounts: [{ target: "/root/.local/share/pnpm/store", env: "npm_config_store_dir" }],
  cleanup: ["pnpm store prune", "rm -rf /root/.local/share/pnpm/store"],
  noCacheFlags: [],
  noCacheEnv: [],
  programs: ["pnpm"],
  matchInstall(w) {
    if (w[0] !== "pnpm") return null;
    const projectDir = optionValue(w, ["-C", "--dir"]);
    const skipsScripts = hasFlag(w, ["--ignore-scripts"]);
    const args = positionals(w.slice(1), PNPM_VALUE_FLAGS);
    const sub = args[0];
    // `pnpm fetch` fills the store from the lock file alone: the documented Docker split.
    if (sub === "fetch") return { needsSources: false, projectDir, skipsScripts: true, reads: { manifests: ["pnpm-lock.yaml"], optionalManifests: ["pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs"] } };
    if (sub === undefined || sub === "install" || sub === "i") {
      if (args.length > 1 || hasFlag(w, ["-g", "--global"])) return { needsSources: false, readsManifests: false };
      return { needsSources: false, projectDir, skipsScripts };
    }
    if (sub === "add") return { needsSources: false, readsManifests: false };
    return null;
  },
  // `pnpm fetch` reads the lock file only, whatever the workspace holds.
  onDisk: (files, spec) => (spec.reads ? spec : nodeOnDisk(files, spec, pnpmWorkspaceGlobs(files.read("pnpm-workspace.yaml")))),
};

const bun: Ecosystem = {
  id: "bun",
  name: "Bun",
  kind: "project",
  manifests: ["package.json"],
  optionalManifests: ["bun.lock", "bun.lockb", "bunfig.toml", ".npmrc"],
  cacheDirs: ["/root/.bun/install/cache"],
  cacheMounts: [{ target: "/root/.bun/install/cache", env: "BUN_INSTALL_CACHE_DIR" }],
  cleanup: ["rm -rf /root/.bun/install/cache"],
  noCacheFlags: ["--no-cache"],
  noCacheEnv: [],
  programs: ["bun"],
  matchInstall(w) {
    if (w[0] !== "bun") return null;
    const projectDir = optionValue(w, ["--cwd"]);
    const args = positionals(w.slice(1), ["--cwd", "--backend", "--cache-dir", "--registry"]);
    if (args[0] === "install" || args[0] === "i") {
      if (args.length > 1 || hasFlag(w, ["-g", "--global"])) return { needsSources: false, readsManifests: false, noCache: hasFlag(w, ["--no-cache"]) };
      return { needsSources: false, projectDir, noCache: hasFlag(w, ["--no-cache"]), skipsScripts: hasFlag(w, ["--ignore-scripts"]) };
    }
    if (args[0] === "add") return { needsSources: false, readsManifests: false };
    return null;
  },
  onDisk: (files, spec) => nodeOnDisk(files, spec, []),
};

// ---------------------------------------------------------------- Python

const PIP_VALUE_FLAGS = [
  "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--platform",
  "--python-version", "--implementation", "--abi", "--trusted-host", "--cache-dir", "--progress-bar", "--src",
  "--upgrade-strategy", "--only-binary", "--no-binary", "-C", "--config-settings", "--global-option", "--timeout",
  "--retries", "--log", "--python", "-p",
];

/** Is this pip argument the project on disk (`.`, `./pkg`, `.[extra]`, `file:`)? */
function isLocalTarget(a: string): boolean {
  return a === "." || a === ".." || a.startsWith("./") || a.startsWith("../") || a.startsWith(".[") || a.startsWith("/") || a.startsWith("file:");
}

/**
 * pip-style arguments: `-r`/`-c` files, local targets, named packages.
 * `words` start after `install`.
 */
function pipArgs(rest: readonly string[]): InstallSpec {
  const manifests: string[] = [];
  let local = false;
  let named = false;
  const kept: string[] = [];
  for (let j = 0; j < rest.length; j++) {
    const a = rest[j];
    if (a === "-r" || a === "--requirement" || a === "-c" || a === "--constraint" || a === "--requirements") {
      if (rest[j + 1] !== undefined) {
        manifests.push(rest[j + 1]);
        kept.push(a, rest[j + 1]);
      }
      j++;
    } else if (/^(-r|-c)./.test(a) || /^--(requirement|constraint)=/.test(a)) {
      manifests.push(a.replace(/^(-r|-c|--requirement=|--constraint=)/, ""));
      kept.push(a);
    } else if (a === "-e" || a === "--editable") {
      local = true;
      j++;
    } else if (a.startsWith("-")) {
      kept.push(a);
      if (PIP_VALUE_FLAGS.includes(a) && rest[j + 1] !== undefined) kept.push(rest[++j]);
    } else if (isLocalTarget(a)) local = true;
    else named = true;
  }
  const noCache = rest.includes("--no-cache-dir") || rest.includes("--no-cache");
  if (local) {
    // `pip install -r requirements.txt .`: the requirement files alone are the known split.
    const dependencyOnly = manifests.length > 0 ? kept : undefined;
    return { manifests, needsSources: true, sourcesReason: SOURCES_PROJECT, dependencyOnly: dependencyOnly ? dependencyOnly.map(shellQuote).join(" ") : undefined, noCache };
  }
  if (manifests.length > 0) return { manifests, needsSources: false, noCache };
  return { needsSources: false, readsManifests: named ? false : true, noCache };
}

/** Requirement files pulled in by `-r` / `-c` lines, and lines that install the project on disk. */
function requirementsOnDisk(files: ProjectFiles, spec: InstallSpec): InstallSpec {
  const seen = new Set<string>();
  const queue = [...(spec.manifests ?? [])];
  let reason: string | undefined;
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = files.read(file);
    if (text === null) continue;
    for (const raw of text.split(/\r?\n/)) {
      const line = withoutComment(raw).trim();
      const inc = /^(-r|-c|--requirement|--constraint)\s*(?:=\s*)?(\S+)$/.exec(line);
      if (inc) queue.push(joinPath(dirOf(file), inc[2]));
      else if (/^(-e|--editable)\s/.test(line) || isLocalTarget(line.split(/\s|\[/)[0] ?? "")) reason ??= `${file} installs a local path (\`${line}\`)`;
    }
  }
  const out: InstallSpec = { ...spec, manifests: [...seen] };
  if (reason && !spec.needsSources) return { ...out, needsSources: true, sourcesReason: reason };
  return out;
}

function joinPath(dir: string, path: string): string {
  if (path.startsWith("/") || dir === "") return path.replace(/^\.\//, "");
  const parts = `${dir}/${path}`.split("/");
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") continue;
    if (p === "..") out.pop();
    else out.push(p);
  }
  return out.join("/");
}

function isPip(w: readonly string[]): number {
  if (/^python[0-9.]*$/.test(w[0]) && w[1] === "-m" && /^pip[0-9.]*$/.test(w[2] ?? "")) return 3;
  if (/^pip[0-9.]*$/.test(w[0])) return 1;
  return -1;
}

const pip: Ecosystem = {
  id: "pip",
  name: "pip",
  kind: "project",
  manifests: [],
  optionalManifests: [],
  cacheDirs: ["/root/.cache/pip"],
  cacheMounts: [{ target: "/root/.cache/pip", env: "PIP_CACHE_DIR" }],
  cleanup: ["pip cache purge", "rm -rf /root/.cache/pip"],
  noCacheFlags: ["--no-cache-dir"],
  noCacheEnv: ["PIP_NO_CACHE_DIR=1", "PIP_NO_CACHE_DIR=true", "PIP_NO_CACHE_DIR=on"],
  matchInstall(w) {
    const i = isPip(w);
    if (i === -1) return null;
    const sub = w[i];
    if (sub !== "install" && sub !== "wheel" && sub !== "download") return null;
    const spec = pipArgs(w.slice(i + 1));
    if (spec.dependencyOnly) spec.dependencyOnly = [...w.slice(0, i + 1)].map(shellQuote).join(" ") + " " + spec.dependencyOnly;
    return spec;
  },
  onDisk: requirementsOnDisk,
};

const pipenv: Ecosystem = {
  id: "pipenv",
  name: "Pipenv",
  kind: "project",
  manifests: ["Pipfile"],
  optionalManifests: ["Pipfile.lock"],
  cacheDirs: ["/root/.cache/pipenv", "/root/.cache/pip"],
  cacheMounts: [{ target: "/root/.cache/pipenv", env: "PIPENV_CACHE_DIR" }, { target: "/root/.cache/pip", env: "PIP_CACHE_DIR" }],
  cleanup: ["pipenv --clear", "rm -rf /root/.cache/pipenv /root/.cache/pip"],
  noCacheFlags: [],
  noCacheEnv: ["PIP_NO_CACHE_DIR=1"],
  programs: ["pipenv"],
  matchInstall(w) {
    if (w[0] !== "pipenv") return null;
    const args = positionals(w.slice(1), ["--python", "--categories", "--pypi-mirror"]);
    if (args[0] === "sync" || args[0] === "install") {
      if (args.length > 1) return { needsSources: false, readsManifests: true, manifests: [] };
      return { needsSources: false };
    }
    return null;
  },
  onDisk(files, spec) {
    const pipfile = files.read("Pipfile") ?? "";
    if (/path\s*=\s*["']\.{1,2}(\/[^"']*)?["']/.test(pipfile)) return { ...spec, needsSources: true, sourcesReason: "its Pipfile installs a local path" };
    return spec;
  },
};

function pyprojectIsPackage(text: string | null): boolean | null {
  if (text === null) return null;
  if (/^[ \t]*package-mode\s*=\s*false/m.test(text)) return false;
  if (/^[ \t]*package\s*=\s*false/m.test(text)) return false;
  return true;
}

const POETRY_VALUE_FLAGS = ["--only", "--with", "--without", "-E", "--extras", "-C", "--directory", "-P", "--project"];

const poetry: Ecosystem = {
  id: "poetry",
  name: "Poetry",
  kind: "project",
  manifests: ["pyproject.toml"],
  optionalManifests: ["poetry.lock", "poetry.toml"],
  cacheDirs: ["/root/.cache/pypoetry"],
  cacheMounts: [{ target: "/root/.cache/pypoetry", env: "POETRY_CACHE_DIR" }],
  cleanup: ["rm -rf /root/.cache/pypoetry"],
  noCacheFlags: ["--no-cache"],
  noCacheEnv: [],
  programs: ["poetry"],
  matchInstall(w) {
    if (w[0] !== "poetry") return null;
    const args = positionals(w.slice(1), POETRY_VALUE_FLAGS);
    if (args[0] !== "install" && args[0] !== "sync") return null;
    const projectDir = optionValue(w, ["-C", "--directory", "-P", "--project"]);
    const noCache = hasFlag(w, ["--no-cache"]);
    if (hasFlag(w, ["--no-root"])) return { needsSources: false, projectDir, noCache };
    // Only the project itself: nothing is downloaded, so no cache is left either.
    if (hasFlag(w, ["--only-root"])) return { needsSources: true, sourcesReason: SOURCES_PROJECT, projectDir, noCache: true };
    return { needsSources: true, sourcesReason: SOURCES_PROJECT, dependencyOnly: [...w, "--no-root"].map(shellQuote).join(" "), projectDir, noCache };
  },
  onDisk(files, spec) {
    // A non-package project (`package-mode = false`) has no root to install.
    if (spec.needsSources && spec.dependencyOnly && pyprojectIsPackage(files.read("pyproject.toml")) === false) {
      return { ...spec, needsSources: false, sourcesReason: undefined, dependencyOnly: undefined };
    }
    return spec;
  },
};

/**
 * A YAML list item (`  - "packages/*"  # comment`) without its quotes and
 * comment; null when the line is not an item, names nothing, or has quotes
 * inside (an item this reading does not take). A scan,
 * not a regex: the regex it replaces backtracked quadratically on long runs
 * of blanks.
 */
function listItem(line: string): string | null {
  const dash = /^\s+-/.exec(line);
  if (!dash) return null;
  let value = withoutHash(line.slice(dash[0].length)).trim();
  if (value.startsWith('"') || value.startsWith("'")) value = value.slice(1);
  if (value.endsWith('"') || value.endsWith("'")) value = value.slice(0, -1);
  if (/["']/.test(value)) return null;
  value = value.trim();
  return value === "" ? null : value;
}

/** The text before the first `#`. */
function withoutHash(text: string): string {
  const at = text.indexOf("#");
  return at === -1 ? text : text.slice(0, at);
}

/** A requirements line without its comment: `#` at the start or after a blank starts one. */
function withoutComment(line: string): string {
  for (let at = line.indexOf("#"); at !== -1; at = line.indexOf("#", at + 1)) {
    if (at === 0 || /\s/.test(line[at - 1])) return line.slice(0, at);
  }
  return line;
}

/** `members = [...]` of `[tool.uv.workspace]`. */
function uvWorkspaceGlobs(text: string | null): string[] {
  if (text === null) return [];
  const section = /\[tool\.uv\.workspace\]([\s\S]*?)(\n\[|$)/.exec(text);
  if (!section) return [];
  // The list is found with indexOf: a lazy regex scan from every `members = [` is quadratic on a file of them.
  const open = /members\s*=\s*\[/.exec(section[1]);
  const close = open ? section[1].indexOf("]", open.index + open[0].length) : -1;
  if (!open || close === -1) return [];
  return [...section[1].slice(open.index + open[0].length, close).matchAll(/["']([^"']+)["']/g)].map((m) => m[1]);
}

const uv: Ecosystem = {
  id: "uv",
  name: "uv",
  kind: "project",
  manifests: ["pyproject.toml"],
  optionalManifests: ["uv.lock", "uv.toml", ".python-version"],
  cacheDirs: ["/root/.cache/uv"],
  cacheMounts: [{ target: "/root/.cache/uv", env: "UV_CACHE_DIR" }],
  cleanup: ["uv cache clean", "rm -rf /root/.cache/uv"],
  // `--no-cache-dir` is uv's alias of `--no-cache`, kept for pip's users.
  noCacheFlags: ["--no-cache", "-n", "--no-cache-dir"],
  noCacheEnv: ["UV_NO_CACHE=1", "UV_NO_CACHE=true"],
  programs: ["uv"],
  matchInstall(w) {
    if (w[0] !== "uv") return null;
    const noCache = hasFlag(w, ["--no-cache", "-n", "--no-cache-dir"]);
    if (w[1] === "pip" && (w[2] === "install" || w[2] === "sync")) {
      const spec = pipArgs(w.slice(3));
      if (w[2] === "sync") {
        // `uv pip sync requirements.txt` names its requirement files as positionals.
        const files = positionals(w.slice(3), PIP_VALUE_FLAGS);
        return { needsSources: false, manifests: [...(spec.manifests ?? []), ...files], reads: { manifests: [], optionalManifests: [] }, noCache };
      }
      if (spec.dependencyOnly) spec.dependencyOnly = "uv pip install " + spec.dependencyOnly;
      return { ...spec, reads: { manifests: [], optionalManifests: [] }, noCache };
    }
    if (w[1] === "tool" && w[2] === "install") return { needsSources: false, readsManifests: false, noCache };
    if (w[1] !== "sync") return null;
    const projectDir = optionValue(w, ["--directory", "--project"]);
    if (hasFlag(w, ["--no-install-project", "--no-install-workspace", "--only-group"])) return { needsSources: false, projectDir, noCache };
    return { needsSources: true, sourcesReason: SOURCES_PROJECT, dependencyOnly: [...w, "--no-install-project"].map(shellQuote).join(" "), projectDir, noCache };
  },
  onDisk(files, spec) {
    const pyproject = files.read("pyproject.toml");
    const members = memberManifests(files, uvWorkspaceGlobs(pyproject), "pyproject.toml");
    const out: InstallSpec = { ...spec, manifests: [...(spec.manifests ?? []), ...members] };
    if (spec.reads) return requirementsOnDisk(files, out);
    // A project without a build system is not installed by `uv sync`: it needs no sources.
    if (out.needsSources && out.dependencyOnly && pyproject !== null && !/^\[build-system\]/m.test(pyproject) && members.length === 0) {
      return { ...out, needsSources: false, sourcesReason: undefined, dependencyOnly: undefined };
    }
    return out;
  },
};

// ---------------------------------------------------------------- Ruby, PHP

const bundler: Ecosystem = {
  id: "bundler",
  name: "Bundler",
  kind: "project",
  manifests: ["Gemfile"],
  optionalManifests: ["Gemfile.lock", ".bundle/config"],
  cacheDirs: ["/usr/local/bundle/cache", "/root/.bundle/cache"],
  cacheMounts: [{ target: "/usr/local/bundle/cache", sharing: "locked" }],
  cleanup: ["rm -rf /usr/local/bundle/cache /root/.bundle/cache"],
  noCacheFlags: [],
  noCacheEnv: [],
  programs: ["bundle", "bundler"],
  matchInstall(w) {
    if (w[0] !== "bundle" && w[0] !== "bundler") return null;
    const args = positionals(w.slice(1), ["--gemfile", "--jobs", "-j", "--retry", "--path", "--without", "--with", "--binstubs"]);
    if (args.length > 0 && args[0] !== "install") return null;
    const gemfile = optionValue(w, ["--gemfile"]);
    if (gemfile) return { needsSources: false, manifests: [gemfile], reads: { manifests: [], optionalManifests: [gemfile + ".lock"] } };
    return { needsSources: false };
  },
  onDisk(files, spec) {
    const gemfile = files.read(spec.manifests?.[0] ?? "Gemfile") ?? "";
    if (/^[ \t]*gemspec\b/m.test(gemfile)) return { ...spec, needsSources: true, sourcesReason: "its Gemfile loads the gemspec, which reads the sources" };
    if (/\bpath:\s*["']\.{1,2}/.test(gemfile)) return { ...spec, needsSources: true, sourcesReason: "its Gemfile installs a gem from a local path" };
    return spec;
  },
};

const gem: Ecosystem = {
  id: "gem",
  name: "RubyGems",
  kind: "project",
  manifests: [],
  optionalManifests: [],
  cacheDirs: ["/usr/local/bundle/cache", "/root/.gem", "/root/.local/share/gem"],
  cacheMounts: [{ target: "/usr/local/bundle/cache", sharing: "locked" }],
  cleanup: ["gem cleanup", "rm -rf /usr/local/bundle/cache /root/.gem"],
  noCacheFlags: [],
  noCacheEnv: [],
  programs: ["gem"],
  matchInstall(w) {
    if (w[0] !== "gem" || w[1] !== "install") return null;
    return { needsSources: false, readsManifests: false };
  },
};

const COMPOSER_SPLIT_FLAGS = ["--no-scripts", "--no-autoloader"];

const composer: Ecosystem = {
  id: "composer",
  name: "Composer",
  kind: "project",
  manifests: ["composer.json"],
  optionalManifests: ["composer.lock", "auth.json"],
  cacheDirs: ["/root/.composer/cache", "/root/.cache/composer", "/tmp/cache"],
  cacheMounts: [{ target: "/root/.composer/cache", env: "COMPOSER_CACHE_DIR" }],
  cleanup: ["composer clear-cache", "rm -rf /root/.composer/cache"],
  noCacheFlags: ["--no-cache"],
  noCacheEnv: ["COMPOSER_CACHE_DIR=/dev/null"],
  programs: ["composer", "php"],
  matchInstall(w) {
    const i = w[0] === "composer" ? 1 : w[0] === "php" && /composer(\.phar)?$/.test(w[1] ?? "") ? 2 : -1;
    if (i === -1) return null;
    const args = positionals(w.slice(i), ["-d", "--working-dir"]);
    if (args[0] === "global") return args[1] === "require" ? { needsSources: false, readsManifests: false } : null;
    if (args[0] !== "install" && args[0] !== "i" && args[0] !== "update" && args[0] !== "u") return null;
    const projectDir = optionValue(w, ["-d", "--working-dir"]);
    const noCache = hasFlag(w, ["--no-cache"]);
    if (COMPOSER_SPLIT_FLAGS.every((f) => w.includes(f))) return { needsSources: false, projectDir, noCache };
    // Scripts (`post-autoload-dump` running artisan...) and the autoloader read the sources.
    return {
      needsSources: true,
      sourcesReason: "its scripts and autoloader read the sources",
      dependencyOnly: [...w, ...COMPOSER_SPLIT_FLAGS.filter((f) => !w.includes(f))].map(shellQuote).join(" "),
      projectDir,
      noCache,
    };
  },
  onDisk(files, spec) {
    if (!spec.needsSources || !spec.dependencyOnly) return spec;
    const json = readJson<{ scripts?: Record<string, unknown>; autoload?: Record<string, unknown> }>(files, "composer.json");
    if (!json) return spec;
    const scripts = Object.keys(json.scripts ?? {}).some((k) => /^(pre|post)-(install|update|autoload)/.test(k));
    const scans = ["classmap", "files"].some((k) => k in (json.autoload ?? {}));
    const optimised = /\s(-o|-a|--optimize-autoloader|--classmap-authoritative)(\s|$)/.test(" " + spec.dependencyOnly + " ");
    if (!scripts && !scans && !optimised) return { ...spec, needsSources: false, sourcesReason: undefined, dependencyOnly: undefined };
    return spec;
  },
};

// ---------------------------------------------------------------- Go, Rust

const GO_BUILDS = new Set(["build", "install", "test", "vet", "generate", "run", "list"]);

const go: Ecosystem = {
  id: "go",
  name: "Go modules",
  kind: "project",
  manifests: ["go.mod"],
  // go.work is left to onDisk: copied without the modules it uses, it would break the download.
  optionalManifests: ["go.sum"],
  cacheDirs: ["/go/pkg/mod", "/root/go/pkg/mod", "/root/.cache/go-build"],
  cacheMounts: [
    { target: "/go/pkg/mod", env: "GOMODCACHE" },
    { target: "/root/.cache/go-build", env: "GOCACHE" },
  ],
  cleanup: ["go clean -modcache", "go clean -cache"],
  noCacheFlags: [],
  noCacheEnv: [],
  programs: ["go"],
  matchInstall(w) {
    if (w[0] !== "go") return null;
    const projectDir = w[1] === "-C" ? w[2] : undefined;
    const rest = projectDir !== undefined ? w.slice(3) : w.slice(1);
    const sub = rest[0];
    if (sub === "mod" && rest[1] === "download") {
      return rest.slice(2).some((a) => !a.startsWith("-")) ? { needsSources: false, readsManifests: false } : { needsSources: false, projectDir };
    }
    if (sub === "mod" && (rest[1] === "tidy" || rest[1] === "vendor" || rest[1] === "verify")) {
      return { needsSources: true, sourcesReason: "it reads the sources' imports", dependencyOnly: goDownload(projectDir), builds: false, projectDir };
    }
    if (sub !== undefined && GO_BUILDS.has(sub)) {
      const pkgs = positionals(rest.slice(1), ["-o", "-tags", "-ldflags", "-gcflags", "-mod", "-p", "-run", "-exec", "-modfile", "-overlay", "-pgo", "-buildmode", "-asmflags", "-pkgdir", "-toolexec", "-coverpkg", "-timeout", "-count"]);
      // `go install tool@v1.2.3` fetches a module of its own, not this one's dependencies.
      if (pkgs.length > 0 && pkgs.every((p) => p.includes("@"))) return { needsSources: false, readsManifests: false };
      return { needsSources: true, sourcesReason: SOURCES_BUILD, dependencyOnly: goDownload(projectDir), builds: true, projectDir };
    }
    return null;
  },
  onDisk(files, spec) {
    // A vendored module builds from vendor/: nothing to download first.
    if (spec.needsSources && files.read("vendor/modules.txt") !== null) return null;
    const work = files.read("go.work");
    if (work === null) return spec;
    const uses = [...work.matchAll(/^[ \t]*(?:use\s+)?(\.{1,2}\/[^\s)]*|\.)[ \t]*$/gm)].map((m) => m[1]).filter((u) => u !== ".");
    const members = uses.map((u) => joinPath("", u.replace(/\/$/, "") + "/go.mod")).filter((p) => files.read(p) !== null);
    const sums = members.map((m) => m.replace(/go\.mod$/, "go.sum")).filter((p) => files.read(p) !== null);
    const workFiles = ["go.work", "go.work.sum", "go.mod", "go.sum"].filter((p) => files.read(p) !== null);
    // In workspace mode the modules named by go.work are what is read; the root need not be a module.
    return { ...spec, reads: { manifests: [], optionalManifests: [] }, manifests: [...(spec.manifests ?? []), ...workFiles, ...members, ...sums] };
  },
};

function goDownload(projectDir: string | undefined): string {
  return projectDir !== undefined ? `go -C ${shellQuote(projectDir)} mod download` : "go mod download";
}

/**
 * Cargo needs a target to load a manifest, even to fetch: a stub `src/main.rs`
 * lets `cargo fetch` run on the manifests alone. `mkdir` fails rather than
 * touch a `src/` that is already there.
 */
const CARGO_FETCH = "mkdir src && echo 'fn main() {}' > src/main.rs && cargo fetch && rm -r src";
const CARGO_BUILDS = new Set(["build", "b", "install", "test", "t", "run", "r", "check", "c", "doc", "bench", "rustc"]);

const cargo: Ecosystem = {
  id: "cargo",
  name: "Cargo",
  kind: "project",
  manifests: ["Cargo.toml"],
  optionalManifests: ["Cargo.lock", "rust-toolchain", "rust-toolchain.toml", ".cargo/"],
  cacheDirs: ["/usr/local/cargo/registry", "/usr/local/cargo/git", "/root/.cargo/registry", "/root/.cargo/git"],
  cacheMounts: [
    { target: "/usr/local/cargo/registry", sharing: "locked" },
    { target: "/usr/local/cargo/git", sharing: "locked" },
  ],
  cleanup: ["rm -rf /usr/local/cargo/registry /usr/local/cargo/git"],
  noCacheFlags: [],
  noCacheEnv: [],
  programs: ["cargo"],
  matchInstall(w) {
    if (w[0] !== "cargo") return null;
    const manifestPath = optionValue(w, ["--manifest-path"]);
    const projectDir = manifestPath !== undefined ? dirOf(manifestPath) || "." : undefined;
    const sub = positionals(w.slice(1), ["--manifest-path", "--target", "-p", "--package", "--features", "-F", "-j", "--jobs", "--profile", "--bin", "--example", "--root", "--path", "--target-dir", "--color", "-Z"])[0];
    if (sub === "install" && !hasFlag(w, ["--path"])) return { needsSources: false, readsManifests: false };
    // cargo-chef: `cook` builds only the dependencies from the recipe (the dependency step);
    // `prepare` reads the whole project to write that recipe, and installs nothing.
    if (sub === "chef") {
      const action = positionals(w.slice(2), ["--recipe-path", "--target", "--profile", "--features", "-p", "--package", "-j", "--jobs", "--target-dir", "--bin"])[0];
      if (action !== "cook") return null;
      const recipe = optionValue(w, ["--recipe-path"]) ?? "recipe.json";
      return { needsSources: false, manifests: [recipe], reads: { manifests: [], optionalManifests: [] } };
    }
    const dependencyOnly = projectDir !== undefined ? undefined : CARGO_FETCH;
    if (sub === "fetch") return { needsSources: true, sourcesReason: "Cargo loads the crate's targets even to fetch", dependencyOnly, projectDir };
    if (sub !== undefined && CARGO_BUILDS.has(sub)) return { needsSources: true, sourcesReason: SOURCES_BUILD, dependencyOnly, builds: true, projectDir };
    return null;
  },
  onDisk(files, spec) {
    const toml = files.read("Cargo.toml") ?? "";
    // The stub works for one crate with default target paths; workspaces and explicit paths need more.
    if (/^\[workspace\]/m.test(toml) || /^\[\[?(bin|lib|example|test|bench)\]?\]/m.test(toml) || files.read("build.rs") !== null) {
      return { ...spec, dependencyOnly: undefined };
    }
    return spec;
  },
};

// ---------------------------------------------------------------- JVM

const MAVEN_VALUE_FLAGS = ["-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P", "--activate-profiles", "-pl", "--projects", "-rf", "--resume-from", "-T", "--threads", "-l", "--log-file", "-t", "--toolchains", "-b", "--builder"];
const MAVEN_DEPENDENCY_GOALS = /^(dependency:(go-offline|resolve|resolve-plugins|copy-dependencies)|de\.qaware\.maven:go-offline-maven-plugin:resolve-dependencies)$/;

const maven: Ecosystem = {
  id: "maven",
  name: "Maven",
  kind: "project",
  manifests: ["pom.xml"],
  optionalManifests: [".mvn/"],
  cacheDirs: ["/root/.m2/repository"],
  // Maven's local repository is not safe for concurrent writers.
  cacheMounts: [{ target: "/root/.m2/repository", sharing: "locked" }],
  cleanup: ["rm -rf /root/.m2/repository"],
  noCacheFlags: [],
  noCacheEnv: [],
  matchInstall(w) {
    const prog = baseOf(w[0]);
    if (prog !== "mvn" && prog !== "mvnw") return null;
    const goals = positionals(w.slice(1), MAVEN_VALUE_FLAGS);
    if (goals.length === 0) return null;
    const pom = optionValue(w, ["-f", "--file"]);
    const projectDir = pom !== undefined ? (pom.endsWith(".xml") ? dirOf(pom) || "." : pom) : undefined;
    const settings = optionValue(w, ["-s", "--settings"]);
    const manifests = [...(settings ? [settings] : []), ...(prog === "mvnw" ? [w[0].replace(/^\.\//, ""), ".mvn/wrapper/maven-wrapper.properties"] : [])];
    if (goals.every((g) => MAVEN_DEPENDENCY_GOALS.test(g))) return { needsSources: false, manifests, projectDir };
    const flags = w.slice(1).filter((a, i, all) => a.startsWith("-") || MAVEN_VALUE_FLAGS.includes(all[i - 1] ?? ""));
    return { needsSources: true, sourcesReason: SOURCES_BUILD, dependencyOnly: [w[0], ...flags, "dependency:go-offline"].map(shellQuote).join(" "), builds: true, manifests, projectDir };
  },
  onDisk(files, spec) {
    const pom = files.read("pom.xml") ?? "";
    const modules = [...pom.matchAll(/<module>\s*([^<\s]+)\s*<\/module>/g)].map((m) => m[1].replace(/\/$/, "") + "/pom.xml");
    if (modules.length === 0) return spec;
    // go-offline cannot resolve sibling modules that are not installed yet: no split for multi-module builds.
    return { ...spec, manifests: [...(spec.manifests ?? []), ...modules.filter((m) => files.read(m) !== null)], dependencyOnly: undefined };
  },
};

const gradle: Ecosystem = {
  id: "gradle",
  name: "Gradle",
  kind: "project",
  manifests: [],
  optionalManifests: ["build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties", "gradle/", "buildSrc/"],
  cacheDirs: ["/root/.gradle/caches", "/root/.gradle/wrapper", "/home/gradle/.gradle/caches"],
  cacheMounts: [{ target: "/root/.gradle/caches" }, { target: "/root/.gradle/wrapper" }],
  cleanup: ["rm -rf /root/.gradle/caches"],
  noCacheFlags: [],
  noCacheEnv: [],
  matchInstall(w) {
    const prog = baseOf(w[0]);
    if (prog !== "gradle" && prog !== "gradlew") return null;
    const tasks = positionals(w.slice(1), ["-p", "--project-dir", "-x", "--exclude-task", "-b", "--build-file", "-c", "--settings-file", "--console", "--max-workers", "-g", "--gradle-user-home", "-I", "--init-script"]);
    if (tasks.length === 0) return null;
    const projectDir = optionValue(w, ["-p", "--project-dir"]);
    // The wrapper script runs the Gradle version its properties name, from its jar.
    const manifests = prog === "gradlew" ? [w[0].replace(/^\.\//, ""), "gradle/wrapper/gradle-wrapper.properties", "gradle/wrapper/gradle-wrapper.jar"] : [];
    if (tasks.every((t) => /(^|:)(dependencies|androidDependencies|buildEnvironment)$/.test(t))) return { needsSources: false, manifests, projectDir };
    const flags = w.slice(1).filter((a) => a.startsWith("-") && !/^(-x|--exclude-task)$/.test(a));
    return { needsSources: true, sourcesReason: SOURCES_BUILD, dependencyOnly: [w[0], ...flags, "dependencies"].map(shellQuote).join(" "), builds: true, manifests, projectDir };
  },
  onDisk(files, spec) {
    const settings = files.read("settings.gradle") ?? files.read("settings.gradle.kts") ?? "";
    const included = [...settings.matchAll(/include\s*\(?([^\n)]*)/g)].flatMap((m) => [...m[1].matchAll(/["']:?([^"']+)["']/g)].map((x) => x[1].replace(/:/g, "/")));
    const builds = included.flatMap((d) => [`${d}/build.gradle`, `${d}/build.gradle.kts`]).filter((p) => files.read(p) !== null);
    if (!["build.gradle", "build.gradle.kts"].some((b) => files.read(b) !== null) && builds.length === 0) return spec;
    return { ...spec, manifests: [...(spec.manifests ?? []), ...builds] };
  },
};

// ---------------------------------------------------------------- .NET, Elixir

const DOTNET_PROJECT = /\.(csproj|fsproj|vbproj|sln|slnx|proj)$/;
const DOTNET_SHARED = /(^|\/)(Directory\.(Build|Packages)\.(props|targets)|[Nn]u[Gg]et\.[Cc]onfig|global\.json|packages\.lock\.json)$/;

const dotnet: Ecosystem = {
  id: "dotnet",
  name: ".NET (NuGet)",
  kind: "project",
  manifests: [],
  optionalManifests: ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "NuGet.Config", "nuget.config", "global.json"],
  cacheDirs: ["/root/.nuget/packages", "/root/.local/share/NuGet/http-cache"],
  cacheMounts: [{ target: "/root/.nuget/packages", env: "NUGET_PACKAGES" }],
  cleanup: ["dotnet nuget locals all --clear"],
  noCacheFlags: ["--no-cache", "--no-http-cache"],
  noCacheEnv: [],
  programs: ["dotnet"],
  matchInstall(w) {
    if (w[0] !== "dotnet") return null;
    const sub = w[1];
    const valueFlags = ["-r", "--runtime", "-a", "--arch", "--os", "-c", "--configuration", "-o", "--output", "-s", "--source", "--configfile", "-f", "--framework", "-v", "--verbosity", "--packages", "-p", "--property"];
    const args = positionals(w.slice(2), valueFlags);
    const project = args.find((a) => DOTNET_PROJECT.test(a));
    const manifests = project ? [project] : [];
    if (sub === "restore") return { needsSources: false, manifests };
    if (sub === "tool" && w[2] === "install") return { needsSources: false, readsManifests: false };
    if (sub === "build" || sub === "publish" || sub === "test" || sub === "pack") {
      if (hasFlag(w, ["--no-restore"])) return null;
      const keep: string[] = [];
      for (let i = 2; i < w.length; i++) {
        if (["-r", "--runtime", "-a", "--arch", "--os", "-s", "--source", "--configfile"].includes(w[i]) && w[i + 1] !== undefined) keep.push(w[i], w[++i]);
      }
      return { needsSources: true, sourcesReason: SOURCES_BUILD, dependencyOnly: ["dotnet", "restore", ...(project ? [project] : []), ...keep].map(shellQuote).join(" "), builds: true, manifests };
    }
    return null;
  },
  onDisk(files, spec) {
    // A solution or project restore reads every project file below it and the shared props; not the sources.
    const found = files.list().filter((f) => !/(^|\/)(bin|obj)\//.test(f) && (DOTNET_PROJECT.test(f) || DOTNET_SHARED.test(f)));
    return { ...spec, manifests: [...new Set([...(spec.manifests ?? []), ...found])] };
  },
};

const mix: Ecosystem = {
  id: "mix",
  name: "Mix (Hex)",
  kind: "project",
  manifests: ["mix.exs"],
  optionalManifests: ["mix.lock"],
  cacheDirs: ["/root/.hex/packages", "/root/.cache/rebar3"],
  cacheMounts: [{ target: "/root/.hex/packages" }],
  cleanup: ["rm -rf /root/.hex/packages /root/.cache/rebar3"],
  noCacheFlags: [],
  noCacheEnv: [],
  programs: ["mix"],
  matchInstall(w) {
    if (w[0] !== "mix") return null;
    const task = w[1];
    if (task === "deps.get") return { needsSources: false };
    if (task === "local.hex" || task === "local.rebar" || task === "archive.install") return { needsSources: false, readsManifests: false };
    if (task === "compile" || task === "release" || task === "escript.build" || task === "deps.compile") {
      // deps.compile reads config/ as well; compile and release read everything.
      return { needsSources: true, sourcesReason: task === "deps.compile" ? "it reads config/" : SOURCES_BUILD, dependencyOnly: "mix deps.get", builds: true };
    }
    return null;
  },
  onDisk(files, spec) {
    const mixExs = files.read("mix.exs") ?? "";
    const appsPath = /apps_path:\s*"([^"]+)"/.exec(mixExs)?.[1];
    if (!appsPath) return spec;
    const apps = files.list().filter((f) => f.startsWith(appsPath + "/") && f.split("/").length === appsPath.split("/").length + 2 && baseOf(f) === "mix.exs");
    return { ...spec, manifests: [...(spec.manifests ?? []), ...apps] };
  },
};

export const PROJECT_ECOSYSTEMS: readonly Ecosystem[] = [npm, yarn, pnpm, bun, pip, pipenv, poetry, uv, bundler, gem, composer, go, cargo, maven, gradle, dotnet, mix];
