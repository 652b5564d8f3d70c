// The one options path of every public constructor: unknown keys refused at every level, each value checked once, one wording.

import type { CorsConfiguration } from './core/model.js';
import { describeRuleViolation, findRuleViolation, type RuleProfile } from './core/validate.js';
import { closestName } from './core/suggest.js';
import { isPlainObject } from './core/values.js';

/**
 * Checks one option's value and returns it (defaults applied where the check has one). Calls `fail`
 * with what was expected, e.g. `'be a positive number of milliseconds'`, when the value does not fit
 * (`quoteGiven: false` when the expectation already says what was given).
 */
export type OptionCheck<T> = (value: unknown, fail: (expected: string, quoteGiven?: boolean) => never) => T;

/**
 * One check per option of `O`, no more, no fewer: written with `satisfies OptionChecks<…Options>` so the
 * compiler holds the list of option names to the options interface.
 */
export type OptionChecks<O> = { readonly [K in keyof O]-?: OptionCheck<O[K]> };

/** The checked options: every key present, with the type its check returns. */
export type CheckedOptions<C> = { readonly [K in keyof C]: C[K] extends OptionCheck<infer T> ? T : never };

/** A short, safe description of a value for an error message: strings quoted (and cut), objects by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name !== 'string' || name === '' || name === 'Object') return 'an object';
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} instance`;
}

/** The TypeError of a failed check, in the one wording: `owner: \`path\` must <expected>, not <given>.` */
export function optionError(owner: string, path: string, expected: string, value: unknown, quoteGiven = true): TypeError {
  return new TypeError(`${owner}: \`${path}\` must ${expected}${quoteGiven ? `, not ${describeValue(value)}` : ''}.`);
}


/**
 * Checks `given` (an options object, or `undefined` for none) against `checks`: refuses keys not in
 * `checks` (with a "did you mean" hint) and runs each check once. `path` prefixes nested option names
 * (`cache.` in `bucketCors: cache.ttlMs`).
 * @throws TypeError naming `owner` and the option, quoting what was given.
 */
