// Converts a configuration from any registered format to any other, naming every loss (express-bucket-cors/docs/behaviour.md §23.3).

import type { CorsConfiguration } from '../core/model.js';
import { selectionDifferences, type SelectionDifference } from '../core/selection.js';
import { ruleLabel } from '../core/wording.js';
import type { ConversionWarning, DialectFormats } from '../dialects/codec.js';
import { ConversionError } from './errors.js';
import { parseConfiguration, throughFormat } from './parse.js';
import { formatNamed } from './registry.js';

/** What {@link convert} converts. */
export interface ConvertOptions {
  /** The source format (a format name, alias or dialect name). Default: detected from the content. */
  readonly from?: string;
  /** The target format (a format name, alias or dialect name). Required. */
  readonly to: string;
  /** Refuse (a `ConversionError` with code `lossy`) when anything would be lost or decided differently. Default: `false`. */
  readonly strict?: boolean;
}

/** A converted configuration. */
export interface Conversion {
  /** The document in the target format (text: JSON or XML, ending in a newline). */
  readonly document: string;
  /** The rules as an S3 configuration: what was read, before the target's losses. */
  readonly configuration: CorsConfiguration;
  /** Names of the source and target formats. */
  readonly from: string;
  readonly to: string;
  /**
   * Every loss, in order: reading (rules numbered as in the source), writing (numbered as in
   * `configuration`), then `selection-differs` (numbered as in `configuration`, format `s3`).
   */
  readonly warnings: readonly ConversionWarning[];
}

const answerOf = (rule: number | null) => (rule === null ? 'refuses it' : `answers with ${ruleLabel(rule, undefined)}`);

function selectionWarning(difference: SelectionDifference, provider: DialectFormats): ConversionWarning {
  const headers = difference.requestHeaders.length === 0 ? '' : ` requesting ${difference.requestHeaders.join(', ')}`;
  return {
    code: 'selection-differs',
    rule: difference.firstMatch ?? difference.originAndMethod,
    format: 's3',
    message: `a preflight from ${difference.origin} for ${difference.method}${headers}: S3 ${answerOf(difference.firstMatch)}, ${provider.title} ${answerOf(difference.originAndMethod)} (it picks the first rule matching origin and method, and never tries a later one when the headers fail)`,
  };
}

/** `selection-differs` warnings when exactly one side picks rules on origin and method alone. */
function selectionWarnings(configuration: CorsConfiguration, source: DialectFormats, target: DialectFormats): ConversionWarning[] {
  if (source.selection === target.selection) return [];
  const other = source.selection === 'origin-and-method' ? source : target;
  return selectionDifferences(configuration).map((difference) => selectionWarning(difference, other));
}

/**
 * Converts `input` (text or bytes in any registered format, or a parsed JSON value; see
 * `parseConfiguration`) to the format `options.to`. The rules are read into an S3 configuration and
 * checked as PutBucketCors does, then written; every field or rule the target cannot represent, or
 * represents differently, is a warning with a stable code and the rule it concerns, and where one side
 * picks rules on origin and method alone (GCS, Azure), the requests it would answer differently than
 * S3 are found by deciding generated requests both ways. With `strict`, any warning is a
 * `ConversionError` (`lossy`); a target whose limits the rules exceed always is (`limits`).
 */
export function convert(input: string | Uint8Array | unknown, options: ConvertOptions): Conversion {
  const target = formatNamed(options.to);
  const source = parseConfiguration(input, { format: options.from });
  const written = throughFormat('limits', () => target.format.write(source.configuration));
  const warnings = [...source.warnings, ...written.warnings, ...selectionWarnings(source.configuration, source.dialect, target.dialect)];
  if (options.strict === true && warnings.length > 0)
    throw new ConversionError('lossy', [`converting ${source.format.name} to ${target.format.name} loses ${warnings.length} thing(s)`, ...warnings.map((warning) => `${warning.code}: ${warning.message}`)], warnings);
  return { document: written.value, configuration: source.configuration, from: source.format.name, to: target.format.name, warnings };
}

/** `configuration` (S3 rules) written in `format`, with what it loses; `strict` as in {@link convert}. */
export function writeConfiguration(configuration: CorsConfiguration, format: string, options: { readonly strict?: boolean } = {}): Conversion {
  return convert(configuration, { from: 's3-json', to: format, strict: options.strict });
}
