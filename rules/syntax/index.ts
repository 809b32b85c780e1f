import { defineRule } from "../../src/engine/define.js";
import { KNOWN_KEYWORDS, kindOf } from "../../src/model/index.js";
import type { Flag, Instruction, Range, Word } from "../../src/parse/index.js";

/**
 * What BuildKit's Dockerfile frontend rejects before it runs a single step.
 * Every check here was reproduced against a real BuildKit build; anything
 * BuildKit accepts (an exec form that is not valid JSON falls back to the
 * shell form, `WORKDIR a b` is one path with a space) is not reported.
 */

type FlagKind = "bool" | "string" | "strings";

/**
 * The flags each instruction takes, as the union over BuildKit frontends
 * (stable and labs): a flag that only a newer `# syntax=` frontend knows is
 * not an error for a file that asks for that frontend.
 */
const FLAGS: Readonly<Record<string, Readonly<Record<string, FlagKind>>>> = {
  FROM: { platform: "string" },
  RUN: { mount: "strings", network: "string", security: "string", device: "strings" },
  COPY: { from: "string", chown: "string", chmod: "string", link: "bool", parents: "bool", exclude: "strings" },
  ADD: { chown: "string", chmod: "string", link: "bool", "keep-git-dir": "bool", checksum: "string", unpack: "bool", exclude: "strings" },
  HEALTHCHECK: { interval: "string", timeout: "string", "start-period": "string", "start-interval": "string", retries: "string" },
};

// FLAGS by keyword in a Map: a keyword without flags is then a quick miss rather than a
// lookup through Object.prototype. Keywords are upper case, so no name of Object.prototype
// is ever one of them: `has` answers as `in` did.
const FLAGS_BY_KEYWORD = new Map(Object.entries(FLAGS));
/** The flags of an instruction that takes none (a plain object, as a missing entry gave before). */
const NO_FLAGS: Readonly<Record<string, FlagKind>> = {};

/** BuildKit never parses flags for these: `ARG --x` and `STOPSIGNAL --x` pass. */
const FLAGS_IGNORED = new Set(["ARG", "STOPSIGNAL"]);

const MOUNT_TYPES = new Set(["bind", "cache", "tmpfs", "secret", "ssh"]);
const MOUNT_KEYS = new Set([
  "type", "from", "source", "src", "target", "dst", "destination", "readonly", "ro", "readwrite", "rw",
  "required", "size", "id", "sharing", "mode", "uid", "gid", "env",
]);
const SHARING = new Set(["shared", "private", "locked"]);
const NETWORKS = new Set(["default", "none", "host"]);
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

