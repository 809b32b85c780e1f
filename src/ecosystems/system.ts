import { commandWords, splitCommands, type ShellCommand } from "../model/shell.js";

/**
 * The system package managers: apt-get/apt, apk, yum, dnf, microdnf and
 * zypper. What each of their subcommands does to the package index and the
 * download cache, where those live, and how a Dockerfile keeps them out of
 * a layer. Rules ask this table instead of matching command text.
 */

/** What a package-manager command does, as far as the cache and layers care. */
export type SystemAction =
  /** Downloads the package index (`apt-get update`, `apk update`, `yum makecache`). */
  | "update"
  /** Installs or upgrades packages (and reads the index). */
  | "install"
  /** Removes installed packages (`apt-get purge`, `apk del`). */
  | "remove"
  /** Empties the download cache or the index (`apt-get clean`, `yum clean all`). */
  | "clean"
  /** Anything else (`apt-cache policy`, `apk info`): reads only. */
  | "query";

/** A cache mount that keeps a manager's files out of the layer and between builds. */
export interface SystemCacheMount {
  target: string;
  /** apt takes a lock in its cache directories: concurrent builds must not share them. */
  sharing?: "locked";
}

export interface SystemPackageManager {
  id: "apt" | "apk" | "yum" | "dnf" | "microdnf" | "zypper";
  /** Program names that run it. */
  programs: readonly string[];
  /** Where the downloaded package index lives. */
  indexDirs: readonly string[];
  /** A file name the index holds, when all of its files share a shape that a cleanup may name by pattern. */
  indexFile?: string;
  /** Where downloaded packages are kept. */
  cacheDirs: readonly string[];
  /** The command that, appended to the RUN, leaves neither index nor cache in the layer. */
  cleanup: string;
  /** Flags of an install that keep the index and cache out of the layer (`apk add --no-cache`). */
  noCacheFlags: readonly string[];
  /** Cache mounts that keep the index and the packages out of the layer. */
  cacheMounts: readonly SystemCacheMount[];
  /**
   * What a mount needs besides its targets: Debian and Ubuntu images ship
   * `/etc/apt/apt.conf.d/docker-clean`, which deletes downloaded packages
   * after each install and so empties a cache mount.
   */
  cacheMountSetup: string | null;
  /** The action of a subcommand (the first word after the program and its options). */
  action(subcommand: string, words: readonly string[]): SystemAction;
}

const apt: SystemPackageManager = {
  id: "apt",
  programs: ["apt-get", "apt"],
  indexDirs: ["/var/lib/apt/lists"],
  // Every list is named `<host>_<path>` (the `partial/` directory and `lock` are empty after an update): `rm /var/lib/apt/lists/*_*` removes the index.
  indexFile: "deb.debian.org_debian_dists_bookworm_InRelease",
  cacheDirs: ["/var/cache/apt"],
  cleanup: "rm -rf /var/lib/apt/lists/*",
  noCacheFlags: [],
  cacheMounts: [
    { target: "/var/cache/apt", sharing: "locked" },
    { target: "/var/lib/apt", sharing: "locked" },
  ],
  cacheMountSetup: "rm -f /etc/apt/apt.conf.d/docker-clean",
  action(sub) {
    if (sub === "update") return "update";
    if (["install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall", "source", "download", "satisfy", "dselect-upgrade"].includes(sub)) return "install";
    if (["remove", "purge", "autoremove", "autopurge"].includes(sub)) return "remove";
    if (sub === "clean" || sub === "autoclean" || sub === "dist-clean" || sub === "distclean") return "clean";
    return "query";
  },
};

const apk: SystemPackageManager = {
  id: "apk",
  programs: ["apk"],
  indexDirs: ["/var/cache/apk"],
  cacheDirs: ["/var/cache/apk"],
  cleanup: "rm -rf /var/cache/apk/*",
  // `--no-network` installs from what is already on disk and downloads no index.
  noCacheFlags: ["--no-cache", "--no-network"],
  cacheMounts: [{ target: "/var/cache/apk" }],
  cacheMountSetup: null,
  action(sub, words) {
    if (sub === "update") return "update";
    if (sub === "add" || sub === "upgrade" || sub === "fix") return "install";
    if (sub === "del") return "remove";
    if (sub === "cache") return words.includes("clean") || words.includes("purge") ? "clean" : "query";
    return "query";
  },
};

function rpmAction(sub: string, words: readonly string[]): SystemAction {
  if (sub === "makecache" || sub === "check-update") return "update";
  if (["install", "update", "upgrade", "upgrade-minimal", "reinstall", "groupinstall", "localinstall", "distro-sync", "downgrade", "builddep", "swap"].includes(sub)) return "install";
  if ((sub === "group" || sub === "module") && words.includes("install")) return "install";
  if (["remove", "erase", "autoremove", "groupremove"].includes(sub)) return "remove";
  if (sub === "clean") return "clean";
  return "query";
}

const yum: SystemPackageManager = {
  id: "yum",
  programs: ["yum"],
  // On RHEL 8 and later, yum is dnf and keeps its cache in /var/cache/dnf.
  indexDirs: ["/var/cache/yum", "/var/cache/dnf"],
  cacheDirs: ["/var/cache/yum"],
  cleanup: "yum clean all",
  noCacheFlags: [],
  // yum is dnf on EL 8 and later: both places, one of which stays empty.
  cacheMounts: [
    { target: "/var/cache/yum", sharing: "locked" },
    { target: "/var/cache/dnf", sharing: "locked" },
  ],
  cacheMountSetup: null,
  action: rpmAction,
};

