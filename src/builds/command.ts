import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

/**
 * The one reader of `docker build` / `docker buildx build` / `podman build`
 * command lines, shared by every shell-like source (workflow `run:` lines,
 * GitLab `script:`, Makefile recipes, shell scripts). It follows `cd`,
 * `pushd`, `export` and plain assignments, so that `cd web && docker build
 * -f ../docker/Dockerfile .` is understood; it never runs anything.
 */

/** A build found in a script. Paths are absolute; `unknown` says why one could not be resolved. */
export interface CommandBuild {
  dockerfile: string | null;
  context: string | null;
  target?: string;
  args: Record<string, string>;
  unknown?: string;
  /** 0-based index of the script line the command starts on. */
  line: number;
}

export interface ScriptStart {
  /** Where the script starts; null when that cannot be known. */
  cwd: string | null;
  /** Variables known before the script starts (CI `env:`, Makefile variables already expanded). */
  vars?: Readonly<Record<string, string>>;
}

/** A word after quote removal and expansion; `unresolved` names what could not be expanded. */
interface ShellWord {
  text: string;
  unresolved: string | null;
}

interface SimpleCommand {
  words: ShellWord[];
  line: number;
}

export function buildsInScript(script: string, start: ScriptStart): CommandBuild[] {
  const vars = new Map(Object.entries(start.vars ?? {}));
  let cwd = start.cwd;
  const out: CommandBuild[] = [];
  for (const cmd of commandsOf(script, vars)) {
    let words = cmd.words;
    // Assignments before a command apply to it only; alone, they set shell variables.
    let i = 0;
    while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i].text)) i++;
    if (i === words.length) {
      for (const w of words) assign(vars, w);
      continue;
    }
    words = words.slice(i);
    while (words.length > 0 && (words[0].text === "sudo" || words[0].text === "exec" || words[0].text === "time" || words[0].text === "command")) words = words.slice(1);
    const name = words[0]?.text;
    if (name === "export" || name === "readonly" || name === "local" || name === "declare") {
      for (const w of words.slice(1)) assign(vars, w);
    } else if (name === "cd" || name === "pushd") {
      const dir = words[1];
      if (!dir || dir.unresolved || dir.text === "-" || dir.text.startsWith("~")) cwd = null;
      else if (isAbsolute(dir.text)) cwd = dir.text;
      else if (cwd !== null) cwd = resolve(cwd, dir.text);
    } else if (name === "popd") {
      cwd = null;
    } else {
      const build = parseBuildCommand(words, cwd);
      if (build) out.push({ ...build, line: cmd.line });
    }
  }
  return out;
}

function assign(vars: Map<string, string>, w: ShellWord): void {
  const eq = w.text.indexOf("=");
  if (eq <= 0) return;
  const name = w.text.slice(0, eq);
  // An assignment that could not be expanded makes the variable unknown, not empty.
  if (w.unresolved) vars.delete(name);
  else vars.set(name, w.text.slice(eq + 1));
}

const BUILDERS: readonly (readonly string[])[] = [
  ["docker", "build"],
  ["docker", "buildx", "build"],
  ["docker", "buildx", "b"],
  ["docker", "image", "build"],
  ["docker", "builder", "build"],
  ["podman", "build"],
  ["podman", "buildx", "build"],
  ["buildah", "bud"],
  ["buildah", "build"],
];

/** Options of docker/podman build that take a value: the rest are flags, so the context argument can be told apart. */
const VALUE_OPTIONS = new Set([
  "-f", "--file", "-t", "--tag", "--target", "--build-arg", "-o", "--output", "--platform", "--progress", "--cache-from", "--cache-to",
  "--secret", "--ssh", "--label", "--network", "--add-host", "--allow", "--annotation", "--attest", "--build-context", "--builder",
  "--call", "--cgroup-parent", "--iidfile", "--metadata-file", "--provenance", "--sbom", "--shm-size", "--ulimit", "-m", "--memory",
  "--memory-swap", "--cpu-shares", "-c", "--cpu-period", "--cpu-quota", "--cpuset-cpus", "--cpuset-mems", "--isolation",
  "--security-opt", "--policy", "--arch", "--os", "--variant", "--authfile", "--creds", "--format", "--jobs", "--layers", "-v",
  "--volume", "--env", "--runtime", "--userns", "--manifest", "--cert-dir", "--decryption-key", "--sign-by", "--from",
  "--ignorefile", "--logfile", "--build-arg-file", "--timestamp", "--retry", "--retry-delay", "--hooks-dir", "--unsetenv",
  "--unsetlabel", "--cap-add", "--cap-drop", "--device", "--dns", "--dns-option", "--dns-search", "--isolation", "--pid", "--ipc",
  "--uts", "--cgroupns", "--pull", "--tls-verify", "--squash-all",
]);
const OPTION_VARIABLE = /^\$(?:\(make |\{)?[A-Za-z_]*(?:ARGS|FLAGS|OPTS|OPTIONS)[)}]?$/i;

