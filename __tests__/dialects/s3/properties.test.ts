// Property tests of the PutBucketCors / GetBucketCors bodies: every valid configuration survives
// PUT → GET (XML and JSON), and no input makes a parser throw anything but an S3Error.

import fc from 'fast-check';
import type { CorsConfiguration, CorsRule } from 'express-bucket-cors/core';
import { parseCorsConfiguration, validateCorsConfiguration, isS3Error, parseCorsJson, serializeCorsJson, parseCorsXml, serializeCorsXml } from 'express-bucket-cors/s3';
import { assertProperty } from '../../support/properties';

/** Pieces that stress escaping and markup, mixed into generated text. */
const MARKUP_PIECES = ['&', '<', '>', '"', "'", ']]>', '&amp;', '&#13;', '<![CDATA[', '<!--', '-->', '?>', '\r', '\r\n', '\n', '\t', ' ', ''];
/** Characters beyond ASCII that XML carries: C1 and DEL, the last BMP character, astral ones. */
const UNICODE_PIECES = ['é', 'É', 'ß', '\u00a0', '\u0085', '\u007f', '\u2028', '\ufffd', '\ud83d\ude00', '\u{10ffff}', '\u{e0001}'];

/** One character XML 1.0 allows (§2.2 Char), by code point; never `*` (origins and headers place theirs deliberately). */
const xmlChar = fc
  .oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xd7ff }) },
    { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0xfffd }) },
    { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
  )
  .filter((code) => code !== 0x2a)
  .map((code) => String.fromCodePoint(code));

/** Any UTF-16 code unit but `*`: NUL and other controls, U+FFFE/U+FFFF, lone surrogates (JSON carries all of them). */
const codeUnit = fc
  .integer({ min: 0, max: 0xffff })
  .filter((code) => code !== 0x2a)
  .map((code) => String.fromCharCode(code));

/** Free text (IDs, origins) over `unit`, with markup and Unicode pieces mixed in. */
const textOver = (unit: fc.Arbitrary<string>) =>
  fc.string({ unit: fc.oneof({ weight: 4, arbitrary: unit }, { weight: 2, arbitrary: fc.constantFrom(...MARKUP_PIECES) }, { weight: 1, arbitrary: fc.constantFrom(...UNICODE_PIECES) }), maxLength: 12 });

/** RFC 9110 tchar but `*`, both cases. */
const tokenChar = fc.constantFrom(...'abcxyzABCXYZ0189!#$%&\'+-.^_`|~');
const token = fc.string({ unit: tokenChar, maxLength: 8 });
/** A value with at most one `*`, placed anywhere (or alone, or absent). */
const withOptionalWildcard = (text: fc.Arbitrary<string>) =>
  fc.oneof(text, fc.tuple(text, text).map(([before, after]) => `${before}*${after}`), fc.constant('*'));

const CORS_METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] as const;

/**
 * Valid configurations (validateCorsConfiguration accepts them) whose free text is drawn from `unit`.
 * `AllowedHeaders` / `ExposeHeaders`, when present, hold at least `minOptionalList` entries: XML has
 * no empty list (no element is the same as none), JSON has.
 */
function validConfiguration(unit: fc.Arbitrary<string>, minOptionalList: 0 | 1): fc.Arbitrary<CorsConfiguration> {
  const text = textOver(unit);
  const rule: fc.Arbitrary<CorsRule> = fc
    .record({
      id: fc.option(text, { nil: undefined }),
      origins: fc.array(withOptionalWildcard(text), { minLength: 1, maxLength: 4 }),
      methods: fc.array(fc.constantFrom(...CORS_METHODS), { minLength: 1, maxLength: 5 }),
      allowedHeaders: fc.option(fc.array(withOptionalWildcard(token), { minLength: minOptionalList, maxLength: 4 }), { nil: undefined }),
      exposeHeaders: fc.option(fc.array(token, { minLength: minOptionalList, maxLength: 3 }), { nil: undefined }),
      maxAge: fc.option(fc.oneof(fc.constantFrom(0, -1, 2147483647, -2147483648), fc.integer({ min: -2147483648, max: 2147483647 })), { nil: undefined }),
    })
    .map(({ id, origins, methods, allowedHeaders, exposeHeaders, maxAge }) => ({
      ...(id !== undefined && { ID: id }),
      AllowedOrigins: origins,
      AllowedMethods: methods,
      ...(allowedHeaders !== undefined && { AllowedHeaders: allowedHeaders }),
      ...(exposeHeaders !== undefined && { ExposeHeaders: exposeHeaders }),
      ...(maxAge !== undefined && { MaxAgeSeconds: maxAge }),
    }));
  return fc.array(rule, { minLength: 1, maxLength: 6 }).map((rules) => ({ CORSRules: rules }));
}

