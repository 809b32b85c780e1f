import { commandWords, splitCommands } from "../model/shell.js";

/**
 * How a workflow step builds an image, and the cache settings it passes.
 * Bake (`docker buildx bake`, `docker/bake-action`) is not an image build
 * here: its cache settings live in the bake file.
 */
export interface BuildSettings {
  /** `docker/build-push-action`, `docker build`, `docker buildx build`, `docker image build` or `podman build`. */
  tool: string;
  /** Cache imports as written (`type=gha`, `user/app:cache`); one per line of a multi-line action input. */
  cacheFrom: string[];
  /** Cache exports as written. */
  cacheTo: string[];
  /** `--no-cache` / `no-cache: true`: the build uses no cache, so persisting one is moot. */
  noCache: boolean;
}

/** A build command inside a `run:` script, with where it is in the script. */
export interface CommandBuild extends BuildSettings {
  start: number;
  end: number;
}

/** The action that builds an image (`docker/build-push-action@v6`, a fork's copy is not recognised). */
export function isBuildPushAction(uses: string): boolean {
  return /^docker\/build-push-action(@|$)/i.test(uses.trim());
}

/** The build settings of a `docker/build-push-action` step from its `with:` inputs. */
export function actionBuild(inputs: ReadonlyMap<string, string>): BuildSettings {
  const list = (key: string): string[] =>
    (inputs.get(key) ?? "")
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter((s) => s !== "");
  return { tool: "docker/build-push-action", cacheFrom: list("cache-from"), cacheTo: list("cache-to"), noCache: /^true$/i.test((inputs.get("no-cache") ?? "").trim()) };
}

/** The subcommand words after `docker` / `podman` that build an image. */
const BUILD_SUBCOMMANDS: Readonly<Record<string, readonly string[][]>> = {
  docker: [["build"], ["buildx", "build"], ["image", "build"], ["builder", "build"]],
  podman: [["build"], ["image", "build"]],
};

/** The image builds of a `run:` script: each `docker build`, `docker buildx build` or `podman build` command. */
export function commandBuilds(script: string): CommandBuild[] {
  const out: CommandBuild[] = [];
  for (const cmd of splitCommands(script)) {
    // A line continuation leaves its newline as a word of its own.
    const words = commandWords(cmd).filter((w) => w.trim() !== "");
    const program = words[0]?.replace(/^.*\//, "");
    const subcommands = program !== undefined ? BUILD_SUBCOMMANDS[program] : undefined;
    const sub = subcommands?.find((s) => s.every((w, i) => words[1 + i] === w));
    if (!sub) continue;
    const settings: CommandBuild = { tool: [program, ...sub].join(" "), cacheFrom: [], cacheTo: [], noCache: false, start: cmd.start, end: cmd.start + cmd.text.length };
    const args = words.slice(1 + sub.length);
    for (let i = 0; i < args.length; i++) {
      const m = /^--(cache-from|cache-to|no-cache)(?:=(.*))?$/.exec(args[i]);
      if (!m) continue;
      if (m[1] === "no-cache") {
        settings.noCache = m[2] === undefined || m[2] === "true";
        continue;
      }
      const value = m[2] ?? args[++i] ?? "";
      (m[1] === "cache-from" ? settings.cacheFrom : settings.cacheTo).push(value);
    }
    out.push(settings);
  }
  return out;
}

/**
 * The cache backend a `--cache-from`/`--cache-to` value names. A plain
 * image reference (`user/app:cache`) is a registry cache, as in buildx.
 */
export function cacheType(spec: string): string {
  const m = /(?:^|,)\s*type\s*=\s*([^,\s]+)/.exec(spec);
  return m ? m[1].toLowerCase() : "registry";
}
