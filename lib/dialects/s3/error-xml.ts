// Renders S3's <Error> envelope: Code, Message, extra members, RequestId, HostId (docs/behaviour.md §7).

import type { S3Error } from './errors.js';

// CR as a reference: parsers turn a raw CR (and CRLF) into LF, so a value with CR would not read back the same.
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/**
 * Escapes text for an XML element or attribute: the five markup characters as entities, CR as `&#13;`
 * (tab and LF stay literal). Characters XML 1.0 cannot carry at all (C0 controls other than
 * tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) become U+FFFD so the document stays well-formed.
 */
export function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const escaped = XML_ESCAPES[ch];
    if (escaped !== undefined) out += escaped;
    else if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff)
      out += '\uFFFD';
    else out += ch;
  }
  return out;
}

/** Request identifiers S3 repeats as the last two members of every error body. */
export interface RequestIds {
  readonly requestId: string;
  readonly hostId: string;
}

/** The complete XML error document for `error`, as S3 sends it. */
export function renderS3ErrorXml(error: S3Error, ids: RequestIds): string {
  let body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>`;
  for (const [name, value] of error.extra) body += `<${name}>${escapeXml(value)}</${name}>`;
  return `${body}<RequestId>${escapeXml(ids.requestId)}</RequestId><HostId>${escapeXml(ids.hostId)}</HostId></Error>`;
}
