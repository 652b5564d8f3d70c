// SigV4's timestamps: X-Amz-Date read strictly, then held to the clock-skew window or a presigned URL's lifetime.

import type { SigV4Errors } from './errors.js';

/** Longest lifetime of a presigned URL, in seconds (one week), as S3. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604800;

const isDigits = (text: string): boolean => /^\d+$/.test(text);

/** `20130524T000000Z` → epoch milliseconds, or NaN for anything else (including impossible dates). */
export function parseAmzDate(text: string): number {
  if (text.length !== 16 || text[8] !== 'T' || text[15] !== 'Z' || !isDigits(text.slice(0, 8) + text.slice(9, 15))) return Number.NaN;
  const [year, month, day, hour, minute, second] = [text.slice(0, 4), text.slice(4, 6), text.slice(6, 8), text.slice(9, 11), text.slice(11, 13), text.slice(13, 15)].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 20130231 over to March: refuse what does not read back the same.
  return new Date(time).getUTCDate() === day && hour < 24 && minute < 60 && second < 60 ? time : Number.NaN;
}

/** A header-signed request must be dated within `maxSkewMs` of the server clock, either way. */
export function checkSkew(amzDate: string, time: number, now: number, maxSkewMs: number, errors: SigV4Errors): void {
  if (Math.abs(now - time) > maxSkewMs) throw errors.skewed(amzDate, now, maxSkewMs);
}

/** A presigned URL is valid from `X-Amz-Date` (less the skew) until `X-Amz-Expires` seconds later. */
export function checkLifetime(amzDate: string, time: number, expiresText: string, now: number, maxSkewMs: number, errors: SigV4Errors): void {
  const expiresAt = time + Number(expiresText) * 1000;
  if (now > expiresAt) throw errors.expired(amzDate, expiresText, expiresAt, now);
  if (time - now > maxSkewMs) throw errors.notYetValid(amzDate, expiresAt, now, maxSkewMs);
}

/** `X-Amz-Expires`: whole seconds from 1 to one week, written plainly (no sign, no leading zeros). */
export function isValidExpires(text: string): boolean {
  const seconds = Number(text);
  return isDigits(text) && String(seconds) === text && seconds >= 1 && seconds <= MAX_PRESIGNED_EXPIRES_SECONDS;
}
