// Shapes of parsed JSON values, checked the same way by every parser and options check.

/** True for an object that is neither `null` nor an array (what JSON calls an object). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
