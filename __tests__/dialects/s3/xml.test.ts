// PutBucketCors XML parsing (docs/behaviour.md T01–T19 parse parts, hostile input) and GetBucketCors serialisation.

import { MAX_CORS_DOCUMENT_BYTES, S3Errors, type S3Error, parseCorsXml, serializeCorsXml } from 'express-bucket-cors/s3';
import type { CorsConfiguration } from 'express-bucket-cors/core';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const wrap = (rules: string, attrs = ` xmlns="${NS}"`) => `<?xml version="1.0" encoding="UTF-8"?><CORSConfiguration${attrs}>${rules}</CORSConfiguration>`;
const rule = (inner: string) => `<CORSRule>${inner}</CORSRule>`;
const MINIMAL = '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>';

/** The S3Error `fn` throws (fails the test when it throws nothing or something else). */
function thrown(fn: () => unknown): S3Error {
  try {
    fn();
  } catch (error) {
    if ((error as S3Error).code === undefined) throw error;
    return error as S3Error;
  }
  throw new Error('expected an S3Error');
}
const codeOf = (body: string | Uint8Array) => thrown(() => parseCorsXml(body)).code;

describe('parseCorsXml', () => {
  test('T01 a valid rule, values and order verbatim', () => {
    const body = wrap(
      rule(
        '<AllowedOrigin>https://test.com</AllowedOrigin><AllowedOrigin>https://app.test.com</AllowedOrigin><AllowedOrigin>http://test.com:80</AllowedOrigin>' +
          '<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>' +
          '<MaxAgeSeconds>3000</MaxAgeSeconds><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader>',
      ),
    );
    expect(parseCorsXml(body)).toEqual({
      CORSRules: [
        {
          AllowedOrigins: ['https://test.com', 'https://app.test.com', 'http://test.com:80'],
          AllowedMethods: ['GET', 'PUT', 'HEAD'],
          AllowedHeaders: ['x-amz-*', 'Content-Type'],
          MaxAgeSeconds: 3000,
        },
      ],
    });
  });

  test('T03 AllowedHeader case is preserved', () => {
    const parsed = parseCorsXml(wrap(rule(`${MINIMAL}<AllowedHeader>x-AMZ-server-SIDE-encryption</AllowedHeader>`)));
    expect(parsed.CORSRules[0]!.AllowedHeaders).toEqual(['x-AMZ-server-SIDE-encryption']);
  });

  test('T04/T09 method values are kept for validation to judge', () => {
    const parsed = parseCorsXml(wrap(rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod><AllowedMethod>MYMETHOD</AllowedMethod>')));
    expect(parsed.CORSRules[0]!.AllowedMethods).toEqual(['get', 'MYMETHOD']);
  });

  test.each([['<CORSConfiguration/>'], [wrap('')], [wrap('  \n  ')]])('T05 no CORSRule is MalformedXML: %s', (body) => {
    expect(thrown(() => parseCorsXml(body))).toMatchObject({ status: 400, code: 'MalformedXML', message: S3Errors.malformedXml().message });
  });

  test('T06 an empty AllowedOrigin is kept as ""', () => {
    expect(parseCorsXml(wrap(rule('<AllowedOrigin></AllowedOrigin><AllowedOrigin/><AllowedMethod>GET</AllowedMethod>'))).CORSRules[0]!.AllowedOrigins).toEqual(['', '']);
  });

  test('T10/T11 rules without methods or origins parse (validation refuses them)', () => {
    expect(parseCorsXml(wrap(rule('<AllowedOrigin>*</AllowedOrigin>'))).CORSRules[0]!.AllowedMethods).toEqual([]);
    expect(parseCorsXml(wrap(rule('<AllowedMethod>GET</AllowedMethod>'))).CORSRules[0]!.AllowedOrigins).toEqual([]);
  });

  test('T19 no namespace, pretty-printed, children in any order, no MaxAgeSeconds', () => {
    const body = `<CORSConfiguration>
  <CORSRule>
    <MaxAgeSeconds> 60 </MaxAgeSeconds>
    <ExposeHeader>ETag</ExposeHeader>
    <AllowedOrigin>https://a.example</AllowedOrigin>
    <ID>r1</ID>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
  </CORSRule>
  <CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>
</CORSConfiguration>
`;
    expect(parseCorsXml(body)).toEqual({
      CORSRules: [
        { ID: 'r1', AllowedOrigins: ['https://a.example'], AllowedMethods: ['PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 60 },
        { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
      ],
    });
  });

  test('text values are not trimmed; entities, character references and CDATA are decoded', () => {
    const parsed = parseCorsXml(
      wrap(rule('<AllowedOrigin> https://a?x=1&amp;y=&#50;&#x33; </AllowedOrigin><AllowedOrigin><![CDATA[<b>&amp;]]></AllowedOrigin><AllowedMethod>GET</AllowedMethod>')),
    );
    expect(parsed.CORSRules[0]!.AllowedOrigins).toEqual([' https://a?x=1&y=23 ', '<b>&amp;']);
  });

  test('MaxAgeSeconds: 0, negative and the 32-bit bounds are kept', () => {
    const maxAge = (value: string) => parseCorsXml(wrap(rule(`${MINIMAL}<MaxAgeSeconds>${value}</MaxAgeSeconds>`))).CORSRules[0]!.MaxAgeSeconds;
    expect(maxAge('0')).toBe(0);
    expect(Object.is(maxAge('-0'), 0)).toBe(true);
    expect(maxAge('-5')).toBe(-5);
    expect(maxAge('+7')).toBe(7);
    expect(maxAge('2147483647')).toBe(2147483647);
    expect(maxAge('-2147483648')).toBe(-2147483648);
  });

  test.each(['', ' ', '1.5', '1e3', '2147483648', '-2147483649', '12a', '-', '0x10', '99999999999999999999999', '１'])(
    'MaxAgeSeconds %p is MalformedXML',
    (value) => {
      expect(codeOf(wrap(rule(`${MINIMAL}<MaxAgeSeconds>${value}</MaxAgeSeconds>`)))).toBe('MalformedXML');
    },
  );

  test.each([
    ['not well-formed', wrap(rule(MINIMAL)).replace('</CORSRule>', '</CORSRul>')],
    ['truncated', wrap(rule(MINIMAL)).slice(0, -10)],
    ['empty body', ''],
    ['text only', 'hello'],
    ['wrong root', `<CORSConfig>${rule(MINIMAL)}</CORSConfig>`],
    ['two roots', `${wrap(rule(MINIMAL))}<CORSConfiguration/>`],
    ['unknown element in a rule', wrap(rule(`${MINIMAL}<Foo>1</Foo>`))],
    ['unknown element in the root', wrap(`${rule(MINIMAL)}<Foo/>`)],
    ['element inside a value', wrap(rule('<AllowedOrigin><x/></AllowedOrigin><AllowedMethod>GET</AllowedMethod>'))],
    ['text inside CORSRule', wrap(rule(`${MINIMAL}stray`))],
    ['text inside the root', wrap(`stray${rule(MINIMAL)}`)],
    ['duplicate ID', wrap(rule(`<ID>a</ID><ID>b</ID>${MINIMAL}`))],
    ['duplicate MaxAgeSeconds', wrap(rule(`${MINIMAL}<MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>1</MaxAgeSeconds>`))],
    ['other namespace (UNVERIFIED)', wrap(rule(MINIMAL), ' xmlns="http://example.com/"')],
    ['unknown attribute', wrap(rule(MINIMAL), ' foo="1"')],
    ['namespace prefix', `<s3:CORSConfiguration xmlns:s3="${NS}">${rule(MINIMAL)}</s3:CORSConfiguration>`],
    ['undefined entity', wrap(rule('<AllowedOrigin>&foo;</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'))],
    ['bare ampersand', wrap(rule('<AllowedOrigin>a & b</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'))],
    ['reference to a non-XML character', wrap(rule('<AllowedOrigin>&#0;</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'))],
    ['DOCTYPE', `<!DOCTYPE CORSConfiguration>${wrap(rule(MINIMAL))}`],
  ])('%s is MalformedXML', (_name, body) => {
    expect(codeOf(body)).toBe('MalformedXML');
  });

  describe('hostile input fails fast with MalformedXML', () => {
    let started = 0;
    beforeAll(() => {
      started = Date.now();
    });
    afterAll(() => {
      // Generous bound: proves nothing here expands entities or recurses deeply (a few ms in practice).
      expect(Date.now() - started).toBeLessThan(2000);
    });

    test('billion laughs', () => {
      const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><CORSConfiguration><CORSRule><AllowedOrigin>&lol4;</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`;
      expect(codeOf(lol)).toBe('MalformedXML');
    });

    test('external entity', () => {
      const xxe = `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><CORSConfiguration><CORSRule><AllowedOrigin>&xxe;</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`;
      expect(codeOf(xxe)).toBe('MalformedXML');
    });

    test('an entity used without any declaration', () => {
      expect(codeOf(wrap(rule('<AllowedOrigin>&xxe;</AllowedOrigin><AllowedMethod>GET</AllowedMethod>')))).toBe('MalformedXML');
    });

    test('10,000-deep nesting (within the size cap)', () => {
      // A well-formed 10,000-deep document does not fit in 64 KB, so most closing tags are missing.
      const deep = `${'<a>'.repeat(10_000)}${'</a>'.repeat(8_000)}`;
      expect(Buffer.byteLength(deep)).toBeLessThanOrEqual(MAX_CORS_DOCUMENT_BYTES);
      expect(codeOf(deep)).toBe('MalformedXML');
      expect(codeOf(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`)).toBe('MaxMessageLengthExceeded');
      expect(codeOf(wrap(rule(`<AllowedOrigin>${'<a>'.repeat(5_000)}${'</a>'.repeat(5_000)}</AllowedOrigin>`)))).toBe('MalformedXML');
    });

    test('10,000-deep unclosed nesting', () => {
      expect(codeOf('<a>'.repeat(10_000))).toBe('MalformedXML');
    });

    test('invalid UTF-8 bytes', () => {
      const body = Buffer.from(wrap(rule(MINIMAL)));
      const bad = Buffer.concat([body.subarray(0, 60), Buffer.from([0xc3, 0x28]), body.subarray(60)]);
      expect(codeOf(bad)).toBe('MalformedXML');
      expect(codeOf(new Uint8Array([0xff, 0xfe, 0x3c]))).toBe('MalformedXML');
    });

    test('unterminated comment, CDATA and tag', () => {
      expect(codeOf(`${wrap(rule(MINIMAL))}<!-- x`)).toBe('MalformedXML');
      expect(codeOf(wrap(rule('<AllowedOrigin><![CDATA[x</AllowedOrigin>')))).toBe('MalformedXML');
      expect(codeOf('<CORSConfiguration')).toBe('MalformedXML');
    });
  });

  test('accepts UTF-8 bytes, with or without a byte-order mark, and non-ASCII values', () => {
    const body = wrap(rule('<ID>règle</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'));
    expect(parseCorsXml(Buffer.from(body)).CORSRules[0]!.ID).toBe('règle');
    expect(parseCorsXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)])).CORSRules[0]!.ID).toBe('règle');
  });

  describe('T14 size cap', () => {
    /** A valid document of exactly `bytes` bytes (padded inside one AllowedOrigin). */
    const documentOf = (bytes: number) => {
      const shell = wrap(rule('<AllowedOrigin></AllowedOrigin><AllowedMethod>GET</AllowedMethod>'));
      return wrap(rule(`<AllowedOrigin>${'a'.repeat(bytes - shell.length)}</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`));
    };

    test('exactly 65,536 bytes is accepted (string and bytes)', () => {
      const body = documentOf(MAX_CORS_DOCUMENT_BYTES);
      expect(Buffer.byteLength(body)).toBe(65_536);
      expect(parseCorsXml(body).CORSRules).toHaveLength(1);
      expect(parseCorsXml(Buffer.from(body)).CORSRules).toHaveLength(1);
    });

    test('65,537 bytes is MaxMessageLengthExceeded before any parsing', () => {
      const body = documentOf(MAX_CORS_DOCUMENT_BYTES + 1);
      const expected = S3Errors.maxMessageLengthExceeded();
      for (const input of [body, Buffer.from(body), `<${'x'.repeat(MAX_CORS_DOCUMENT_BYTES)}`]) {
        expect(thrown(() => parseCorsXml(input))).toMatchObject({ status: 400, code: expected.code, message: expected.message, extra: [['MaxMessageLengthBytes', '65536']] });
      }
    });

    test('the cap counts UTF-8 bytes, not characters', () => {
      const shell = wrap(rule('<AllowedOrigin></AllowedOrigin><AllowedMethod>GET</AllowedMethod>'));
      const body = wrap(rule(`<AllowedOrigin>${'é'.repeat((MAX_CORS_DOCUMENT_BYTES - shell.length) / 2 + 1)}</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`));
      expect(body.length).toBeLessThan(MAX_CORS_DOCUMENT_BYTES);
      expect(codeOf(body)).toBe('MaxMessageLengthExceeded');
    });
  });
});