/** Options whose value is optional in podman (`--pull`, `--layers`): they only take `--opt=value`. */
const INLINE_ONLY = new Set(["--pull", "--layers", "--tls-verify", "--squash-all"]);

/** Reads one simple command; null when it is not an image build. */
function parseBuildCommand(words: ShellWord[], cwd: string | null): Omit<CommandBuild, "line"> | null {
  const texts = words.map((w) => w.text);
  const prefix = BUILDERS.find((b) => b.every((part, i) => texts[i] === part));
  if (!prefix) return null;
  let file: ShellWord | null = null;
  let target: ShellWord | null = null;
  const args: Record<string, string> = {};
  const positional: ShellWord[] = [];
  let unknown: string | null = null;
  const note = (why: string | null): void => {
    unknown ??= why;
  };
  for (let i = prefix.length; i < words.length; i++) {
    const w = words[i];
    const t = w.text;
    if (!t.startsWith("-") || t === "-") {
      // `$(DOCKER_BUILD_ARGS)`, `$EXTRA_FLAGS`: by their names, options added to the command, not its context.
      if (!(w.unresolved && OPTION_VARIABLE.test(w.unresolved))) positional.push(w);
      continue;
    }
    const eq = t.startsWith("--") ? t.indexOf("=") : -1;
    let opt = eq > 0 ? t.slice(0, eq) : t;
    let value: ShellWord | null = eq > 0 ? { text: t.slice(eq + 1), unresolved: w.unresolved } : null;
    // `-fdocker/Dockerfile`, `-tname`: a short option with its value attached.
    if (value === null && /^-[a-zA-Z].+/.test(t) && VALUE_OPTIONS.has(t.slice(0, 2))) {
      opt = t.slice(0, 2);
      value = { text: t.slice(2), unresolved: w.unresolved };
    }
    if (!VALUE_OPTIONS.has(opt)) {
      if (w.unresolved && eq < 0) note(`option ${w.unresolved}`);
      continue;
    }
    if (value === null && !INLINE_ONLY.has(opt)) value = words[++i] ?? null;
    if (value === null) continue;
    if (opt === "-f" || opt === "--file") file = value;
    else if (opt === "--target") target = value;
    else if (opt === "--build-arg") {
      const e = value.text.indexOf("=");
      if (value.unresolved) note(`--build-arg ${value.unresolved}`);
      // `--build-arg NAME` takes the value from the environment of whoever runs the build.
      else if (e <= 0) note(`--build-arg ${value.text} (its value comes from the environment)`);
      else args[value.text.slice(0, e)] = value.text.slice(e + 1);
    } else if (opt === "--build-arg-file") note("--build-arg-file");
  }
  if (positional.length !== 1) note(positional.length === 0 ? "no context argument" : `several context arguments (${positional.map((p) => p.text).join(" ")})`);
  const ctx = positional[0];
  let context: string | null = null;
  if (ctx) {
    if (ctx.unresolved) note(ctx.unresolved);
    else if (ctx.text === "-") note("the context is standard input");
    else if (/^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(ctx.text)) note(`the context is remote (${ctx.text})`);
    else if (cwd === null) note("the directory the command runs in is not known");
    else context = resolve(cwd, ctx.text);
  }
  let dockerfile: string | null = null;
  if (file) {
    if (file.unresolved) note(file.unresolved);
    else if (file.text === "-") note("the Dockerfile is standard input");
    else if (cwd === null && !isAbsolute(file.text)) note("the directory the command runs in is not known");
    else dockerfile = resolve(cwd ?? "/", file.text);
  } else if (context) {
    dockerfile = join(context, "Dockerfile");
    if (prefix[0] !== "docker" && !existsSync(dockerfile) && existsSync(join(context, "Containerfile"))) dockerfile = join(context, "Containerfile");
  }
  if (target?.unresolved) note(`--target ${target.unresolved}`);
  return {
    dockerfile,
    context: unknown === null ? context : null,
    ...(target && !target.unresolved ? { target: target.text } : {}),
    args,
    ...(unknown !== null ? { unknown } : {}),
  };
}

