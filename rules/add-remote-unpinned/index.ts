import { defineRule } from "../../src/engine/define.js";
import { commandWords, copyWords, flagValue, splitCommands } from "../../src/model/index.js";
import type { Instruction } from "../../src/parse/index.js";

/** Path or query words that name a moving version: a branch or a rolling release. */
const MOVING = new Set(["latest", "master", "main", "head", "nightly", "edge", "trunk", "develop", "development", "snapshot"]);

/** Commands that check a download against a known digest or signature. */
const VERIFIES = /\b(sha1sum|sha256sum|sha384sum|sha512sum|shasum|md5sum|b2sum|cosign\s+verify|gpg\s+(--batch\s+)?--verify|gpgv|minisign)\b|--checksum|--hash=/;

/**
 * An exact version in a file name: three numbers (`1.36.1`, `120.0.2210.91`)
 * or two and a package revision (`jq_1.6-2`, `-r0`). The lookbehind keeps
 * the search linear on long digit runs.
 */
const EXACT_VERSION = /(?<!\d)\d+\.\d+(?:\.\d|-r?\d)/;

/** `git clone` options that take a value, so that the value is not read as the repository. */
const CLONE_VALUE_OPTIONS = new Set([
  "-b", "--branch", "--depth", "-c", "--config", "-o", "--origin", "-j", "--jobs", "--reference", "--reference-if-able",
  "--separate-git-dir", "--template", "-u", "--upload-pack", "--shallow-since", "--shallow-exclude", "--filter", "--server-option",
]);

