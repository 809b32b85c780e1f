import { commandWords, splitCommands } from "../model/shell.js";
import { PROJECT_ECOSYSTEMS } from "./project.js";
import type { CacheMountSpec, Ecosystem, InstallMatch, InstallSpec, ProjectFiles } from "./types.js";
import { baseOf } from "./words.js";

/**
 * The package-manager table: how each ecosystem installs dependencies,
 * which files that install reads, and where it caches downloads. Rules
 * ask this table; no rule carries its own package-manager regexes.
 */
export type { CacheMountSpec, Ecosystem, InstallMatch, InstallSpec, ProjectFiles } from "./types.js";

export const ECOSYSTEMS: readonly Ecosystem[] = [...PROJECT_ECOSYSTEMS];

/** The rows that match by pattern (no `programs`): asked about every command. */
const ANY_PROGRAM: readonly Ecosystem[] = ECOSYSTEMS.filter((e) => e.programs === undefined);

/**
 * The rows that may recognise a command whose first word is the key, in
 * table order: the rows naming that program and the pattern rows. Built
 * once from the table, so that each command of each RUN is put to a
 * couple of recognisers instead of every one of them.
 */
const BY_PROGRAM: ReadonlyMap<string, readonly Ecosystem[]> = new Map(
  ECOSYSTEMS.flatMap((e) => e.programs ?? []).map((name) => [name, ECOSYSTEMS.filter((e) => e.programs === undefined || e.programs.includes(name))]),
);

/** The ecosystems whose matchInstall may accept a command starting with `program`, in table order. */
export function installCandidates(program: string): readonly Ecosystem[] {
  return BY_PROGRAM.get(program) ?? ANY_PROGRAM;
}

/**
 * Programs named by path (`/usr/local/bin/npm`) or by a wrapper script
 * (`./mvnw`) are matched by name. The words are the caller's own copy
 * (from commandWords), so they are passed on as they are when unchanged.
 */
function programWords(words: readonly string[]): readonly string[] {
  const prog = words[0];
  if (!prog.includes("/")) return words;
  const base = baseOf(prog);
  // Wrapper scripts keep their path: it is a file the install reads.
  return base === "mvnw" || base === "gradlew" ? words : [base, ...words.slice(1)];
}

/**
 * Every dependency install (or build that resolves dependencies) in a RUN
 * script, in order, with the directory a preceding `cd` moved to. Installs
 * of named packages are included with `readsManifests: false`.
 */
export function findInstalls(script: string): InstallMatch[] {
  const out: InstallMatch[] = [];
  let cwd: string | undefined;
  let cwdKnown = true;
  for (const command of splitCommands(script)) {
    const words = commandWords(command);
    if (words.length === 0) continue;
    if (words[0] === "cd") {
      const dir = words[1];
      if (dir === undefined || dir === "-" || dir.startsWith("~") || dir.includes("$")) cwdKnown = false;
      else cwd = cwd === undefined || dir.startsWith("/") ? dir : `${cwd}/${dir}`;
      continue;
    }
    const prog = programWords(words);
    // `yarn --version`, `bundle --help`: a tool printing about itself installs nothing.
    if (asksAboutItself(prog)) continue;
    for (const ecosystem of installCandidates(prog[0])) {
      const spec = ecosystem.matchInstall(prog);
      if (spec) {
        // Object.assign rather than a spread: the specs come in many shapes, where V8's spread is
        // many times slower. The same own properties in the same order (the specs are plain data),
        // the two added ones set directly rather than through a second object.
        const match = Object.assign({}, spec) as InstallMatch;
        match.ecosystem = ecosystem;
        match.command = command;
        // After `cd -` or `cd $DIR` the directory is unknown: say so by leaving the install out of path reasoning.
        if (!cwdKnown) match.cwd = "\0unknown";
        else if (cwd !== undefined) match.cwd = cwd;
        out.push(match);
        break;
      }
    }
  }
  return out;
}

function asksAboutItself(words: readonly string[]): boolean {
  if (words.includes("--version") || words.includes("--help")) return true;
  return words.length === 2 && (words[1] === "-v" || words[1] === "-V" || words[1] === "-h");
}

export function ecosystemById(id: string): Ecosystem | undefined {
  return ECOSYSTEMS.find((e) => e.id === id);
}

/** Whether the directory an install runs in could be worked out from the script. */
export function cwdKnown(match: InstallMatch): boolean {
  return match.cwd !== "\0unknown";
}

/**
 * The manifests an install reads, relative to the directory the command
 * runs in (its `cd`, not its `--prefix`): required files, and optional
 * ones (a trailing `/` marks a directory).
 */
