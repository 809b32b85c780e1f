/**
 * A function of an array, computed once per array and again only when the
 * array's elements change. Lists such as the rule list or a rule's options
 * are the same array for every file of a run, so work derived from them is
 * done once; comparing the elements as well as the array notices a list
 * changed in place. Keyed weakly on the array, so nothing outlives it.
 */
export function perList<T, V>(compute: (list: readonly T[]) => V): (list: readonly T[]) => V {
  const cache = new WeakMap<readonly T[], { items: T[]; value: V }>();
  return (list) => {
    const known = cache.get(list);
    if (known && sameItems(known.items, list)) return known.value;
    const value = compute(list);
    cache.set(list, { items: [...list], value });
    return value;
  };
}

/** Whether two arrays hold the same elements (by identity) in the same order. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
