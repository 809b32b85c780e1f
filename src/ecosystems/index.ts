import { commandWords, splitCommands, type ShellCommand } from "../model/shell.js";

/**
 * The package-manager table: how each ecosystem installs dependencies,
 * which files that install reads, and where it caches downloads. Rules
 * ask this table; no rule carries its own package-manager regexes.
 */
export interface Ecosystem {
  id: string;
  /** Files the install reads and that must exist (context paths relative to the project dir). */
  manifests: readonly string[];
  /** Files the install reads when present (lock files, config); copied with a glob so absence does not fail the build. */
  optionalManifests: readonly string[];
  /** Download or build caches the tool fills (absolute paths for the root user). */
  cacheDirs: readonly string[];
  /** Recognises an install in one simple command's words (program first). */
  matchInstall(words: readonly string[]): InstallSpec | null;
}

export interface InstallSpec {
  /** Manifests named on the command line (e.g. `pip install -r requirements/dev.txt`). */
  manifests?: string[];
  /**
   * The command also needs the project's sources (it builds or installs the
   * project itself), so a manifest-only COPY cannot come before all of it.
   */
  needsSources: boolean;
  /** A dependency-only command that can run before the sources are copied. */
  dependencyOnly?: string;
}

export interface InstallMatch extends InstallSpec {
  ecosystem: Ecosystem;
  command: ShellCommand;
}

/** npm's install forms that resolve from package.json and the lock file only. */
const npm: Ecosystem = {
  id: "npm",
  manifests: ["package.json"],
  optionalManifests: ["package-lock.json", "npm-shrinkwrap.json", ".npmrc"],
  cacheDirs: ["/root/.npm"],
  matchInstall(w) {
    if (w[0] !== "npm") return null;
    const sub = w[1];
    if (sub === "ci" || sub === "clean-install") return { needsSources: false };
    if (sub === "install" || sub === "i" || sub === "add") {
      // `npm install express` adds a named package and needs no manifest.
      const positional = w.slice(2).filter((a) => !a.startsWith("-"));
      return positional.length === 0 ? { needsSources: false } : null;
    }
    return null;
  },
};

const yarn: Ecosystem = {
  id: "yarn",
  manifests: ["package.json", "yarn.lock"],
  optionalManifests: [".yarnrc", ".yarnrc.yml", ".yarn/releases", ".yarn/plugins"],
  cacheDirs: ["/usr/local/share/.cache/yarn", "/root/.yarn/berry/cache"],
  matchInstall(w) {
    if (w[0] !== "yarn") return null;
    if (w.length === 1 || w[1] === "install" || (w[1].startsWith("-") && w.slice(1).every((a) => a.startsWith("-")))) {
      return { needsSources: false };
    }
    return null;
  },
};

const pip: Ecosystem = {
  id: "pip",
  manifests: [],
  optionalManifests: [],
  cacheDirs: ["/root/.cache/pip"],
  matchInstall(w) {
    let i = 0;
    if (/^python[0-9.]*$/.test(w[0]) && w[1] === "-m") i = 2;
    if (!/^pip[0-9.]*$/.test(w[i] ?? "") || w[i + 1] !== "install") return null;
    const rest = w.slice(i + 2);
    const manifests: string[] = [];
    let local = false;
    let named = false;
    for (let j = 0; j < rest.length; j++) {
      const a = rest[j];
      if (a === "-r" || a === "--requirement" || a === "-c" || a === "--constraint") {
        if (rest[j + 1]) manifests.push(rest[++j]);
      } else if (/^(-r|--requirement=|-c|--constraint=)./.test(a)) {
        manifests.push(a.replace(/^(-r|--requirement=|-c|--constraint=)/, ""));
      } else if (a === "-e" || a === "--editable") {
        local = true;
        j++;
      } else if (a.startsWith("-")) {
        continue;
      } else if (a === "." || a.startsWith("./") || a.startsWith(".[")) local = true;
      else named = true;
    }
    if (local) return { manifests, needsSources: true };
    if (manifests.length > 0) return { manifests, needsSources: false };
    return named ? null : null;
  },
};

export const ECOSYSTEMS: readonly Ecosystem[] = [npm, yarn, pip];

/** Every dependency install in a RUN script, in order. */
export function findInstalls(script: string): InstallMatch[] {
  const out: InstallMatch[] = [];
  for (const command of splitCommands(script)) {
    const words = commandWords(command);
    if (words.length === 0) continue;
    for (const ecosystem of ECOSYSTEMS) {
      const spec = ecosystem.matchInstall(words);
      if (spec) {
        out.push({ ...spec, ecosystem, command });
        break;
      }
    }
  }
  return out;
}

export function ecosystemById(id: string): Ecosystem | undefined {
  return ECOSYSTEMS.find((e) => e.id === id);
}
