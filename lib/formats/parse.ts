// Reads a configuration in any registered format: the format detected from the content (or named), the rules checked as PutBucketCors does.

import type { CorsConfiguration } from '../core/model.js';
import { describeRuleViolation, findRuleViolation } from '../core/validate.js';
import { isPlainObject } from '../core/values.js';
import { FormatError, type ConversionWarning, type CorsDocument } from '../dialects/codec.js';
import { S3_PROFILE } from '../dialects/s3/profile.js';
import { s3ErrorFor } from '../dialects/s3/validate.js';
import { xmlRootName } from '../dialects/xml.js';
import { ConversionError } from './errors.js';
import { FORMATS, formatNamed, type RegisteredFormat } from './registry.js';

/** What {@link parseConfiguration} read. */
export interface ParsedConfiguration extends RegisteredFormat {
  /** The rules as an S3 configuration, valid for PutBucketCors. */
  readonly configuration: CorsConfiguration;
  /** What reading lost (rules numbered as in the document). */
  readonly warnings: readonly ConversionWarning[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as strict UTF-8 text; invalid bytes are refused as S3 refuses such a body, in the syntax it starts with. */
function textOf(input: string | Uint8Array): string {
  if (typeof input === 'string') return input;
  try {
    return strictUtf8.decode(input);
  } catch {
    const first = input.find((byte) => byte > 0x20 && byte !== 0xef && byte !== 0xbb && byte !== 0xbf);
    const code = first === 0x3c ? 'MalformedXML' : 'MalformedJSON';
    throw new ConversionError('malformed', [`the document is not valid UTF-8, as S3 refuses it (${code})`], [], code);
  }
}

/** Text (BOM dropped) or a JSON value as a document: JSON when it starts with `{` or `[`, XML when with `<`. */
function documentOf(input: unknown): CorsDocument {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return { syntax: 'json', value: input };
  let text = textOf(input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const start = text.trimStart().charAt(0);
  if (start === '<') return { syntax: 'xml', root: xmlRootName(text) ?? '', text };
  if (start !== '{' && start !== '[') throw new ConversionError('unrecognized', ['the document is neither JSON nor XML (it starts with none of < { [)', ...expectedShapes()]);
  try {
    return { syntax: 'json', value: JSON.parse(text), text };
  } catch (error) {
    throw new ConversionError('malformed', [`not JSON: ${(error as Error).message}`]);
  }
}

const expectedShapes = (): string[] => FORMATS.map(({ format }) => `${format.name}: ${format.shape}`);

/** The registered format whose shape `input` (as {@link parseConfiguration} takes it) has; a `ConversionError` (`unrecognized`) naming every shape otherwise. */
export function detectFormat(input: string | Uint8Array | unknown): RegisteredFormat {
  return formatOfDocument(documentOf(input));
}

function formatOfDocument(document: CorsDocument): RegisteredFormat {
  const found = FORMATS.find(({ format }) => format.recognizes(document)) ?? FORMATS.find(({ format }) => format.resembles?.(document) === true);
  if (found !== undefined) return found;
  const what = document.syntax === 'xml' ? `an XML document with root <${document.root}>` : Array.isArray(document.value) ? (document.value.length === 0 ? 'an empty list' : 'a list of rules of no known shape') : isPlainObject(document.value) ? `an object with keys ${Object.keys(document.value).join(', ') || '(none)'}` : 'a JSON value that is no configuration';
  throw new ConversionError('unrecognized', [`${what} is no CORS configuration format this reads; expected one of`, ...expectedShapes()]);
}

/** Runs a format's reader or writer, its FormatError as a ConversionError of `code`. */
export function throughFormat<T>(code: 'malformed' | 'limits', work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof FormatError) throw new ConversionError(code, error.problems.map((problem) => `${error.format}: ${problem}`), [], error.apiCode);
    throw error;
  }
}

/**
 * Reads a CORS configuration in any registered format (express-bucket-cors/docs/behaviour.md §23.2): text or bytes (JSON or
 * XML) or an already parsed JSON value. The format is `options.format` (a format name, alias or
 * dialect name) or else detected from the shape: S3's XML, CLI JSON and console list, GCS's JSON and
 * XML, Azure's XML and ARM JSON, B2's rules, R2's REST JSON. The rules are then checked as
 * PutBucketCors checks them. Throws a `ConversionError` that names the shapes expected when none fits,
 * the field when one is broken, and S3's objection when the rules are invalid (its code in `apiCode`).
 */
export function parseConfiguration(input: string | Uint8Array | unknown, options: { readonly format?: string } = {}): ParsedConfiguration {
  const document = documentOf(input);
  const entry = options.format === undefined ? formatOfDocument(document) : formatNamed(options.format);
  if (entry.format.syntax !== document.syntax) throw new ConversionError('malformed', [`${entry.format.name} is ${entry.format.syntax.toUpperCase()}: expected ${entry.format.shape}`]);
  const { value, warnings } = throughFormat('malformed', () => entry.format.read(document));
  const violation = findRuleViolation(value, S3_PROFILE);
  if (violation !== undefined) {
    // A JSON body's structural failure is MalformedJSON, as S3's routers answer it, never MalformedXML.
    const { code } = s3ErrorFor(violation, document.syntax);
    throw new ConversionError('invalid', [`S3 would refuse it: ${code}: ${describeRuleViolation(violation)}`], [], code);
  }
  return { ...entry, configuration: value, warnings };
}
