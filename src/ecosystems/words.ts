/** Small helpers to read a command's words without a full option parser per tool. */

/** The value of `--name value`, `--name=value` or `-n value`, or undefined. */
export function optionValue(words: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    for (const n of names) {
      if (w === n && i + 1 < words.length) return words[i + 1];
      if (n.startsWith("--") && w.startsWith(n + "=")) return w.slice(n.length + 1);
    }
  }
  return undefined;
}

export function hasFlag(words: readonly string[], names: readonly string[]): boolean {
  return words.some((w) => names.includes(w) || names.some((n) => n.startsWith("--") && w.startsWith(n + "=")));
}

/**
 * The words that are neither flags nor the values of the listed
 * value-taking flags.
 */
export function positionals(words: readonly string[], valueFlags: readonly string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === "--") {
      out.push(...words.slice(i + 1));
      break;
    }
    if (w.startsWith("-")) {
      if (valueFlags.includes(w)) i++;
      continue;
    }
    out.push(w);
  }
  return out;
}

/** `a/b/c.txt` → `a/b`, `c.txt` → `` (POSIX, no normalisation beyond that). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i === -1 ? "" : path.slice(0, i);
}

export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The words with flags in `drop` (and the values of those in `dropWithValue`) removed, and `add` appended. */
export function rewriteCommand(words: readonly string[], keepUntil: number, replace: readonly string[], options: { drop?: readonly string[] } = {}): string {
  const head = words.slice(0, keepUntil);
  const flags = words.slice(keepUntil).filter((w) => w.startsWith("-") && !(options.drop ?? []).includes(w));
  return [...head, ...replace, ...flags].map(shellQuote).join(" ");
}

/** Quotes a word for a POSIX shell only when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