describe('parseCorsXml accepts well-formed XML 1.0 only (issue #13.5)', () => {
  const origin = (value: string) => wrap(rule(`<AllowedOrigin>${value}</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`));
  const withDeclaration = (declaration: string) => `${declaration}<CORSConfiguration>${rule(MINIMAL)}</CORSConfiguration>`;

  // XML 1.0 §2.2 Char: TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF; nothing else, raw or as a reference.
  test.each([
    ['NUL', '\u0000'],
    ['U+0001', '\u0001'],
    ['vertical tab', '\u000b'],
    ['form feed', '\u000c'],
    ['U+001F', '\u001f'],
    ['U+FFFE', '\ufffe'],
    ['U+FFFF', '\uffff'],
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate', '\udfff'],
    ['a reversed surrogate pair', '\ude00\ud83d'],
  ])('%s in a value is MalformedXML', (_name, char) => {
    expect(codeOf(origin(`a${char}b`))).toBe('MalformedXML');
    expect(codeOf(origin(`<![CDATA[a${char}b]]>`))).toBe('MalformedXML');
  });

  test.each(['&#0;', '&#x1;', '&#11;', '&#x1F;', '&#xFFFE;', '&#65535;', '&#xD800;', '&#xDFFF;', '&#x110000;', '&#x;', '&#;', '&#x-1;'])(
    'the character reference %s is MalformedXML',
    (reference) => {
      expect(codeOf(origin(`a${reference}b`))).toBe('MalformedXML');
    },
  );

  test.each([
    ['in a comment', wrap(rule(`<!-- \u0000 -->${MINIMAL}`))],
    ['in a processing instruction', wrap(rule(`<?note \u0001?>${MINIMAL}`))],
    ['in the namespace attribute', wrap(rule(MINIMAL), ` xmlns="${NS}\u0000"`)],
    ['in the declaration', withDeclaration('<?xml version="1.0"\u0000?>')],
    ['U+FFFF between elements', wrap(`${rule(MINIMAL)}\uffff`)],
  ])('a character XML cannot carry %s is MalformedXML', (_name, body) => {
    expect(codeOf(body)).toBe('MalformedXML');
  });

  test('every XML character is accepted: TAB/LF/CR, DEL, C1 controls, U+FFFD, astral characters, raw and as references', () => {
    const parsed = parseCorsXml(origin('\t\n\u007f\u0085\ufffd\ud83d\ude00&#9;&#x7F;&#x85;&#xFFFD;&#x1F600;&#x10FFFF;&#13;'));
    expect(parsed.CORSRules[0]!.AllowedOrigins).toEqual(['\t\n\u007f\u0085\ufffd\ud83d\ude00\t\u007f\u0085\ufffd\ud83d\ude00\u{10ffff}\r']);
  });

  test.each([
    ['"--" inside', '<!-- a -- b -->'],
    ['ending in "-"', '<!-- a --->'],
    ['"--" at the start', '<!---- a -->'],
  ])('a comment with %s is MalformedXML', (_name, comment) => {
    expect(codeOf(wrap(rule(`${comment}${MINIMAL}`)))).toBe('MalformedXML');
    expect(codeOf(`${wrap(rule(MINIMAL))}${comment}`)).toBe('MalformedXML');
  });

  test('comments without "--" are accepted anywhere markup may be, and dropped', () => {
    const body = `<?xml version="1.0"?><!----><!-- - a-b -><--><CORSConfiguration>${rule(`<!--x-->${MINIMAL}<!-- <AllowedOrigin>y</AllowedOrigin> -->`)}</CORSConfiguration><!-- end -->`;
    expect(parseCorsXml(body)).toEqual({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] });
  });

  // XML 1.0 §4.3.3: encoding names match case-insensitively; "UTF-8" is the IANA name and "utf8" is none
  // (no IANA name or alias), so it is refused like any encoding this parser does not decode.
  test.each(['UTF-8', 'utf-8', 'Utf-8'])('encoding="%s" is accepted', (encoding) => {
    expect(parseCorsXml(withDeclaration(`<?xml version="1.0" encoding="${encoding}"?>`)).CORSRules).toHaveLength(1);
  });

  test.each([
    '<?xml version="1.0"?>',
    "<?xml version='1.0' encoding='UTF-8'?>",
    '<?xml version = "1.0"  encoding = "UTF-8"  standalone = "yes" ?>',
    '<?xml version="1.0" standalone="no"?>',
    '<?xml\tversion="1.0"\nencoding="UTF-8"\r\n?>',
  ])('the declaration %p is accepted', (declaration) => {
    expect(parseCorsXml(withDeclaration(declaration)).CORSRules).toHaveLength(1);
  });

  test.each([
    ['encoding ISO-8859-1', '<?xml version="1.0" encoding="ISO-8859-1"?>'],
    ['encoding US-ASCII', '<?xml version="1.0" encoding="US-ASCII"?>'],
    ['encoding UTF-16', '<?xml version="1.0" encoding="UTF-16"?>'],
    ['encoding utf8 (not an IANA name)', '<?xml version="1.0" encoding="utf8"?>'],
    ['encoding UTF-8 with spaces', '<?xml version="1.0" encoding=" UTF-8"?>'],
    ['empty encoding', '<?xml version="1.0" encoding=""?>'],
    ['version 1.1 (other character and line-end rules)', '<?xml version="1.1"?>'],
    ['version 2.0', '<?xml version="2.0"?>'],
    ['no version', '<?xml encoding="UTF-8"?>'],
    ['nothing declared', '<?xml?>'],
    ['encoding before version', '<?xml encoding="UTF-8" version="1.0"?>'],
    ['standalone before encoding', '<?xml version="1.0" standalone="yes" encoding="UTF-8"?>'],
    ['standalone other than yes/no', '<?xml version="1.0" standalone="YES"?>'],
    ['an unknown pseudo-attribute', '<?xml version="1.0" foo="bar"?>'],
    ['a repeated version', '<?xml version="1.0" version="1.0"?>'],
    ['no space between pseudo-attributes', '<?xml version="1.0"encoding="UTF-8"?>'],
    ['unquoted version', '<?xml version=1.0?>'],
    ['mismatched quotes', `<?xml version="1.0'?>`],
    ['no "="', '<?xml version "1.0"?>'],
    ['trailing text', '<?xml version="1.0" ok?>'],
    ['upper-case XML', '<?XML version="1.0"?>'],
    ['a second declaration', '<?xml version="1.0"?><?xml version="1.0"?>'],
    ['after a comment', '<!-- c --><?xml version="1.0"?>'],
    ['after whitespace', ' <?xml version="1.0"?>'],
  ])('a declaration with %s is MalformedXML', (_name, declaration) => {
    expect(codeOf(withDeclaration(declaration))).toBe('MalformedXML');
  });

  test('a declaration inside the document is MalformedXML; other processing instructions are accepted and dropped', () => {
    expect(codeOf(wrap(rule(`<?xml version="1.0"?>${MINIMAL}`)))).toBe('MalformedXML');
    expect(codeOf(wrap(rule(`<?xMl note?>${MINIMAL}`)))).toBe('MalformedXML');
    const parsed = parseCorsXml(`<?xml-stylesheet href="a"?><CORSConfiguration>${rule(`<?app do this?>${MINIMAL}<?é?>`)}</CORSConfiguration><?tail?>`);
    expect(parsed).toEqual({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] });
  });

  test.each(['<??>', '<? app?>', '<?1app?>', '<?-app?>', '<?a=b?>', '<?a"b?>'])('the processing instruction %p (target not an XML name) is MalformedXML', (pi) => {
    expect(codeOf(wrap(rule(`${pi}${MINIMAL}`)))).toBe('MalformedXML');
  });

  test('"]]>" in character data is MalformedXML (XML 1.0 §2.4); escaped or in CDATA it is text', () => {
    expect(codeOf(origin('a]]>b'))).toBe('MalformedXML');
    expect(parseCorsXml(origin('a]]&gt;b<![CDATA[]]]]><![CDATA[>]]>')).CORSRules[0]!.AllowedOrigins).toEqual(['a]]>b]]>']);
  });

  test('raw CR and CRLF are line ends (read as LF) also in CDATA; &#13; is a CR', () => {
    expect(parseCorsXml(origin('a\rb\r\nc<![CDATA[d\re\r\nf]]>&#13;&#xD;')).CORSRules[0]!.AllowedOrigins).toEqual(['a\nb\ncd\ne\nf\r\r']);
  });

  test('every value the parser accepts reads back the same after serializeCorsXml (PUT → GET → PUT)', () => {
    const body = wrap(
      rule(
        '<ID> id &amp; &#x1F600; &#13;&#10;&#9; </ID><AllowedOrigin></AllowedOrigin><AllowedOrigin><![CDATA[<&>"\']]></AllowedOrigin>' +
          '<AllowedOrigin>\t\u0085\u007f\ufffd\u{10ffff} a\r\nb</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>X-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>' +
          '<MaxAgeSeconds> -0 </MaxAgeSeconds>',
      ),
    );
    const parsed = parseCorsXml(body);
    const again = parseCorsXml(serializeCorsXml(parsed));
    expect(again).toEqual(parsed);
    expect(serializeCorsXml(again)).toBe(serializeCorsXml(parsed));
  });
});

