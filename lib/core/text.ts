// Which characters a rule value may hold: those every wire format carries back unchanged (XML 1.0's `Char`).

/** True for a code point XML 1.0 allows (§2.2 `Char`): TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. */
export function isTextChar(code: number): boolean {
  return code === 0x09 || code === 0x0a || code === 0x0d || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/**
 * True when every character of `text` is one XML 1.0 allows (surrogates only as pairs): such a
 * value reads back the same from any codec, a GetBucketCors XML body included.
 */
export function isPortableText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code < 0xd800) continue;
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (!isTextChar(code)) return false;
  }
  return true;
}