export function readOptions<C extends Record<string, OptionCheck<unknown>>>(owner: string, given: unknown, checks: C, path = ''): CheckedOptions<C> {
  const where = path === '' ? 'options' : path.slice(0, -1);
  if (given === undefined) given = {};
  if (!isPlainObject(given)) throw new TypeError(`${owner}: ${path === '' ? 'pass an options object' : `\`${where}\` must be an object`}, not ${describeValue(given)}.`);
  const names = Object.keys(checks);
  for (const key of Object.keys(given)) {
    if (Object.hasOwn(checks, key)) continue;
    const hint = closestName(key, names);
    throw new TypeError(
      `${owner}: unknown option \`${path}${key}\`${hint === undefined ? '' : ` (did you mean \`${path}${hint}\`?)`}; the options${path === '' ? '' : ` of \`${where}\``} are ${names.map((name) => `\`${name}\``).join(', ')}.`,
    );
  }
  const checked: Record<string, unknown> = {};
  for (const name of names) {
    const value = given[name];
    checked[name] = checks[name]!(value, (expected, quoteGiven) => {
      throw optionError(owner, `${path}${name}`, expected, value, quoteGiven);
    });
  }
  return checked as CheckedOptions<C>;
}

/** A nested options object checked by `checks` (e.g. `cache` of `bucketCors`); `undefined` stays `undefined`. */
export function nestedOptions<C extends Record<string, OptionCheck<unknown>>>(owner: string, name: string, checks: C): OptionCheck<CheckedOptions<C> | undefined> {
  return (value) => (value === undefined ? undefined : readOptions(owner, value, checks, `${name}.`));
}

/** A function, or `undefined` when left out; `signature` says what it is called with, for the message. */
export function optionalFunction<F extends (...args: never[]) => unknown>(signature: string): OptionCheck<F | undefined> {
  return (value, fail) => {
    if (value !== undefined && typeof value !== 'function') fail(`be a function ${signature}, or be left out`);
    return value as F | undefined;
  };
}

/**
 * A CORS configuration valid for `profile` (a dialect's), or `undefined` when left out; the message
 * names the first violation in validation's words.
 */
export function validConfiguration(profile: RuleProfile, dialect: string): OptionCheck<CorsConfiguration | undefined> {
  return (value, fail) => {
    if (value === undefined) return undefined;
    const violation = findRuleViolation(value, profile);
    if (violation !== undefined) fail(`be a valid CORS configuration for the ${dialect} dialect: ${describeRuleViolation(violation)}`);
    return value as CorsConfiguration;
  };
}

/** One of `allowed`, or `fallback` when left out. */
export function oneOf<const T extends string>(allowed: readonly T[], fallback: NoInfer<T>): OptionCheck<T> {
  return (value, fail) => {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) fail(`be ${allowed.map((item) => `'${item}'`).join(' or ')} (default '${fallback}')`);
    return value as T;
  };
}

/** `true` or `false`, or `fallback` when left out. */
export function flag(fallback: boolean): OptionCheck<boolean> {
  return (value, fail) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') fail(`be true or false (default ${fallback})`);
    return value as boolean;
  };
}

/** A whole number `>= min`, or `fallback` when left out. */
export function wholeNumber(min: number, fallback: number, unit: string): OptionCheck<number> {
  return (value, fail) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) fail(`be a whole number of ${unit} >= ${min} (default ${fallback})`);
    return value as number;
  };
}

/** The longest delay `setTimeout` keeps (2³¹ − 1 ms, about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A duration in milliseconds: a positive number up to {@link MAX_TIMER_MS}, or `Infinity` when
 * `infinity` says what it means (e.g. `'for no expiry'`), or `fallback` when left out. Every
 * duration option goes through it, so none can wrap around to a timer of 1 ms.
 */
export function durationMs(fallback: number, infinity?: string): OptionCheck<number> {
  return (value, fail) => {
    if (value === undefined) return fallback;
    const orInfinity = infinity === undefined ? '' : `, or Infinity ${infinity}`;
    if (typeof value !== 'number' || !(value > 0) || (infinity === undefined && value === Infinity))
      return fail(`be a positive number of milliseconds${infinity === undefined ? '' : ' or Infinity'} (default ${fallback})`);
    if (value > MAX_TIMER_MS && value !== Infinity) fail(`be at most ${MAX_TIMER_MS} milliseconds (about 24.8 days, the longest a Node.js timer waits)${orInfinity}`);
    return value;
  };
}

/** True when `value` is an object with a method of each of `names` (how options are checked structurally). */
export function hasMethods(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
}

/**
 * The `owner(options)` factories are meant to be called; `app.use(owner)` hands them Express's
 * `(req, res, next)` instead. Throws a TypeError that says what to write.
 */
export function refuseMiddlewareArguments(owner: string, args: ArrayLike<unknown>, example: string): void {
  const first = args[0];
  const third = args[2];
  if (typeof third === 'function' || (isPlainObject(first) && 'socket' in first && 'headers' in first && 'method' in first))
    throw new TypeError(`${owner} is a factory, not a middleware: call it and use what it returns, e.g. ${example}.`);
}

/** Where warnings and errors go; `console` fits. */
export interface Logger {
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** The `logger` option of every constructor: a {@link Logger}, or `console` when left out. */
export const loggerOption: OptionCheck<Logger> = (value, fail) => {
  if (value === undefined) return console;
  if (!isLogger(value)) fail('have warn() and error() methods (console fits), or be left out');
  return value as Logger;
};

/** True when `value` can serve as a {@link Logger}: an object with `warn()` and `error()` methods (`console` fits). */
export function isLogger(value: unknown): value is Logger {
  return hasMethods(value, ['warn', 'error']);
}
