// Shapes of parsed JSON values, checked the same way by every parser and options check, and JSON written fast for the values rules hold.

/** True for an object that is neither `null` nor an array (what JSON calls an object). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `JSON.stringify` would escape a character of `text` (a control character, `"`, `\`, a surrogate, which it escapes when alone). */
function needsEscaping(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return true;
  }
  return false;
}

/**
 * `JSON.stringify(value)`, written directly for what rules hold (a string with nothing to escape, a
 * list of them, a finite number): each `JSON.stringify` call costs about 2,000 instructions of
 * set-up, more than scanning the characters, and a cold lookup made a dozen. Anything else is left to it.
 */
export function jsonOf(value: unknown): string {
  if (typeof value === 'string') return needsEscaping(value) ? JSON.stringify(value) : `"${value}"`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (!Array.isArray(value) || (value as { toJSON?: unknown }).toJSON !== undefined) return JSON.stringify(value);
  let json = '[';
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string' || needsEscaping(item)) return JSON.stringify(value);
    json += i === 0 ? `"${item}"` : `,"${item}"`;
  }
  return `${json}]`;
}
