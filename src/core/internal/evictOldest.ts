/**
 * Drops the oldest entries down to 90 % of `max` in one pass. Evicting one entry per insert would
 * walk the Map's deleted slots from its start on every call.
 */
export function evictOldest<K, V>(map: Map<K, V>, max: number): void {
  let excess = map.size - Math.floor(max * 0.9);
  for (const key of map.keys()) {
    if (excess-- <= 0) break;
    map.delete(key);
  }
}
