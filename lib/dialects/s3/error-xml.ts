// Renders S3's <Error> envelope: Code, Message, extra members, RequestId, HostId (express-bucket-cors/docs/behaviour.md §7).

import type { S3Error } from './errors.js';
import { xmlElement } from './strict-xml.js';

/** Request identifiers S3 repeats as the last two members of every error body. */
export interface RequestIds {
  readonly requestId: string;
  readonly hostId: string;
}

/** The complete XML error document for `error`, as S3 sends it. */
export function renderS3ErrorXml(error: S3Error, ids: RequestIds): string {
  let body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${xmlElement('Code', error.code)}${xmlElement('Message', error.message)}`;
  for (const [name, value] of error.extra) body += xmlElement(name, value);
  return `${body}${xmlElement('RequestId', ids.requestId)}${xmlElement('HostId', ids.hostId)}</Error>`;
}
