import { fstatSync, statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";

// Writing the report with one system call instead of through process.stdout
// saves building Node's stream machinery (a few milliseconds of every run).
// Windows pipes are asynchronous in Node, so the stream keeps the order there.
let viaStream = process.platform === "win32";

/** Writes to standard output; falls back to process.stdout on any error (EAGAIN, EPIPE) so behaviour stays Node's. */
export function writeStdout(text: string): void {
  if (text === "") return;
  if (viaStream) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text, "utf8");
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written, bytes.length - written);
  } catch {
    viaStream = true;
    process.stdout.write(bytes.subarray(written));
  }
}

/**
 * Whether standard output is a terminal, as process.stdout.isTTY says, but
 * without creating process.stdout. node:tty (which loads the network and
 * stream modules) is needed only when the descriptor is a character device:
 * pipes, files and /dev/null, where hooks and CI write, are answered by
 * fstat alone.
 */
export function stdoutIsTTY(): boolean {
  if (viaStream) return Boolean(process.stdout.isTTY);
  try {
    const out = fstatSync(1);
    if (!out.isCharacterDevice()) return false;
    // /dev/null, where hooks and scripts often send output, is a character device too.
    if (process.platform !== "win32" && out.rdev === statSync("/dev/null").rdev) return false;
  } catch {
    return false;
  }
  const { isatty } = createRequire(import.meta.url)("node:tty") as typeof import("node:tty");
  return isatty(1);
}
