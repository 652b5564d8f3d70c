// Reads a request body under a size cap, decodes aws-chunked bodies, and checks the signed payload hash.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readRequestBody } from 'express-bucket-cors';
import { S3Errors } from 'express-bucket-cors/s3';
import type { Principal } from 'express-bucket-cors/sigv4';
import { DemoErrors } from './errors.js';
import { headerValue } from './request.js';

const CRLF = Buffer.from('\r\n');
/** A chunk header is `<hex size>[;chunk-signature=<64 hex>]`; anything much longer is not one. */
const MAX_CHUNK_HEADER_BYTES = 4096;
/** Room for chunk headers and trailers on top of the decoded size (tiny unsigned chunks cost ~4 bytes each). */
const chunkOverhead = (decodedBytes: number): number => decodedBytes + 65536;

const isHexDigit = (code: number): boolean => (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);

/**
 * Decodes an `aws-chunked` body (`STREAMING-*` payloads): `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n`
 * repeated, ending with a zero-size chunk and optional trailers. The demo does NOT verify chunk
 * signatures nor trailing checksums: the request's seed signature is verified, the chunks are trusted.
 */
export function decodeAwsChunked(raw: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let position = 0;
  for (;;) {
    const lineEnd = raw.indexOf(CRLF, position);
    if (lineEnd === -1 || lineEnd - position > MAX_CHUNK_HEADER_BYTES) throw DemoErrors.invalidChunkedBody();
    const line = raw.toString('latin1', position, lineEnd);
    const semicolon = line.indexOf(';');
    const sizeText = semicolon === -1 ? line : line.slice(0, semicolon);
    if (sizeText === '' || sizeText.length > 8) throw DemoErrors.invalidChunkedBody();
    for (let i = 0; i < sizeText.length; i++) if (!isHexDigit(sizeText.charCodeAt(i))) throw DemoErrors.invalidChunkedBody();
    const size = parseInt(sizeText, 16);
    position = lineEnd + CRLF.length;
    // The last chunk is followed by trailers (e.g. x-amz-checksum-crc32) that the demo ignores.
    if (size === 0) return Buffer.concat(chunks);
    if (position + size + CRLF.length > raw.length || !raw.subarray(position + size, position + size + CRLF.length).equals(CRLF))
      throw DemoErrors.invalidChunkedBody();
    chunks.push(raw.subarray(position, position + size));
    position += size + CRLF.length;
  }
}

/**
 * The request body, at most `maxBytes` bytes once decoded (else 400 EntityTooLarge): `aws-chunked`
 * bodies decoded (and their length checked against `x-amz-decoded-content-length`), a signed
 * `x-amz-content-sha256` hex value checked against the bytes (400 XAmzContentSHA256Mismatch).
 */
export async function readPayload(req: IncomingMessage, principal: Principal, maxBytes: number): Promise<Buffer> {
  const claim = principal.kind === 'signed' ? principal.payload : ({ kind: 'unsigned' } as const);
  const streaming = claim.kind === 'streaming';
  const decodedLengthText = headerValue(req, 'x-amz-decoded-content-length');
  const declared = Number(streaming ? decodedLengthText : headerValue(req, 'content-length'));
  if (declared > maxBytes) throw DemoErrors.entityTooLarge(declared, maxBytes);

  const raw = await readRequestBody(req, streaming ? chunkOverhead(maxBytes) : maxBytes, () =>
    DemoErrors.entityTooLarge(Number.isFinite(declared) ? declared : maxBytes + 1, maxBytes),
  );
  const body = streaming ? decodeAwsChunked(raw) : raw;
  if (body.length > maxBytes) throw DemoErrors.entityTooLarge(body.length, maxBytes);
  if (streaming && decodedLengthText !== undefined && Number(decodedLengthText) !== body.length) throw DemoErrors.incompleteBody();
  checkSignedPayloadHash(body, principal);
  return body;
}

/**
 * A signed hex `x-amz-content-sha256` the verifier could not compare yet (it was not handed the body)
 * must be the SHA-256 of `body` (else 400 XAmzContentSHA256Mismatch); other claims pass.
 */
export function checkSignedPayloadHash(body: Buffer, principal: Principal): void {
  if (principal.kind !== 'signed' || principal.payload.kind !== 'sha256' || principal.payload.checked) return;
  const claimed = principal.payload.hex;
  const computed = createHash('sha256').update(body).digest('hex');
  if (computed !== claimed) throw S3Errors.contentSha256Mismatch(claimed, computed);
}