const dnf: SystemPackageManager = {
  id: "dnf",
  programs: ["dnf", "dnf5"],
  indexDirs: ["/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/yum"],
  cacheDirs: ["/var/cache/dnf", "/var/cache/libdnf5"],
  cleanup: "dnf clean all",
  noCacheFlags: [],
  // dnf5 (Fedora 41 and later) keeps its cache in /var/cache/libdnf5, dnf 4 in /var/cache/dnf.
  cacheMounts: [
    { target: "/var/cache/dnf", sharing: "locked" },
    { target: "/var/cache/libdnf5", sharing: "locked" },
  ],
  cacheMountSetup: null,
  action: rpmAction,
};

const microdnf: SystemPackageManager = {
  id: "microdnf",
  programs: ["microdnf"],
  indexDirs: ["/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5"],
  cacheDirs: ["/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5"],
  cleanup: "microdnf clean all",
  noCacheFlags: [],
  cacheMounts: [{ target: "/var/cache/yum", sharing: "locked" }],
  cacheMountSetup: null,
  action: rpmAction,
};

const zypper: SystemPackageManager = {
  id: "zypper",
  programs: ["zypper"],
  indexDirs: ["/var/cache/zypp"],
  cacheDirs: ["/var/cache/zypp"],
  cleanup: "zypper clean --all",
  noCacheFlags: [],
  cacheMounts: [{ target: "/var/cache/zypp", sharing: "locked" }],
  cacheMountSetup: null,
  action(sub) {
    if (sub === "refresh" || sub === "ref") return "update";
    if (["install", "in", "update", "up", "dist-upgrade", "dup", "patch", "source-install", "si", "install-new-recommends", "inr"].includes(sub)) return "install";
    if (sub === "remove" || sub === "rm") return "remove";
    if (sub === "clean" || sub === "cc") return "clean";
    return "query";
  },
};

export const SYSTEM_PACKAGE_MANAGERS: readonly SystemPackageManager[] = [apt, apk, yum, dnf, microdnf, zypper];

/** Options of each program that take a value, so that the value is not read as the subcommand. */
const VALUE_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  "apt-get": ["-o", "-c", "-t", "--target-release", "--option", "--config-file"],
  apt: ["-o", "-c", "-t", "--target-release", "--option", "--config-file"],
  apk: ["-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file", "-t", "--virtual"],
  yum: ["-c", "--config", "--installroot", "--enablerepo", "--disablerepo", "--setopt", "-x", "--exclude", "--releasever"],
  dnf: ["-c", "--config", "--installroot", "--enablerepo", "--disablerepo", "--setopt", "-x", "--exclude", "--releasever", "--repo"],
  dnf5: ["-c", "--config", "--installroot", "--enablerepo", "--disablerepo", "--setopt", "-x", "--exclude", "--releasever", "--repo"],
  microdnf: ["--config", "--installroot", "--enablerepo", "--disablerepo", "--setopt", "--releasever"],
  zypper: ["-c", "--config", "-R", "--root", "-D", "--reposd-dir", "-C", "--cache-dir"],
};

/** One package-manager command found in a RUN script. */
export interface SystemCommand {
  manager: SystemPackageManager;
  action: SystemAction;
  /** The subcommand as written (`install`, `add`, ...). */
  subcommand: string;
  /** The words after the subcommand. */
  rest: readonly string[];
  /** The words from the program on. */
  words: readonly string[];
  command: ShellCommand;
}

/** Recognises a package-manager command in one simple command's words (program first), or null. */
export function matchSystemCommand(words: readonly string[], command: ShellCommand): SystemCommand | null {
  const program = words[0];
  if (!program) return null;
  const base = program.slice(program.lastIndexOf("/") + 1);
  const manager = SYSTEM_PACKAGE_MANAGERS.find((m) => m.programs.includes(base));
  if (!manager) return null;
  const valueOptions = VALUE_OPTIONS[base] ?? [];
  let i = 1;
  while (i < words.length && words[i].startsWith("-")) {
    if (valueOptions.includes(words[i])) i++;
    i++;
  }
  const subcommand = words[i] ?? "";
  if (!subcommand) return null;
  const rest = words.slice(i + 1);
  return { manager, action: manager.action(subcommand, rest), subcommand, rest, words, command };
}

/** Every package-manager command of a RUN script, in order. */
export function findSystemCommands(script: string): SystemCommand[] {
  const out: SystemCommand[] = [];
  for (const command of splitCommands(script)) {
    const found = matchSystemCommand(commandWords(command), command);
    if (found) out.push(found);
  }
  return out;
}

/** Whether an install keeps the index and cache out of the layer by itself (`apk add --no-cache`). */
export function installSkipsCache(cmd: SystemCommand): boolean {
  return cmd.manager.noCacheFlags.some((f) => cmd.words.includes(f));
}

/** The packages (or apk virtual package) an install or remove names. */
export function packageNames(cmd: SystemCommand): string[] {
  const valueOptions = VALUE_OPTIONS[cmd.words[0]] ?? [];
  const out: string[] = [];
  for (let i = 0; i < cmd.rest.length; i++) {
    const w = cmd.rest[i];
    if (cmd.manager.id === "apk" && (w === "--virtual" || w === "-t")) {
      if (cmd.rest[i + 1]) out.push(cmd.rest[++i]);
      continue;
    }
    if (w.startsWith("-")) {
      if (valueOptions.includes(w)) i++;
      continue;
    }
    out.push(w.replace(/[=<>][\s\S]*$/, ""));
  }
  return out;
}

export function systemManagerById(id: SystemPackageManager["id"]): SystemPackageManager {
  const m = SYSTEM_PACKAGE_MANAGERS.find((x) => x.id === id);
  if (!m) throw new Error(`unknown system package manager ${id}`);
  return m;
}
