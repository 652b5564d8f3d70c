// Header-name and Origin character checks.

import { isHttpToken, isValidOrigin } from 'express-bucket-cors/core';

describe('isHttpToken', () => {
  test.each(['x-amz-meta-a', 'Content-Type', "!#$%&'*+-.^_`|~09azAZ", '*'])('%p is a token', (value) => {
    expect(isHttpToken(value)).toBe(true);
  });
  test.each(['', 'a b', 'a:b', 'a(b', 'a/b', 'a"b', 'a=b', 'a[b', 'a,b', 'é', 'a\tb', 'a\r\nb', '\u0000'])('%p is not', (value) => {
    expect(isHttpToken(value)).toBe(false);
  });
});

describe('isValidOrigin', () => {
  test.each(['https://a.example', 'null', 'localhost:4566', 'a b', '~'])('%p may be matched and echoed', (value) => {
    expect(isValidOrigin(value)).toBe(true);
  });
  test.each(['', 'https://a\r\nx', 'https://a\n', '\t', 'https://ä', '\u007f', 'https://\u2028'])('%p never matches', (value) => {
    expect(isValidOrigin(value)).toBe(false);
  });
});