describe('serializeCorsXml', () => {
  test('T02 S3 body: declaration, namespace, SDK element order, optional elements omitted', () => {
    const config: CorsConfiguration = {
      CORSRules: [
        { AllowedOrigins: ['https://test.com', 'http://test.com:80'], AllowedMethods: ['GET', 'PUT'], MaxAgeSeconds: 3000, AllowedHeaders: ['x-amz-*'], ExposeHeaders: ['ETag'], ID: 'r1' },
        { AllowedOrigins: [''], AllowedMethods: ['GET'], MaxAgeSeconds: 0 },
      ],
    };
    expect(serializeCorsXml(config)).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration xmlns="${NS}">` +
        '<CORSRule><ID>r1</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>' +
        '<AllowedOrigin>https://test.com</AllowedOrigin><AllowedOrigin>http://test.com:80</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>' +
        '<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin></AllowedOrigin><MaxAgeSeconds>0</MaxAgeSeconds></CORSRule>' +
        '</CORSConfiguration>',
    );
  });

  test('escapes markup in values', () => {
    const xml = serializeCorsXml({ CORSRules: [{ ID: `<a>&"'`, AllowedOrigins: ['https://a?x=1&y=2'], AllowedMethods: ['GET'] }] });
    expect(xml).toContain('<ID>&lt;a&gt;&amp;&quot;&apos;</ID>');
    expect(xml).toContain('<AllowedOrigin>https://a?x=1&amp;y=2</AllowedOrigin>');
  });

  test('round-trips through parseCorsXml', () => {
    const config: CorsConfiguration = {
      CORSRules: [
        { ID: 'a&b <c>', AllowedOrigins: ['*', 'https://a?x=1&y="2"', ''], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['x-AMZ-*', 'Content-Type'], ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: -1 },
        { AllowedOrigins: [' spaced '], AllowedMethods: ['DELETE'], MaxAgeSeconds: 0 },
        { AllowedOrigins: ['http://*.example.com'], AllowedMethods: ['POST'] },
      ],
    };
    expect(parseCorsXml(serializeCorsXml(config))).toEqual(config);
  });
});
