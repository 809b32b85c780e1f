import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PersistentMap } from "../src/model/persistent.js";

/** The same operations on a Map, whose order rules PersistentMap follows (moveToEnd: delete, then set). */
function modelSet(map: Map<string, number>, key: string, value: number, moveToEnd: boolean): void {
  if (moveToEnd) map.delete(key);
  map.set(key, value);
}

describe("PersistentMap", () => {
  it("behaves as a Map, and every earlier version stays as it was", () => {
    const key = fc.oneof(fc.constantFrom("A", "B", "PATH", "HOME", "__proto__", "constructor", ""), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.integer(), fc.boolean()), { maxLength: 200 }), (ops) => {
        let map = PersistentMap.empty<number>();
        const ref = new Map<string, number>();
        const versions: [PersistentMap<number>, [string, number][]][] = [];
        for (const [k, v, moveToEnd] of ops) {
          map = map.set(k, v, moveToEnd);
          modelSet(ref, k, v, moveToEnd);
          versions.push([map, [...ref]]);
          expect(map.get(k)).toBe(v);
          expect(map.has(k)).toBe(true);
        }
        for (const [version, entries] of versions) {
          expect([...version]).toEqual(entries);
          expect(version.size).toBe(entries.length);
          expect(version.keys()).toEqual(entries.map((e) => e[0]));
          for (const [k, v] of entries) expect(version.get(k)).toBe(v);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("holds thousands of keys, colliding chunks included, and branches share the past", () => {
    let map = PersistentMap.empty<number>();
    for (let i = 0; i < 5000; i++) map = map.set(`V${i}`, i);
    const left = map.set("V0", -1);
    const right = map.set("NEW", 1);
    expect(map.get("V0")).toBe(0);
    expect(left.get("V0")).toBe(-1);
    expect(left.has("NEW")).toBe(false);
    expect(right.get("NEW")).toBe(1);
    expect(right.size).toBe(5001);
    for (let i = 0; i < 5000; i += 97) expect(right.get(`V${i}`)).toBe(i);
    expect(map.get("V5000")).toBeUndefined();
    expect(map.set("V1", 1)).toBe(map);
    expect(PersistentMap.from([["a", 1], ["b", 2]]).keys()).toEqual(["a", "b"]);
  });
});
