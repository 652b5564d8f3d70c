// What every dialect's configuration formats provide (read, write, recognise), and the JSON field readers they share.

import type { RuleSelection } from '../core/selection.js';
import type { CorsConfiguration, CorsMethod, CorsRule } from '../core/model.js';
import { describeRuleViolation, findRuleViolation, STORED_RULES_PROFILE, type RuleProfile } from '../core/validate.js';
import { WILDCARD } from '../core/wildcard.js';
import { isPlainObject } from '../core/values.js';
import { ruleLabel } from '../core/wording.js';

/**
 * Why a conversion is not exact, one code per kind of loss (express-bucket-cors/docs/behaviour.md §23.3). Stable, meant
 * for machines; `strict` conversions refuse on any of them.
 */
export type ConversionWarningCode =
  /** The target has no rule IDs (GCS, Azure, MediaStore). */
  | 'id-dropped'
  /** A rule's ID is not a valid name in the target (B2's `corsRuleName`): a generated one is written. */
  | 'id-renamed'
  /** The target has one header list where S3 has AllowedHeaders and ExposeHeaders (GCS `responseHeader`). */
  | 'headers-merged'
  /** A method the other side has no form for (Azure MERGE, a GCS PATCH, POST for MediaStore …): dropped. */
  | 'method-dropped'
  /** A method wildcard (GCS `"*"`) written out as the methods S3 knows. */
  | 'method-wildcard-expanded'
  /** A B2 operation of B2's native API, which no S3 method stands for: dropped. */
  | 'operation-dropped'
  /** An origin the other side cannot express (a subdomain wildcard for Azure or GCS): dropped. */
  | 'origin-dropped'
  /** An allowed header the other side cannot express (a pattern other than a prefix): dropped. */
  | 'header-dropped'
  /** An exposed header the other side cannot express (a pattern, which S3 ExposeHeaders refuse): dropped. */
  | 'expose-header-dropped'
  /** Nothing a rule allows survived the other losses: the rule is left out. */
  | 'rule-dropped'
  /** The target requires a max age and the rule had none: 0 written (preflights not cached). */
  | 'max-age-added'
  /** The max age is outside the target's range: the nearest allowed value written. */
  | 'max-age-clamped'
  /** For some request, the target's rule selection answers with another rule (or none) than S3's. */
  | 'selection-differs';

/** One loss of a conversion. */
export interface ConversionWarning {
  readonly code: ConversionWarningCode;
  /** 0-based index of the rule concerned, numbered as in `format`'s document; `null` for the whole configuration. */
  readonly rule: number | null;
  /** The format whose rules `rule` counts: the source format for losses on reading, the target's on writing. */
  readonly format: string;
  /** One line in English, rules numbered from 1. */
  readonly message: string;
}

/**
 * A document as the registry hands it to formats: parsed JSON (with the text it was parsed from, when
 * it came as text: an API's reader may hold it to its size limit), or XML with its root element's name.
 */
export type CorsDocument = { readonly syntax: 'json'; readonly value: unknown; readonly text?: string } | { readonly syntax: 'xml'; readonly root: string; readonly text: string };

/**
 * Thrown by a format for a document of the wrong shape, or for a configuration it cannot write within
 * its limits; `problems` lists each reason, `format` names the format, and `apiCode` the error code
 * the provider's API answers such a document with (S3's `MalformedJSON`, MediaStore's
 * `ValidationException`), when the format's reader is that API's own.
 */
export class FormatError extends Error {
  readonly format: string;
  readonly problems: readonly string[];
  readonly apiCode: string | undefined;

  constructor(format: string, problems: readonly string[], apiCode?: string) {
    super(`${format}: ${problems.join('; ')}`);
    this.name = 'FormatError';
    this.format = format;
    this.problems = problems;
    this.apiCode = apiCode;
  }
}

/** A configuration read from a document, or a document written from one, with what the conversion lost. */
export interface Converted<T> {
  readonly value: T;
  readonly warnings: readonly ConversionWarning[];
}