export function manifestsOf(spec: InstallSpec & { ecosystem: Ecosystem }): { required: string[]; optional: string[] } {
  const base = spec.reads ?? spec.ecosystem;
  const prefix = spec.projectDir && spec.projectDir !== "." ? spec.projectDir.replace(/^\.\//, "").replace(/(?<!\/)\/+$/, "") + "/" : "";
  const required = [...base.manifests.map((m) => prefix + m), ...(spec.manifests ?? []).map((m) => m.replace(/^\.\//, ""))];
  const optional = base.optionalManifests.map((m) => prefix + m).filter((m) => !required.includes(m));
  return { required: [...new Set(required)], optional };
}

/**
 * The install as the files on disk refine it (workspace members, scripts
 * that need the sources), or null when it turns out to install nothing.
 */
export function refineOnDisk<T extends InstallSpec & { ecosystem: Ecosystem }>(match: T, files: ProjectFiles): T | null {
  if (!match.ecosystem.onDisk || match.readsManifests === false) return match;
  const prefix = match.projectDir && match.projectDir !== "." ? match.projectDir.replace(/^\.\//, "").replace(/(?<!\/)\/+$/, "") : "";
  // Ecosystems read their project directory; named manifests stay relative to the command's directory.
  const scoped: ProjectFiles = prefix === "" ? files : {
    read: (p) => files.read(`${prefix}/${p}`),
    list: () => files.list().filter((f) => f.startsWith(prefix + "/")).map((f) => f.slice(prefix.length + 1)),
  };
  const named = match.manifests ?? [];
  const refined = match.ecosystem.onDisk(scoped, match);
  if (!refined) return null;
  const found = (refined.manifests ?? []).filter((m) => !named.includes(m)).map((m) => (prefix ? `${prefix}/${m}` : m));
  return { ...match, ...refined, manifests: [...named, ...found] };
}

/** `--mount=type=cache,target=/root/.npm` (with `sharing=` where the table asks for it). */
export function cacheMountFlag(spec: CacheMountSpec): string {
  return `--mount=type=cache,target=${spec.target}${spec.sharing && spec.sharing !== "shared" ? `,sharing=${spec.sharing}` : ""}`;
}

/**
 * Files an install reads besides the table's manifests: package metadata a
 * build backend or lifecycle script reads (README, MANIFEST.in, the
 * TypeScript configuration of a `prepare` script), requirement and
 * constraint files, project files of .NET, wrapper scripts. They change
 * about as rarely as the manifests.
 */
const INSTALL_METADATA = [
  /^requirements.*\.(txt|in)$/i, /^constraints.*\.txt$/i, /^setup\.(py|cfg)$/, /^MANIFEST\.in$/, /^(README|LICENSE|COPYING|NOTICE|CHANGELOG)(\.[A-Za-z]+)?$/i,
  /^tsconfig(\.[\w-]+)?\.json$/, /^\.(npmrc|yarnrc(\.yml)?|nvmrc|node-version|python-version|ruby-version|tool-versions)$/, /^\.?pnpmfile\.c?js$/,
  /\.(csproj|fsproj|vbproj|sln|props|targets)$/, /^(mvnw|gradlew)(\.cmd|\.bat)?$/, /^lerna\.json$/, /^nx\.json$/, /^turbo\.json$/, /^rush\.json$/,
  /^[\w.-]+\.gemspec$/, /\.lock$/, /^lock\.json$/,
];

/** Every file name and directory the table's rows name as manifests (directories end with `/`). */
const TABLE_INPUTS: { names: ReadonlySet<string>; dirs: readonly string[] } = (() => {
  const names = new Set<string>();
  const dirs = new Set<string>();
  for (const e of ECOSYSTEMS) {
    for (const m of [...e.manifests, ...e.optionalManifests]) {
      if (m.endsWith("/")) dirs.add(m);
      else names.add(m.slice(m.lastIndexOf("/") + 1));
    }
  }
  return { names, dirs: [...dirs] };
})();

/**
 * Whether a context file is one an install reads and that changes about
 * as rarely as a manifest: a manifest, a lock file or an install's
 * configuration (`.npmrc`, `gradle/wrapper/...`), by the table above. Source
 * files are not; a COPY of only such files before an install is the
 * recommended shape.
 */
export function isInstallInput(path: string): boolean {
  const p = path.replace(/^\.\//, "");
  const base = p.slice(p.lastIndexOf("/") + 1);
  if (TABLE_INPUTS.names.has(base) || INSTALL_METADATA.some((r) => r.test(base))) return true;
  return TABLE_INPUTS.dirs.some((d) => p.startsWith(d) || p.includes(`/${d}`));
}

/**
 * Whether a glob (no context on disk to resolve it against) names install
 * inputs only, judged by its last segment: `assets/*yarn*`,
 * `package*.json`, `requirements/*.txt` do; `src/*`, `*.py` do not.
 */
export function globNamesInstallInputs(pattern: string): boolean {
  const last = pattern.replace(/(?<!\/)\/+$/, "").split("/").pop() ?? "";
  // The literal runs between wildcards and bracket expressions, read in one pass.
  const runs: string[] = [];
  let word = "";
  let inBracket = false;
  for (const ch of last) {
    if (inBracket) {
      if (ch === "]") inBracket = false;
      continue;
    }
    if (ch === "*" || ch === "?" || ch === "[") {
      runs.push(word);
      word = "";
      inBracket = ch === "[";
      continue;
    }
    word += ch;
  }
  runs.push(word);
  const stem = runs.filter((w) => w.length >= 3);
  if (stem.length === 0) return false;
  const candidates = [...TABLE_INPUTS.names, "requirements.txt", "constraints.txt", "setup.py", "setup.cfg"];
  return stem.every((w) => candidates.some((n) => n.includes(w)) && !/^\.[a-z]+$/.test(w));
}
