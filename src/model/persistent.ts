/**
 * An immutable map from strings: `set` returns a new map that shares all but
 * a handful of nodes with the old one (a hash array mapped trie, 32-way).
 * Every step of a Dockerfile sees the ENV values and build args in scope at
 * that point; copying them at each step made a file of n ENV lines and n RUNs
 * cost n² time. With this map each step keeps its own version for the price
 * of one `set` (O(log n)), and reads a variable in O(log n) too.
 *
 * Iteration is in insertion order, as a Map's: a key set again keeps its
 * place, unless `set` is asked to move it to the end (a re-declared ARG is
 * the newest one, as BuildKit lists them).
 */
export class PersistentMap<V> implements Iterable<[string, V]> {
  private static readonly EMPTY = new PersistentMap<never>(null, 0, 0);

  private constructor(
    private readonly root: Node<V> | null,
    readonly size: number,
    /** The order number the next new key gets. */
    private readonly next: number,
  ) {}

  static empty<V>(): PersistentMap<V> {
    return PersistentMap.EMPTY as PersistentMap<V>;
  }

  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map = PersistentMap.empty<V>();
    for (const [k, v] of entries) map = map.set(k, v);
    return map;
  }

  get(key: string): V | undefined {
    return this.entry(key)?.value;
  }

  has(key: string): boolean {
    return this.entry(key) !== undefined;
  }

  set(key: string, value: V, moveToEnd = false): PersistentMap<V> {
    const hash = hashOf(key);
    const found = this.root ? find(this.root, key, hash, 0) : undefined;
    const old = found && !found.removed ? found : undefined;
    if (old && old.value === value && !moveToEnd) return this;
    const entry: Entry<V> = { key, value, order: old && !moveToEnd ? old.order : this.next, removed: false };
    const root = insert(this.root, entry, hash, 0);
    return new PersistentMap(root, old ? this.size : this.size + 1, this.next + 1);
  }

  /**
   * The map without `key`. The key's slot keeps a tombstone (one `set`'s
   * worth of nodes), so a removal costs what a `set` costs; a later `set`
   * of the key puts it at the end, as a new key.
   */
  delete(key: string): PersistentMap<V> {
    const hash = hashOf(key);
    const old = this.entry(key);
    if (old === undefined) return this;
    const root = insert(this.root, { key, value: old.value, order: old.order, removed: true }, hash, 0);
    return new PersistentMap(root, this.size - 1, this.next);
  }

  /** Keys in insertion order (materialised: O(n log n), for reports, not for per-step work). */
  keys(): string[] {
    return this.ordered().map((e) => e.key);
  }

  values(): V[] {
    return this.ordered().map((e) => e.value);
  }

  [Symbol.iterator](): Iterator<[string, V]> {
    const pairs = this.ordered().map((e): [string, V] => [e.key, e.value]);
    return pairs[Symbol.iterator]();
  }

  private entry(key: string): Entry<V> | undefined {
    const e = this.root ? find(this.root, key, hashOf(key), 0) : undefined;
    return e && !e.removed ? e : undefined;
  }

  private ordered(): Entry<V>[] {
    const out: Entry<V>[] = [];
    if (this.root) collect(this.root, out);
    return out.filter((e) => !e.removed).sort((a, b) => a.order - b.order);
  }
}

interface Entry<V> {
  readonly key: string;
  readonly value: V;
  readonly order: number;
  /** A tombstone left by `delete`. */
  readonly removed: boolean;
}

/** Keys whose hashes are equal in every bit the trie uses: a short list. */
interface Bucket<V> {
  readonly hash: number;
  readonly entries: readonly Entry<V>[];
}

interface Branch<V> {
  /** Bit i set when the slot for 5-bit chunk i holds a child. */
  readonly bitmap: number;
  readonly children: readonly Node<V>[];
}

type Node<V> = Bucket<V> | Branch<V>;

const BITS = 5;
const MASK = (1 << BITS) - 1;

function isBucket<V>(node: Node<V>): node is Bucket<V> {
  return "entries" in node;
}

/** FNV-1a over the UTF-16 code units. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function find<V>(node: Node<V>, key: string, hash: number, shift: number): Entry<V> | undefined {
  for (;;) {
    if (isBucket(node)) return node.hash === hash ? node.entries.find((e) => e.key === key) : undefined;
    const bit = 1 << ((hash >>> shift) & MASK);
    if ((node.bitmap & bit) === 0) return undefined;
    node = node.children[popcount(node.bitmap & (bit - 1))];
    shift += BITS;
  }
}

function insert<V>(node: Node<V> | null, entry: Entry<V>, hash: number, shift: number): Node<V> {
  if (node === null) return { hash, entries: [entry] };
  if (isBucket(node)) {
    if (node.hash === hash) {
      const at = node.entries.findIndex((e) => e.key === entry.key);
      const entries = at === -1 ? [...node.entries, entry] : node.entries.map((e, i) => (i === at ? entry : e));
      return { hash, entries };
    }
    // Two different hashes in one slot: the bucket moves one level down, under a branch.
    // (They differ in some 5-bit chunk, so this ends before the 32 bits run out.)
    return insert({ bitmap: 1 << ((node.hash >>> shift) & MASK), children: [node] }, entry, hash, shift);
  }
  const bit = 1 << ((hash >>> shift) & MASK);
  const at = popcount(node.bitmap & (bit - 1));
  const children = node.children.slice();
  if (node.bitmap & bit) children[at] = insert(children[at], entry, hash, shift + BITS);
  else children.splice(at, 0, { hash, entries: [entry] });
  return { bitmap: node.bitmap | bit, children };
}

function collect<V>(node: Node<V>, out: Entry<V>[]): void {
  if (isBucket(node)) out.push(...node.entries);
  else for (const c of node.children) collect(c, out);
}
