import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { relativeUnder, resolveIn } from "../src/model/paths.js";

// Segments that exercise every branch: plain names, dots, empty segments, hidden files.
const segment = fc.constantFrom("app", "src", "a", ".", "..", "", ".env", "..x", "x..", "node_modules", "~", "a b");
const relPath = fc.array(segment, { maxLength: 5 }).map((s) => s.join("/"));
const anyPath = fc.tuple(fc.boolean(), relPath, fc.boolean()).map(([abs, p, slash]) => (abs ? "/" : "") + p + (slash ? "/" : ""));
// A directory as the model holds one: absolute and normalised.
const dir = relPath.map((p) => posix.resolve("/", p));

describe("model paths: the fast stand-ins for node:path", () => {
  it("resolveIn(dir, path) equals posix.resolve(dir, path)", () => {
    fc.assert(fc.property(dir, anyPath, (d, p) => {
        expect(resolveIn(d, p)).toBe(posix.resolve(d, p));
      }), { numRuns: 5000 });
  });

  it("relativeUnder(dir, path) equals posix.relative for a path at or below dir, and is null otherwise", () => {
    fc.assert(
      fc.property(dir, dir, (d, p) => {
        const rel = posix.relative(d, p);
        expect(relativeUnder(d, p)).toBe(rel.startsWith("..") ? null : rel);
      }),
      { numRuns: 5000 },
    );
    expect(relativeUnder("/app", "/app/..x")).toBeNull();
    expect(relativeUnder("/app", "/application")).toBeNull();
    expect(relativeUnder("/", "/x")).toBe("x");
  });
});