export default defineRule({
  id: "syntax",
  meta: {
    description: "Instructions, flags and arguments that BuildKit's Dockerfile frontend rejects",
    severity: "error",
    fixable: false,
    sources: { hadolint: ["DL1000", "DL3061"], buildkit: [], tally: ["tally/unknown-instruction", "tally/invalid-onbuild-trigger"] },
  },
  messages: {
    parser: (d: { problem: string }) => `${d.problem}; BuildKit refuses the whole file, so no step is built or cached`,
    unknownInstruction: (d: { keyword: string; hint: string }) =>
      `unknown instruction \`${d.keyword}\`; BuildKit refuses the whole file${d.hint}`,
    unknownTrigger: (d: { keyword: string; hint: string }) =>
      `unknown instruction \`${d.keyword}\` in ONBUILD; every build FROM this image fails when the trigger runs${d.hint}`,
    badTrigger: (d: { keyword: string }) => `\`ONBUILD ${d.keyword}\` is not allowed; BuildKit refuses the whole file`,
    unknownFlag: (d: { flag: string; keyword: string; known: string }) =>
      `unknown flag \`--${d.flag}\` for ${d.keyword}; BuildKit refuses the whole file (${d.known})`,
    flagValue: (d: { flag: string; problem: string }) => `\`--${d.flag}\` ${d.problem}; BuildKit refuses the whole file`,
    duplicateFlag: (d: { flag: string }) => `\`--${d.flag}\` is given twice; BuildKit refuses the whole file, keep one`,
    mount: (d: { problem: string }) => `${d.problem} in \`--mount\`; BuildKit refuses the build`,
    arguments: (d: { problem: string }) => `${d.problem}; BuildKit refuses the whole file`,
    fromVariable: (d: { value: string }) =>
      `\`--from=${d.value}\` holds a variable, and variable expansion is not supported for --from: the build fails; define a new stage with FROM using ARG from global scope as a workaround`,
  },
  create(ctx) {
    const { file } = ctx;
    const report = (range: Range, message: string): void => ctx.report({ range, message });

    const checkFlags = (ins: Instruction): void => {
      if (FLAGS_IGNORED.has(ins.keyword)) return;
      if (ins.keyword === "HEALTHCHECK" && firstWord(ins)?.toUpperCase() === "NONE") return;
      const allowed = FLAGS_BY_KEYWORD.get(ins.keyword) ?? NO_FLAGS;
      const flags = flagsOf(ins);
      const seen = new Set<string>();
      for (const f of flags) {
        const name = f.name.toLowerCase();
        const kind = allowed[name];
        if (!kind) {
          const known = Object.keys(allowed);
          const suffix = known.length > 0 ? `it takes ${known.map((k) => "--" + k).join(", ")}` : `${ins.keyword} takes no flags`;
          report(f.range, ctx.messages.unknownFlag({ flag: f.name, keyword: ins.keyword, known: suffix }));
          continue;
        }
        if (seen.has(name) && kind !== "strings") report(f.range, ctx.messages.duplicateFlag({ flag: f.name }));
        seen.add(name);
        if (kind === "bool") {
          if (f.value !== null && !/^(true|false)$/i.test(f.value)) {
            report(f.range, ctx.messages.flagValue({ flag: f.name, problem: `takes true or false, not "${f.value}"` }));
          }
        } else if (f.value === null) {
          report(f.range, ctx.messages.flagValue({ flag: f.name, problem: "needs a value (`--" + f.name + "=...`)" }));
        } else if (ins.keyword === "HEALTHCHECK" && name !== "retries" && !f.value.includes("$")) {
          const problem = durationProblem(f.value, name);
          if (problem) report(f.range, ctx.messages.flagValue({ flag: f.name, problem: `is invalid (BuildKit: ${problem})` }));
        }
      }
      if (ins.keyword === "RUN") checkRun(ins, flags);
      // Measured: BuildKit takes `--from` as written, so `--from=build-${FLAVOR}` is an invalid image name.
      const from = ins.keyword === "COPY" ? flags.find((f) => f.name.toLowerCase() === "from") : undefined;
      if (from?.value && /\$(\{|[A-Za-z_])/.test(from.value)) report(from.range, ctx.messages.fromVariable({ value: from.value }));
    };

    const checkRun = (ins: Instruction, flags: Flag[]): void => {
      const network = flags.find((f) => f.name.toLowerCase() === "network");
      if (network?.value && !network.value.includes("$") && !NETWORKS.has(network.value.toLowerCase())) {
        report(network.range, ctx.messages.flagValue({ flag: "network", problem: `takes default, none or host, not "${network.value}"` }));
      }
      for (const m of ins.mounts) {
        if (m.options.type !== undefined && m.options.type.includes("$")) continue;
        if (!MOUNT_TYPES.has(m.type)) {
          report(m.range, ctx.messages.mount({ problem: `unsupported mount type "${m.type}" (bind, cache, tmpfs, secret or ssh)` }));
          continue;
        }
        const unknown = Object.keys(m.options).filter((k) => !MOUNT_KEYS.has(k));
        if (unknown.length > 0) report(m.range, ctx.messages.mount({ problem: `unknown key "${unknown[0]}"` }));
        const sharing = m.options.sharing;
        if (sharing !== undefined && !sharing.includes("$") && !SHARING.has(sharing.toLowerCase())) {
          report(m.range, ctx.messages.mount({ problem: `sharing takes shared, private or locked, not "${sharing}"` }));
        }
        // A mount without target= mounts over the WORKDIR, which only fails when that is `/`;
        // the base image's WORKDIR is unknown here, so that case is not reported.
      }
    };

    const checkArguments = (ins: Instruction): void => {
      const problem = argumentProblem(ins, file.directives.escape);
      // A message starts lower-case or with a quoted name: `FROM` rather than FROM.
      if (problem) report(ins.range, ctx.messages.arguments({ problem: problem.replace(/^([A-Z]{2,})\b/, "`$1`") }));
    };

    return {
      "*"(ins) {
        const trigger = ins.onbuild !== null;
        if (kindOf(ins.keyword) === null) {
          const hint = suggestion(ins.keyword);
          const data = { keyword: ins.keyword, hint: hint ? `; did you mean \`${hint}\`?` : "" };
          report(ins.keywordRange, trigger ? ctx.messages.unknownTrigger(data) : ctx.messages.unknownInstruction(data));
          return;
        }
        if (ins.keyword === "ONBUILD") {
          const t = ins.trigger?.keyword;
          if (t === "ONBUILD" || t === "FROM" || t === "MAINTAINER") report(ins.range, ctx.messages.badTrigger({ keyword: t }));
          else if (!ins.trigger) checkArguments(ins);
          return;
        }
        // A trigger's flags and arguments are only parsed when a later build runs it.
        if (trigger) return;
        checkFlags(ins);
        checkArguments(ins);
      },
      "file:exit"() {
        for (const p of file.problems) report(p.range, ctx.messages.parser({ problem: p.message.replace(/^([A-Z]{2,})\b/, "`$1`") }));
        // BuildKit's parser refuses a file with no instruction (empty, or comments and blank lines only) in these words.
        if (file.instructions.length === 0) {
          const start = { line: 0, column: 0, offset: 0 };
          report({ start, end: start }, ctx.messages.parser({ problem: "file with no instructions" }));
        }
      },
    };
  },
});

/**
 * The instruction's `--flags`. Only FROM, RUN, COPY, ADD and HEALTHCHECK
 * have them split off by the parser; BuildKit reads leading `--words` as
 * flags for every instruction, so for the others they are taken from the
 * arguments. A bare `--` ends the flags.
 */
function flagsOf(ins: Instruction): Flag[] {
  if (FLAGS_BY_KEYWORD.has(ins.keyword)) {
    const end = ins.flags.findIndex((f) => f.name === "");
    return end === -1 ? ins.flags : ins.flags.slice(0, end);
  }
  if (ins.json) return [];
  const out: Flag[] = [];
  for (const w of ins.args) {
    if (!w.value.startsWith("--") || w.value === "--") break;
    out.push(wordAsFlag(w));
  }
  return out;
}

function wordAsFlag(w: Word): Flag {
  const body = w.value.slice(2);
  const eq = body.indexOf("=");
  return { name: eq === -1 ? body : body.slice(0, eq), value: eq === -1 ? null : body.slice(eq + 1), range: w.range };
}

function firstWord(ins: Instruction): string | undefined {
  return ins.args.find((w) => !w.value.startsWith("--"))?.value;
}

/** Argument words after any leading `--flags` (which other checks report). */
function plainArgs(ins: Instruction): string[] {
  const words = ins.args.map((w) => w.value);
  if (FLAGS_BY_KEYWORD.has(ins.keyword) || ins.json) return words;
  let i = 0;
  while (i < words.length && words[i].startsWith("--") && words[i] !== "--") i++;
  return words.slice(i);
}

/** The problem BuildKit reports about the instruction's arguments, if any (the words are read only where a check needs them: not for RUN). */
function argumentProblem(ins: Instruction, escape: string): string | null {
  const k = ins.keyword;
  switch (k) {
    case "FROM": {
      const args = plainArgs(ins);
      if (args.length === 3 && args[1].toUpperCase() === "AS") {
        if (!STAGE_NAME.test(args[2].toLowerCase())) return `invalid stage name "${args[2]}": it must start with a letter and hold only letters, digits, -, _ and .`;
        return null;
      }
      return args.length === 1 ? null : "FROM takes an image and optionally `AS <name>`";
    }
    case "COPY":
    case "ADD": {
      const words = ins.json ?? plainArgs(ins);
      if (words.length < 2) return `${k} needs at least one source and a destination`;
      if (/^<<-?["']?[A-Za-z_]/.test(words[words.length - 1]) && ins.heredocs.length > 0) return `${k} cannot take a heredoc as its destination`;
      return null;
    }
    case "ENV":
    case "LABEL":
      return keyValueProblem(k, buildkitWords(ins.argText, escape));
    case "ARG": {
      const words = buildkitWords(ins.argText, escape);
      if (words.length === 0) return "ARG needs a name";
      if (words.some((a) => a.startsWith("="))) return "ARG names cannot be blank";
      return null;
    }
    case "WORKDIR":
    case "USER":
    case "STOPSIGNAL":
    case "MAINTAINER":
      return ins.argText.trim() === "" ? `${k} needs exactly one argument` : null;
    case "EXPOSE": {
      const words = ins.json ?? plainArgs(ins);
      if (words.length === 0) return "EXPOSE needs at least one argument";
      // BuildKit's port parser: [ip:][host port:]container port[/protocol], a port or a range. Variables are expanded at build time.
      for (const w of words) {
        if (w.includes("$")) continue;
        const port = w.split("/")[0].split(":").pop() ?? "";
        if (!/^\d+(-\d+)?$/.test(port)) return `invalid containerPort: ${port}`;
      }
      return null;
    }
    case "VOLUME":
    case "ONBUILD":
      return (ins.json ? ins.json.length === 0 : plainArgs(ins).length === 0) ? `${k} needs at least one argument` : null;
    case "SHELL":
      if (!ins.json) return ins.argText.trim() === "" ? "SHELL needs at least one argument" : 'SHELL takes the JSON form only (`SHELL ["/bin/sh", "-c"]`)';
      return ins.json.length === 0 ? "SHELL needs at least one argument" : null;
    case "HEALTHCHECK":
      return healthcheckProblem(plainArgs(ins));
    default:
      return null;
  }
}

/**
 * What BuildKit says of a HEALTHCHECK duration (Go's time.ParseDuration,
 * then a minimum of 1ms for a non-zero value), or null when it takes it.
 */
function durationProblem(value: string, flag: string): string | null {
  const quoted = JSON.stringify(value);
  const body = value.replace(/^[+-]/, "");
  if (body === "0") return null;
  if (body === "") return `time: invalid duration ${quoted}`;
  let nanos = 0;
  for (let at = 0; at < body.length; ) {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(body.slice(at));
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) return `time: invalid duration ${quoted}`;
    if (m[3] === "") return `time: missing unit in duration ${quoted}`;
    const unit = UNITS.get(m[3]);
    if (unit === undefined) return `time: unknown unit ${JSON.stringify(m[3])} in duration ${quoted}`;
    nanos += Number(`${m[1] || "0"}.${m[2] ?? ""}0`) * unit;
    at += m[0].length;
  }
  if (value.startsWith("-") && nanos > 0) nanos = -nanos;
  if (nanos !== 0 && nanos < 1e6) return `Interval ${JSON.stringify(flag)} cannot be less than 1ms`;
  return null;
}

const UNITS: ReadonlyMap<string, number> = new Map([["ns", 1], ["us", 1e3], ["\u00b5s", 1e3], ["\u03bcs", 1e3], ["ms", 1e6], ["s", 1e9], ["m", 60e9], ["h", 3600e9]]);

/**
 * BuildKit's word split for ENV and LABEL: blanks end a word outside quotes,
 * quotes stay in the word, the escape character keeps the next character
 * (inside double quotes too, never inside single quotes).
 */
function buildkitWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === escape && quote !== "'" && i + 1 < text.length) {
        word += c + text[++i];
        continue;
      }
      word += c;
      if (c === quote) quote = "";
      continue;
    }
    if (isSpace(c.charCodeAt(0))) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '"' || c === "'") {
      quote = c;
      word += c;
    } else if (c === escape) {
      if (i + 1 < text.length) word += c + text[++i];
    } else word += c;
  }
  if (inWord) words.push(word);
  return words;
}

