/**
 * Dockerfile variable substitution (`$X`, `${X}`, `${X:-d}`, `${X-d}`,
 * `${X:+a}`, `${X+a}`) in one linear scan. dockerfile-ast's own resolver is
 * quadratic in file size, so it is never used.
 */
export function expand(word: string, lookup: (name: string) => string | undefined, escape = "\\"): string {
  if (!word.includes("$")) return word;
  let out = "";
  let i = 0;
  while (i < word.length) {
    const c = word[i];
    if (c === escape && word[i + 1] === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    if (word[i + 1] === "{") {
      const close = word.indexOf("}", i + 2);
      if (close === -1) {
        out += word.slice(i);
        break;
      }
      out += expandBraced(word.slice(i + 2, close), lookup);
      i = close + 1;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(i + 1, i + 65));
    if (!m) {
      out += c;
      i++;
      continue;
    }
    out += lookup(m[0]) ?? "";
    i += 1 + m[0].length;
  }
  return out;
}

function expandBraced(inner: string, lookup: (name: string) => string | undefined): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(:?[-+])?([\s\S]*)$/.exec(inner);
  if (!m) return "";
  const value = lookup(m[1]);
  switch (m[2]) {
    case ":-":
      return value ? value : m[3];
    case "-":
      return value !== undefined ? value : m[3];
    case ":+":
      return value ? m[3] : "";
    case "+":
      return value !== undefined ? m[3] : "";
    default:
      return value ?? "";
  }
}

/** Names a text refers to with `$X` or `${X...}`. */
export function referencedVariables(text: string): Set<string> {
  const names = new Set<string>();
  const re = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g;
  for (let m = re.exec(text); m; m = re.exec(text)) names.add(m[1] ?? m[2]);
  return names;
}