export default defineRule({
  id: "add-remote-unpinned",
  meta: {
    description: "A remote download that is not pinned: ADD <url> without --checksum, or RUN curl/wget/git clone of a moving target",
    severity: "warning",
    fixable: false,
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    // BuildKit's HTTP source (source/http/source.go) asks for the URL whenever it computes the cache key, with
    // `If-None-Match` when a stored copy has an ETag, and downloads it again unless the reply matches that ETag.
    addUrl: (d: { add: string }) =>
      `${d.add} has no \`--checksum\`: BuildKit asks the server for it on every build (and downloads it again unless the server's ETag says it has not changed), and every later step re-runs whenever the file changes upstream; add \`--checksum=sha256:<digest>\``,
    addGit: (d: { add: string; ref: string }) =>
      `${d.add} follows ${d.ref}: every build asks the remote for it, and every later step re-runs whenever it moves; pin a tag or commit (\`#v1.2.3\`)`,
    runDownload: (d: { command: string; what: string }) =>
      `\`${d.command}\` downloads ${d.what}, but the RUN's cache key is only its text: the cache keeps the old download until an earlier step changes; pin a version in the URL (or check a digest)`,
    runClone: (d: { command: string; ref: string }) =>
      `\`${d.command}\` clones ${d.ref}, but the RUN's cache key is only its text: the cache keeps the old checkout until an earlier step changes; pin a tag or commit (\`--branch v1.2.3\` or \`git checkout <sha>\`)`,
  },
  create(ctx) {
    const { model } = ctx;
    const checkAdd = (ins: Instruction): void => {
      if (ins.onbuild) return;
      if (flagValue(ins, "checksum") !== null) return;
      // The model's sources are ARG-expanded; the written words are in the same order.
      const written = copyWords(ins);
      for (const [k, source] of (model.info(ins)?.inputs.sources ?? []).entries()) {
        if (source.kind !== "url" && source.kind !== "git") continue;
        const add = quoteAdd(written[k] ?? source.path, source.path);
        const git = gitSource(source.path);
        if (git) {
          if (git.ref === null) ctx.report({ node: ins, message: ctx.messages.addGit({ add, ref: "the default branch" }) });
          else if (MOVING.has(git.ref.toLowerCase())) ctx.report({ node: ins, message: ctx.messages.addGit({ add, ref: `branch \`${git.ref}\`` }) });
          continue;
        }
        ctx.report({ node: ins, message: ctx.messages.addUrl({ add }) });
        return;
      }
    };
    return {
      ADD: checkAdd,
      RUN(ins) {
        if (ins.onbuild) return;
        const script = model.script(ins);
        if (VERIFIES.test(script)) return;
        const commands = splitCommands(script);
        for (let i = 0; i < commands.length; i++) {
          const command = commands[i];
          const words = commandWords(command);
          // The text from the program on (`then curl ...` shows as `curl ...`), as written; made only for a report.
          const shown = (): string => short(command.text.slice(Math.max(0, command.text.indexOf(words[0] ?? ""))));
          const program = words[0]?.slice(words[0].lastIndexOf("/") + 1);
          if (program === "curl" || program === "wget") {
            const moving = words.slice(1).filter((w) => /^(https?|ftp):\/\//i.test(w)).find(isMovingUrl);
            if (moving) {
              ctx.report({ node: ins, message: ctx.messages.runDownload({ command: shown(), what: `\`${short(moving)}\`, a moving target` }) });
              return;
            }
          } else if (program === "git") {
            // A pin may follow in a later RUN of the stage (`WORKDIR repo` then `RUN git checkout $COMMIT`).
            // A pin belongs to the nearest clone before it: stop at the next one.
            const laterRuns = (ins.stage?.instructions ?? []).filter((x) => x.keyword === "RUN" && x.range.start.offset > ins.range.start.offset);
            const later = upToNextClone([...commands.slice(i + 1).map(commandWords), ...laterRuns.flatMap((r) => splitCommands(model.script(r)).map(commandWords))]);
            const ref = cloneRef(words, later);
            if (ref) {
              ctx.report({ node: ins, message: ctx.messages.runClone({ command: shown(), ref }) });
              return;
            }
          }
        }
      },
    };
  },
});

/** A git source of ADD (`https://host/repo.git#ref`, `git@host:repo#ref`, `?ref=`), with its ref. */
function gitSource(url: string): { ref: string | null } | null {
  const hash = url.indexOf("#");
  const base = hash === -1 ? url : url.slice(0, hash);
  const isGit = /^git@|^git:\/\/|^ssh:\/\/|\.git(\?|$)/.test(base);
  if (!isGit) return null;
  // BuildKit's query form: `?commit=` and `?tag=` pin, `?ref=` and `?branch=` may move.
  const query = new URLSearchParams(base.includes("?") ? base.slice(base.indexOf("?") + 1) : "");
  if (query.has("commit") || query.has("tag") || query.has("checksum")) return { ref: "pinned" };
  const ref = query.get("ref") ?? query.get("branch");
  if (ref) return { ref };
  if (hash === -1) return { ref: null };
  // `#ref:subdir`
  const fragment = url.slice(hash + 1).split(":")[0];
  return { ref: fragment === "" ? null : fragment };
}

function isMovingUrl(url: string): boolean {
  if (url.includes("$")) {
    // A version in a variable is a pin; only a literal moving word counts.
    url = url.replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, "VAR");
  }
  const rest = url.replace(/^[a-z]+:\/\/[^/]+/i, "");
  const q = rest.search(/[?#]/);
  const dirs = (q === -1 ? rest : rest.slice(0, q)).split("/");
  const file = dirs.pop() ?? "";
  const query = q === -1 ? [] : rest.slice(q + 1).split(/[?&=#]/);
  const moving = (p: string): boolean => MOVING.has(p.toLowerCase());
  // A file named with its exact version (a distribution's pool: `.../pool/main/o/openssl/libssl1.1_1.1.1f-1_amd64.deb`)
  // is that version whatever the directories are called; `main` there is a component, not a branch.
  if (EXACT_VERSION.test(file)) return query.some(moving);
  // The file's stem counts as a word: `archive/master.zip`, `refs/heads/main.tar.gz`.
  return [...dirs, file, file.split(".")[0], ...query].some(moving);
}

/**
 * What a `git clone` fetches when that is a moving target: the default
 * branch (no `--branch` and no later `git checkout`/`reset` in the same
 * RUN), or a branch named like one. Null when pinned or not a clone.
 */
function cloneRef(words: readonly string[], later: readonly (readonly string[])[]): string | null {
  let i = 1;
  while (i < words.length && words[i].startsWith("-")) i += words[i] === "-C" || words[i] === "-c" ? 2 : 1;
  if (words[i] !== "clone") return null;
  let branch: string | null = null;
  const positional: string[] = [];
  for (let j = i + 1; j < words.length; j++) {
    const w = words[j];
    // `--revision` (git 2.49) names the one commit or ref to check out: a pin unless it names a branch.
    if (w === "-b" || w === "--branch" || w === "--revision") branch = words[++j] ?? null;
    else if (w.startsWith("--branch=") || w.startsWith("--revision=")) branch = w.slice(w.indexOf("=") + 1);
    else if (CLONE_VALUE_OPTIONS.has(w)) j++;
    else if (!w.startsWith("-")) positional.push(w);
  }
  if (positional.length === 0 || isLocalRepository(positional[0])) return null;
  if (branch !== null) {
    branch = branch.replace(/^refs\/heads\//, "");
    return MOVING.has(branch.toLowerCase()) ? `branch \`${branch}\`` : null;
  }
  const pinnedLater = later.some((w) => {
    const g = w.indexOf("git");
    if (g === -1 || !w[g].endsWith("git")) return false;
    const rest = w.slice(g + 1).filter((x, k, all) => !(x.startsWith("-") || all[k - 1] === "-C"));
    const sub = rest[0];
    if (sub !== "checkout" && sub !== "switch" && sub !== "reset" && sub !== "fetch") return false;
    const target = rest[rest.length - 1];
    return rest.length > 1 && !MOVING.has(target.toLowerCase().replace(/^origin\//, ""));
  });
  return pinnedLater ? null : "the default branch";
}

/**
 * A clone source that git reads as a path (no `scheme://`, no `host:` of the
 * scp form) or `file://`: a copy of files already in the build, not a download.
 * A variable (`$REPO`) may hold a URL, so it is not taken as local.
 */
function isLocalRepository(source: string): boolean {
  if (/^file:\/\//i.test(source)) return true;
  if (source.startsWith("$") || source.includes("://")) return false;
  const colon = source.indexOf(":");
  return colon === -1 || source.slice(0, colon).includes("/");
}

function upToNextClone(commands: readonly (readonly string[])[]): (readonly string[])[] {
  const next = commands.findIndex((w) => w.some((x, k) => x === "clone" && w[k - 1]?.endsWith("git")));
  return next === -1 ? [...commands] : commands.slice(0, next);
}

/** How a message quotes an ADD source: as written, and the value BuildKit uses when ARGs change it. */
function quoteAdd(written: string, expanded: string): string {
  const shown = `\`ADD ${short(written)}\``;
  return written === expanded ? shown : `${shown} (with ARGs expanded: \`${short(expanded)}\`)`;
}

function short(s: string): string {
  const one = s.replace(/(?:(?<!\s)\s+)?(?:\\\s*)?\n\s*/g, " ");
  return one.length > 80 ? one.slice(0, 77) + "..." : one;
}
