/** One simple command of a shell script, with where it starts in the script. */
export interface ShellCommand {
  text: string;
  start: number;
  /** The words, quotes removed (a rough split: enough to recognise commands). */
  words: string[];
}

/**
 * Splits a RUN script into simple commands at `&&`, `||`, `;`, `|`, `&`
 * and newlines outside quotes, so that `apt-get update && apt-get install`
 * is two commands. Subshell and brace characters are dropped from the
 * words' edges. This is a recogniser, not a shell: it never executes or
 * expands anything.
 */
export function splitCommands(script: string): ShellCommand[] {
  let commands = splitByScript.get(script);
  if (!commands) {
    if (splitByScript.size >= 1000) splitByScript.clear();
    splitByScript.set(script, (commands = split(script)));
  }
  return commands;
}

// Half a dozen readers (effects, installs, system commands, rules) split the
// same RUN script: it is split once. Callers treat the result as read-only.
// Bounded, since the scripts come from the files linted.
const splitByScript = new Map<string, ShellCommand[]>();

function split(script: string): ShellCommand[] {
  const out: ShellCommand[] = [];
  let quote = "";
  let start = 0;
  const push = (end: number): void => {
    const raw = script.slice(start, end);
    let lead = raw.length - raw.trimStart().length;
    let text = raw.trim();
    // `if x; then apt-get install y; fi`: the command is what follows the reserved word.
    const reserved = /^(?:(?:then|do|else)\s+)+/.exec(text);
    if (reserved) {
      lead += reserved[0].length;
      text = text.slice(reserved[0].length);
    }
    if (text) out.push({ text, start: start + lead, words: words(text) });
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    if (c === "#" && (i === 0 || /\s/.test(script[i - 1]))) {
      // A comment runs to the end of the line.
      push(i);
      const nl = script.indexOf("\n", i);
      i = nl === -1 ? script.length : nl;
      start = i + 1;
      continue;
    }
    if (c === "\n" || c === ";" || c === "|" || c === "&") {
      push(i);
      while (i + 1 < script.length && (script[i + 1] === "|" || script[i + 1] === "&")) i++;
      start = i + 1;
    }
  }
  push(script.length);
  return out;
}

function words(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote = "";
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out.map((w) => w.replace(/^[({]+|(?<![)}])[)}]+$/g, "")).filter((w) => w !== "");
}

/**
 * The words that name the program, past `sudo`, `env`, `VAR=value`
 * assignments, `time`, `exec`, `set -e`-style prefixes.
 */
export function commandWords(cmd: ShellCommand): string[] {
  const w = cmd.words;
  let i = 0;
  while (i < w.length) {
    // An assignment holds `=` after its name: most words are ruled out without the regex.
    if (w[i].indexOf("=") > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[i])) i++;
    else if (w[i] === "sudo" || w[i] === "exec" || w[i] === "time" || w[i] === "command" || w[i] === "then" || w[i] === "do" || w[i] === "else") i++;
    else if (w[i] === "env") {
      i++;
      while (i < w.length && (w[i].startsWith("-") || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[i]))) i++;
    } else break;
  }
  return w.slice(i);
}
