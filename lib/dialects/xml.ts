// The XML that other dialects' formats read: s3/strict-xml.ts's hardened reader, as elements with names, and XmlSyntaxError in place of S3's error.

import { isS3Error } from './s3/errors.js';
import { childElements, elementText, nodeName, parseXmlRoot, type XmlNode } from './s3/strict-xml.js';

export { escapeXml, xmlElement, xmlInteger } from './s3/strict-xml.js';

/** Thrown for anything the strict reader refuses (not well-formed, a DOCTYPE or entity, characters XML cannot carry, over 64 KB); each format words it. */
export class XmlSyntaxError extends Error {
  constructor() {
    super('not well-formed XML');
    this.name = 'XmlSyntaxError';
  }
}

/** One element of a document read by {@link readXmlDocument}. */
export interface XmlElement {
  readonly name: string;
  readonly node: XmlNode;
}

/** Runs the strict reader, its S3 error as an {@link XmlSyntaxError}. */
function strictly<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isS3Error(error)) throw new XmlSyntaxError();
    throw error;
  }
}

/** The name of the root element of `text` when it looks like XML (for format detection); `undefined` otherwise. */
export function xmlRootName(text: string): string | undefined {
  let at = 0;
  for (;;) {
    at = text.indexOf('<', at);
    if (at === -1) return undefined;
    const next = text.charAt(at + 1);
    if (next !== '?' && next !== '!') break;
    at = text.indexOf('>', at);
    if (at === -1) return undefined;
  }
  let end = at + 1;
  while (end < text.length && !' \t\r\n/>'.includes(text.charAt(end))) end++;
  return text.slice(at + 1, end);
}

/** The root element of `text`, which must be one of `roots`; throws {@link XmlSyntaxError} for anything the strict reader refuses. */
export function readXmlDocument(text: string, roots: readonly string[]): XmlElement {
  const name = xmlRootName(text) ?? '';
  if (!roots.includes(name)) throw new XmlSyntaxError();
  return { name, node: strictly(() => parseXmlRoot(text, name)) };
}

/** The child elements of a container element; whitespace between them is fine, other text (or CDATA) is not. */
export function containerElements(element: XmlElement): XmlElement[] {
  return strictly(() => childElements(element.node, element.name)).map((node) => ({ name: nodeName(node), node }));
}

/** The text of a value element, verbatim; child elements make it malformed. */
export function valueText(element: XmlElement): string {
  return strictly(() => elementText(element.node, element.name));
}