/** `/\s/.test(c)` for one UTF-16 code unit, without a regex: this runs for every character of every ENV, LABEL and ARG. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function keyValueProblem(keyword: string, args: string[]): string | null {
  if (args.length === 0) return `${keyword} needs at least one name=value pair`;
  if (!args[0].includes("=")) return args.length < 2 ? `${keyword} ${args[0]} has no value: write \`${keyword} ${args[0]}=<value>\`` : null;
  const bare = args.find((a) => !a.includes("="));
  if (bare) return `"${bare}" in ${keyword} has no "=": every word must be name=value`;
  if (args.some((a) => a.startsWith("="))) return `${keyword} names cannot be blank`;
  return null;
}

function healthcheckProblem(args: string[]): string | null {
  if (args.length === 0) return "HEALTHCHECK needs CMD <command> or NONE";
  const type = args[0].toUpperCase();
  if (type === "NONE") return args.length > 1 ? "HEALTHCHECK NONE takes no arguments" : null;
  if (type !== "CMD") return `unknown HEALTHCHECK type "${args[0]}" (CMD or NONE)`;
  return args.length < 2 ? "HEALTHCHECK CMD needs a command" : null;
}

/** The known keyword closest to a misspelt one, when it is close enough to be a typo. */
function suggestion(keyword: string): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of KNOWN_KEYWORDS) {
    const d = distance(keyword.toUpperCase(), k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : null;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
