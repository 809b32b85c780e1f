import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { writeFileAtomic } from "../fix/write.js";

/**
 * Writes a report file atomically, creating its directory: a CI step that
 * uploads the report never sees half of it, and a failed run leaves the
 * previous report intact.
 */
export function writeReport(path: string, data: string): void {
  const target = resolve(path);
  mkdirSync(dirname(target), { recursive: true });
  if (existsSync(target)) {
    writeFileAtomic(target, data);
    return;
  }
  const tmp = join(dirname(target), `.${basename(target)}.layerlint-${process.pid}-${Date.now()}.tmp`);
  const fd = openSync(tmp, "wx", 0o666);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, target);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}