const xmlConfiguration = validConfiguration(xmlChar, 1);
const jsonConfiguration = validConfiguration(xmlChar, 0);
/** Configurations whose text may hold any code unit: JSON carries them, validation must keep out what XML cannot. */
const anyTextConfiguration = validConfiguration(fc.oneof(xmlChar, codeUnit), 0);

describe('PUT → GET identity', () => {
  test('XML: parseCorsXml(serializeCorsXml(c)) equals c for valid configurations of XML characters', () => {
    assertProperty(
      fc.property(xmlConfiguration, (config) => {
        validateCorsConfiguration(config);
        const body = serializeCorsXml(config);
        expect(parseCorsXml(body)).toEqual(config);
        expect(parseCorsXml(Buffer.from(body, 'utf8'))).toEqual(config);
      }),
      150,
    );
  });

  test('JSON: parseCorsJson(serializeCorsJson(c)) equals c, for valid configurations', () => {
    assertProperty(
      fc.property(jsonConfiguration, (config) => {
        validateCorsConfiguration(config);
        expect(parseCorsJson(serializeCorsJson(config))).toEqual(config);
      }),
      400,
    );
  });

  test('JSON with any code unit: what validation accepts also reads back the same from GetBucketCors XML', () => {
    assertProperty(
      fc.property(anyTextConfiguration, (config) => {
        let stored: CorsConfiguration;
        try {
          stored = parseCorsConfiguration(serializeCorsJson(config), 'json');
        } catch (error) {
          // A JSON body never answers MalformedXML: the structural failure is MalformedJSON, naming it.
          expect(error).toMatchObject({ code: 'MalformedJSON', message: expect.stringMatching(/schema: rule \d+: /) });
          return;
        }
        expect(parseCorsXml(serializeCorsXml(stored))).toEqual({
          CORSRules: stored.CORSRules.map((rule) => {
            // XML has no empty list: an empty AllowedHeaders/ExposeHeaders reads back as none.
            const { AllowedHeaders, ExposeHeaders, ...rest } = rule;
            return { ...rest, ...(AllowedHeaders?.length ? { AllowedHeaders } : {}), ...(ExposeHeaders?.length ? { ExposeHeaders } : {}) };
          }),
        });
      }),
      400,
    );
  });
});

/** Calls `parse`; an S3Error with one of `codes` is fine, anything else thrown fails. Returns the parsed configuration, if any. */
function parsedOrRefused(parse: () => CorsConfiguration, codes: readonly string[]): CorsConfiguration | undefined {
  try {
    return parse();
  } catch (error) {
    if (!isS3Error(error) || !codes.includes(error.code)) throw new Error(`expected an S3Error (${codes.join(' or ')}), got ${String(error)}`, { cause: error });
    return undefined;
  }
}

const XML_CODES = ['MalformedXML', 'MaxMessageLengthExceeded'];
const JSON_CODES = ['MalformedJSON', 'MaxMessageLengthExceeded'];
/** What validation adds to the parsers' codes (JSON bodies: MalformedJSON where XML answers MalformedXML). */
const VALIDATION_CODES = ['MalformedXML', 'InvalidRequest', 'InvalidArgument'];
const JSON_VALIDATION_CODES = ['MalformedJSON', 'InvalidRequest', 'InvalidArgument'];

/** Markup, names and values the XML parser reads, to build near-miss documents from. */
const XML_TOKENS = [
  '<', '>', '</', '/>', '<?', '?>', '<!--', '-->', '--', '<![CDATA[', ']]>', '<!DOCTYPE a>', '<?xml version="1.0"?>', '<?xml ', 'version="1.1"',
  'encoding="latin1"', '&', ';', '&#', '&#x', '&amp;', '&lt;', '&#0;', '&#xFFFE;', '&#x1F600;', '"', "'", '=', ' ', '\n', '\r', '\t', '\u0000', '\ud800', '\uffff',
  'CORSConfiguration', 'CORSRule', 'AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader', 'MaxAgeSeconds', 'ID', 'xmlns', 'GET', '*', '1', '-', 'é',
  '<CORSConfiguration>', '</CORSConfiguration>', '<CORSRule>', '</CORSRule>', '<AllowedOrigin>', '</AllowedOrigin>', '<AllowedMethod>GET</AllowedMethod>', '<MaxAgeSeconds>',
];

/** `document` with up to four edits (a token inserted, or a few characters replaced by one), at arbitrary places. */
const mutated = (document: fc.Arbitrary<string>, tokens: readonly string[]) =>
  fc
    .tuple(document, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom(...tokens, '')), { minLength: 1, maxLength: 4 }))
    .map(([text, edits]) => edits.reduce((out, [at, removed, inserted]) => {
      const position = at % (out.length + 1);
      return out.slice(0, position) + inserted + out.slice(position + removed);
    }, text));