/**
 * Splits a script into simple commands and their words: quotes removed,
 * `\` line continuations joined, comments dropped, `&&`, `||`, `;`, `|`, `&`
 * and new lines between commands. Variables known in `vars` are expanded
 * as each word is read; anything else (`$(...)`, backquotes, `${{ }}`, an
 * unknown variable) leaves the word marked unresolved.
 */
function commandsOf(script: string, vars: Map<string, string>): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let words: ShellWord[] = [];
  let word = "";
  let hasWord = false;
  let unresolved: string | null = null;
  let line = 0;
  let commandLine = 0;
  let quoted = false;
  const endWord = (): void => {
    // An unquoted expansion to nothing is no word at all (`docker build $(EMPTY) .` has one argument).
    if (hasWord && (word !== "" || quoted || unresolved !== null)) {
      if (words.length === 0) commandLine = line;
      words.push({ text: word, unresolved });
    }
    word = "";
    hasWord = false;
    quoted = false;
    unresolved = null;
  };
  const endCommand = (): void => {
    endWord();
    // Subshell and group characters around a command do not change what it runs.
    const cleaned = words.filter((w) => !/^[(){}]$/.test(w.text)).map((w) => ({ ...w, text: w.text.replace(/^\(+/, "") }));
    if (cleaned.length > 0 && !/^(if|then|else|fi|do|done|for|while|case|esac)$/.test(cleaned[0].text)) out.push({ words: cleaned, line: commandLine });
    else if (cleaned.length > 1 && /^(then|else|do)$/.test(cleaned[0].text)) out.push({ words: cleaned.slice(1), line: commandLine });
    words = [];
  };
  /** Reads `$...` at i; returns the index of its last character. */
  const dollar = (i: number): number => {
    hasWord = true;
    const next = script[i + 1];
    if (next === "{" && script[i + 2] === "{") {
      const end = script.indexOf("}}", i);
      const expr = end === -1 ? script.slice(i) : script.slice(i, end + 2);
      unresolved ??= expr.replace(/\s+/g, " ");
      return end === -1 ? script.length : end + 1;
    }
    if (next === "(") {
      let depth = 0;
      let j = i + 1;
      for (; j < script.length; j++) {
        if (script[j] === "(") depth++;
        else if (script[j] === ")" && --depth === 0) break;
      }
      unresolved ??= script.slice(i, j + 1);
      return j;
    }
    if (next === "{") {
      const end = script.indexOf("}", i);
      if (end === -1) return script.length;
      const body = script.slice(i + 2, end);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])(.*))?$/s.exec(body);
      const value = m ? vars.get(m[1]) : undefined;
      if (m && value !== undefined && !(m[2]?.startsWith(":") && value === "")) word += value;
      else if (m && m[2] !== undefined && !/[$`]/.test(m[3])) word += m[3];
      else unresolved ??= "${" + body + "}";
      return end;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(script.slice(i + 1, i + 200));
    if (!m) {
      word += "$";
      return i;
    }
    const value = vars.get(m[0]);
    if (value !== undefined) word += value;
    else unresolved ??= "$" + m[0];
    return i + m[0].length;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (c === "\\") {
      if (script[i + 1] === "\n") line++;
      else {
        word += script[i + 1] ?? "";
        hasWord = true;
      }
      i++;
    } else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      const text = end === -1 ? script.slice(i + 1) : script.slice(i + 1, end);
      word += text;
      line += text.split("\n").length - 1;
      hasWord = true;
      quoted = true;
      i = end === -1 ? script.length : end;
    } else if (c === '"') {
      hasWord = true;
      quoted = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === "\\" && i + 1 < script.length) word += script[++i];
        else if (script[i] === "$") i = dollar(i);
        else if (script[i] === "`") {
          const end = script.indexOf("`", i + 1);
          unresolved ??= script.slice(i, end + 1);
          i = end === -1 ? script.length : end;
        } else {
          if (script[i] === "\n") line++;
          word += script[i];
        }
      }
    } else if (c === "$") {
      i = dollar(i);
    } else if (c === "`") {
      const end = script.indexOf("`", i + 1);
      unresolved ??= script.slice(i, end === -1 ? undefined : end + 1);
      hasWord = true;
      i = end === -1 ? script.length : end;
    } else if (c === "#" && !hasWord) {
      const nl = script.indexOf("\n", i);
      i = nl === -1 ? script.length : nl - 1;
    } else if (c === "\n" || c === ";" || c === "&" || c === "|") {
      endCommand();
      if (c === "\n") line++;
      while (script[i + 1] === "&" || script[i + 1] === "|") i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      endWord();
    } else {
      word += c;
      hasWord = true;
    }
  }
  endCommand();
  return out;
}