/** One file or API body format of a provider's CORS rules. */
export interface CorsFormat {
  /** The name `--from`, `--to` and `convert({ to })` take, e.g. `'gcs-json'`. */
  readonly name: string;
  /** Other names it answers to (e.g. `'xml'` for `s3-xml`). */
  readonly aliases?: readonly string[];
  readonly syntax: CorsDocument['syntax'];
  /** One line: what the format is and where it is used. */
  readonly description: string;
  /** The shape expected, for errors when a document fits no format, e.g. `[{"origin":[…],"method":[…],…}]`. */
  readonly shape: string;
  /** Whether `document` has this format's shape (its root element, or its top-level keys). Cheap; no validation. */
  recognizes(document: CorsDocument): boolean;
  /**
   * Whether a document no format recognises is a near miss of this one (a misspelt key), which its
   * reader then refuses naming the fix, rather than an error listing every shape. Default: never.
   */
  resembles?(document: CorsDocument): boolean;
  /** The document's rules as an S3 configuration; throws a {@link FormatError} naming the field for a malformed one. */
  read(document: CorsDocument): Converted<CorsConfiguration>;
  /** The configuration as a document of this format; throws a {@link FormatError} past the format's limits. */
  write(configuration: CorsConfiguration): Converted<string>;
}

/** What a dialect registers: its formats (the first is its default), its profile and how it picks a rule. */
export interface DialectFormats {
  /** Short name, e.g. `'gcs'`: `--format gcs` means its first format. */
  readonly name: string;
  /** The provider, for messages: `'Google Cloud Storage'`. */
  readonly title: string;
  /** The provider's limits and vocabulary (its own method names). */
  readonly profile: RuleProfile;
  /** How the provider picks the rule that answers a request (express-bucket-cors/docs/behaviour.md §23.4). */
  readonly selection: RuleSelection;
  readonly formats: readonly CorsFormat[];
}

/** Builds warnings of one format: `warn(code, rule, message)` prefixes the message with the rule's label. */
export function warningCollector(format: string): { readonly warnings: ConversionWarning[]; warn(code: ConversionWarningCode, rule: number | null, message: string): void } {
  const warnings: ConversionWarning[] = [];
  return {
    warnings,
    warn(code, rule, message) {
      warnings.push({ code, rule, format, message: rule === null ? message : `${ruleLabel(rule, undefined)}: ${message}` });
    },
  };
}

/** Reads the fields of JSON objects for one format, throwing {@link FormatError}s that say where and what was expected. */
export class JsonFields {
  constructor(readonly format: string) {}

  fail(where: string, expected: string): never {
    throw new FormatError(this.format, [`${where} must be ${expected}`]);
  }

  /** `value` as an object whose keys are all in `known`. */
  object(value: unknown, where: string, known: readonly string[]): Record<string, unknown> {
    if (!isPlainObject(value)) this.fail(where, 'an object');
    for (const key of Object.keys(value)) if (!known.includes(key)) this.fail(`${where}: ${JSON.stringify(key)}`, `one of ${known.join(', ')}`);
    return value;
  }

  /** `value` as a list (for a configuration's rules). */
  list(value: unknown, where: string): readonly unknown[] {
    if (!Array.isArray(value)) this.fail(where, 'a list');
    return value;
  }

  /** A list of strings, copied; `undefined` when absent and not `required`. */
  strings(value: unknown, where: string, required: boolean): string[] | undefined {
    if (value === undefined || value === null) return required ? this.fail(where, 'a list of strings (it is required)') : undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) this.fail(where, 'a list of strings');
    return [...(value as string[])];
  }

  /** An integer; `undefined` when absent and not `required`. */
  integer(value: unknown, where: string, required: boolean): number | undefined {
    if (value === undefined || value === null) return required ? this.fail(where, 'an integer (it is required)') : undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail(where, 'an integer');
    return value === 0 ? 0 : value;
  }

  /** A string; `undefined` when absent and not `required`. */
  text(value: unknown, where: string, required: boolean): string | undefined {
    if (value === undefined || value === null) return required ? this.fail(where, 'a string (it is required)') : undefined;
    if (typeof value !== 'string') this.fail(where, 'a string');
    return value;
  }
}