/** Text, references, CDATA, comments and instructions (and a few breaking pieces) to put between tags. */
const CONTENT_PIECES = [
  ' ', '\r\n', '\r', '\t', 'é', '&amp;', '&lt;', '&#13;', '&#x1F600;', '&#65533;', '<![CDATA[<&>]]>', '<![CDATA[]]>', '<!-- c -->', '<!---->', '<?pi x?>',
  ']]>', '&', '<', '&#0;', '\u0001', '<!-- -- -->',
];

/** `document` with pieces inserted right after some of its `>`: into values, or between elements. */
const contentEdited = (document: fc.Arbitrary<string>) =>
  fc
    .tuple(document, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...CONTENT_PIECES)), { minLength: 1, maxLength: 3 }))
    .map(([text, edits]) =>
      edits.reduce((out, [at, piece]) => {
        const tagEnds: number[] = [];
        for (let i = out.indexOf('>'); i !== -1; i = out.indexOf('>', i + 1)) tagEnds.push(i + 1);
        const position = tagEnds[at % tagEnds.length]!;
        return out.slice(0, position) + piece + out.slice(position);
      }, text),
    );

/** Arbitrary strings: any UTF-16 code units, or token soup. */
const anyString = fc.oneof(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }));
/** Arbitrary bytes, or a UTF-8 document with some bytes changed. */
const bytesNear = (document: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc
      .tuple(document, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
      .map(([text, changes]) => {
        const bytes = Buffer.from(text, 'utf8');
        for (const [at, value] of changes) bytes[at % bytes.length] = value;
        return new Uint8Array(bytes);
      }),
  );

describe('arbitrary input never throws anything but an S3Error', () => {
  const xmlDocument = xmlConfiguration.map(serializeCorsXml);
  const xmlInput = fc.oneof(
    { weight: 1, arbitrary: anyString },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...XML_TOKENS), { maxLength: 40 }).map((tokens) => tokens.join('')) },
    { weight: 2, arbitrary: mutated(xmlDocument, XML_TOKENS) },
    { weight: 3, arbitrary: contentEdited(xmlDocument) },
  );

  test('parseCorsXml: MalformedXML (or the size cap), and what it accepts reads back the same after serializeCorsXml', () => {
    let accepted = 0;
    assertProperty(
      fc.property(fc.oneof({ weight: 4, arbitrary: xmlInput }, { weight: 1, arbitrary: bytesNear(xmlDocument) }), (body) => {
        const parsed = parsedOrRefused(() => parseCorsXml(body), XML_CODES);
        if (parsed === undefined) return;
        accepted++;
        expect(parseCorsXml(serializeCorsXml(parsed))).toEqual(parsed);
        parsedOrRefused(() => parseCorsConfiguration(body, 'xml'), VALIDATION_CODES);
      }),
      800,
    );
    // Edited documents are often still well-formed, so the read-back check above really runs.
    expect(accepted).toBeGreaterThan(50);
  });

  const jsonDocument = anyTextConfiguration.map(serializeCorsJson);
  const JSON_TOKENS = ['{', '}', '[', ']', ',', ':', '"', '\\', '\\u0000', '\\ud800', 'null', 'true', '1e999', '-0', '1.5', '"CORSRules"', '"AllowedOrigins"', '"AllowedMethods"', '"MaxAgeSeconds"', '"__proto__"', '"constructor"', '"ID"', '"GET"', '[]', '{}'];
  const RULE_KEYS = ['ID', 'AllowedOrigins', 'AllowedMethods', 'AllowedHeaders', 'ExposeHeaders', 'MaxAgeSeconds', '__proto__', 'constructor', 'x'];
  const jsonInput = fc.oneof(
    anyString,
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc
      .array(fc.dictionary(fc.constantFrom(...RULE_KEYS), fc.oneof(fc.jsonValue(), fc.array(fc.string(), { maxLength: 3 })), { maxKeys: 6 }), { maxLength: 3 })
      .map((rules) => JSON.stringify({ CORSRules: rules })),
    fc.array(fc.constantFrom(...JSON_TOKENS), { maxLength: 40 }).map((tokens) => tokens.join('')),
    mutated(jsonDocument, JSON_TOKENS),
  );

  test('parseCorsJson: MalformedJSON (or the size cap); what it accepts is plain data and reads back the same', () => {
    let accepted = 0;
    assertProperty(
      fc.property(fc.oneof(jsonInput, bytesNear(jsonDocument)), (body) => {
        const parsed = parsedOrRefused(() => parseCorsJson(body), JSON_CODES);
        if (parsed === undefined) return;
        accepted++;
        for (const rule of parsed.CORSRules) expect(Object.getPrototypeOf(rule)).toBe(Object.prototype);
        expect(parseCorsJson(serializeCorsJson(parsed))).toEqual(parsed);
        parsedOrRefused(() => parseCorsConfiguration(body, 'json'), JSON_VALIDATION_CODES);
      }),
      1500,
    );
    expect(accepted).toBeGreaterThan(50);
  });
});
