import { UsageError } from "./errors.js";

/** The text of a Dockerfile plus what must be restored when it is written back. */
export interface SourceText {
  /** The text without a UTF-8 BOM; line endings are kept exactly. */
  text: string;
  /** Whether the bytes began with a UTF-8 BOM (written back by fixes). */
  bom: boolean;
  /** The file's dominant line ending, used for text that fixes insert. */
  eol: "\n" | "\r\n";
  /** Whether invalid UTF-8 sequences were replaced with U+FFFD. */
  replacedInvalidUtf8: boolean;
}

const BOM = "\uFEFF";
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Bytes to text. NUL bytes mean the file is binary: no Dockerfile has one,
 * and linting it would only produce noise. Invalid UTF-8 is linted with
 * replacement characters (the parser sees the same instructions) and
 * reported through `replacedInvalidUtf8`, so a stray Latin-1 byte in a
 * comment does not block a commit.
 */
export function decode(bytes: Uint8Array, path = "<input>"): SourceText {
  if (bytes.includes(0)) {
    throw new UsageError("binary file (contains NUL bytes), not a Dockerfile", path);
  }
  let replacedInvalidUtf8 = false;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = utf8.decode(bytes);
    replacedInvalidUtf8 = true;
  }
  return fromString(text, replacedInvalidUtf8);
}

/** Text that is already a string (stdin in an editor, the library API). */
export function fromString(raw: string, replacedInvalidUtf8 = false): SourceText {
  const bom = raw.startsWith(BOM);
  const text = bom ? raw.slice(1) : raw;
  return { text, bom, eol: dominantEol(text), replacedInvalidUtf8 };
}

/** Turns fixed text back into the bytes' string form: the BOM returns. */
export function encode(source: SourceText, text: string): string {
  return source.bom ? BOM + text : text;
}

function dominantEol(text: string): "\n" | "\r\n" {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
    else lf++;
  }
  return crlf > lf ? "\r\n" : "\n";
}