/** The JSON value of a JSON document; `undefined` for XML. */
export const jsonValueOf = (document: CorsDocument): unknown => (document.syntax === 'json' ? document.value : undefined);

/** `JSON.stringify` as files are written: two-space indent, final newline. */
export const prettyJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** `max-age-clamped` when `seconds` is outside `[min, max]`; the value to write. */
export function clampMaxAge(seconds: number, [min, max]: readonly [number, number], rule: number, warn: (code: ConversionWarningCode, rule: number, message: string) => void, title: string): number {
  if (seconds >= min && seconds <= max) return seconds;
  const clamped = Math.min(max, Math.max(min, seconds));
  warn('max-age-clamped', rule, `MaxAgeSeconds ${seconds} is outside ${title}'s ${min}–${max}: ${clamped} written`);
  return clamped;
}

/** The methods an S3 rule may list (the stored-rules profile's): what other providers' methods are read into. */
const S3_METHODS: readonly string[] = STORED_RULES_PROFILE.methods;

/** Whether an origin is a pattern other than `*` alone (a subdomain or port wildcard). */
export const isOriginPattern = (origin: string): boolean => origin !== WILDCARD && origin.includes(WILDCARD);

type Warn = (code: ConversionWarningCode, rule: number, message: string) => void;

/** The origins without patterns other than `*` (which `title` has no form for), each dropped one an `origin-dropped`. */
export function withoutOriginPatterns(origins: readonly string[], rule: number, warn: Warn, title: string): string[] {
  const kept = origins.filter((origin) => !isOriginPattern(origin));
  for (const origin of origins) if (isOriginPattern(origin)) warn('origin-dropped', rule, `origin ${JSON.stringify(origin)} dropped: ${title} matches origins exactly or "*", with no wildcard inside`);
  return kept;
}

/** The methods S3 knows among a provider's `methods`; each other one a `method-dropped`. */
export function s3MethodsOf(methods: readonly string[], rule: number, warn: Warn, title: string): CorsMethod[] {
  const kept = methods.filter((method): method is CorsMethod => S3_METHODS.includes(method));
  for (const method of methods) if (!S3_METHODS.includes(method)) warn('method-dropped', rule, `${title} method ${JSON.stringify(method)} dropped: S3 rules allow only ${S3_METHODS.join(', ')}`);
  return kept;
}

/** False, with a `rule-dropped`, when a converted rule kept no origin or no method. */
export function ruleSurvives(origins: readonly string[], methods: readonly string[], rule: number, warn: Warn): boolean {
  if (origins.length > 0 && methods.length > 0) return true;
  warn('rule-dropped', rule, `left out: no ${origins.length === 0 ? 'origin' : 'method'} of it has a form on the other side`);
  return false;
}

/** An `id-dropped` for a rule with an ID, which `title` cannot keep. */
export function dropId(id: string | undefined, rule: number, warn: Warn, title: string): void {
  if (id !== undefined) warn('id-dropped', rule, `ID ${JSON.stringify(id)} dropped: ${title} rules have no ID`);
}

/** The configuration of converted rules; a {@link FormatError} listing what was dropped when no rule is left. */
export function configurationOf(format: string, rules: readonly CorsRule[], warnings: readonly ConversionWarning[]): CorsConfiguration {
  if (rules.length === 0) throw new FormatError(format, ['no rule is left once what the other side cannot express is dropped', ...warnings.map((warning) => warning.message)]);
  return { CORSRules: rules };
}

/** A {@link FormatError} listing every violation of `profile` by what would be written, if any. */
export function checkLimits(format: string, title: string, configuration: CorsConfiguration<string>, profile: RuleProfile, extra: readonly string[] = []): void {
  const violation = findRuleViolation(configuration, profile);
  const problems = [...(violation === undefined ? [] : [`${title} would refuse it: ${describeRuleViolation(violation)}`]), ...extra];
  if (problems.length > 0) throw new FormatError(format, problems);
}
