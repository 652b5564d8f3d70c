// Character-level checks on header names and Origin values, in plain string code (no regular expressions).

/** 1 for every RFC 9110 `tchar`: ALPHA, DIGIT and ``!#$%&'*+-.^_`|~``. */
const TOKEN_CHARS = new Uint8Array(128);
for (let code = 0x30; code <= 0x39; code++) TOKEN_CHARS[code] = 1;
for (let code = 0x41; code <= 0x5a; code++) TOKEN_CHARS[code] = 1;
for (let code = 0x61; code <= 0x7a; code++) TOKEN_CHARS[code] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TOKEN_CHARS[ch.charCodeAt(0)] = 1;

/**
 * True when `s` is a non-empty HTTP token (RFC 9110 §5.6.2), the syntax of a header name.
 * Note that `*` is a token character; callers that give `*` a wildcard meaning handle it themselves.
 */
export function isHttpToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 128 || TOKEN_CHARS[code] === 0) return false;
  }
  return true;
}

/**
 * True when `s` may be matched against rules and echoed in `Access-Control-Allow-Origin`: non-empty
 * and only visible ASCII (0x21–0x7E) or space. Anything else (CR, LF, other controls, non-ASCII) never
 * matches a rule, so it can never reach a response header.
 */
export function isValidOrigin(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}
