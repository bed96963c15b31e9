/**
 * A message's properties as remoting carries them: `key U+0001 value U+0002` per entry, every
 * entry terminated. The broker's parser drops empty keys and values and cannot carry the two
 * separators, and stores the whole string's length as a signed 16-bit number.
 */
const NAME_VALUE = '\u0001';
const ENTRY = '\u0002';

/** Largest properties string a broker stores (its length is written as an int16). */
export const MAX_PROPERTIES_BYTES = 32_767;

export function encodeProperties(properties: Readonly<Record<string, string>>): string {
  let out = '';
  for (const key in properties) out += key + NAME_VALUE + properties[key] + ENTRY;
  return out;
}

export function decodeProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of text.split(ENTRY)) {
    const at = entry.indexOf(NAME_VALUE);
    if (at > 0 && at < entry.length - 1) out[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return out;
}

/** What the broker's parser could not carry, as issue texts (empty when the properties are fine). */
export function propertyIssues(properties: Readonly<Record<string, string>>): string[] {
  const issues: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    if (
      key.includes(NAME_VALUE) ||
      key.includes(ENTRY) ||
      value.includes(NAME_VALUE) ||
      value.includes(ENTRY)
    ) {
      issues.push(
        `property ${JSON.stringify(key)} contains U+0001 or U+0002, which remoting uses as separators`,
      );
    }
    if (value === '') issues.push(`property ${JSON.stringify(key)} is empty, which remoting drops`);
  }
  return issues;
}
