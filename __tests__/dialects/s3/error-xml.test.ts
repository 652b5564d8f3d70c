// escapeXml: carriage returns survive a GetBucketCors XML round trip; tab and LF stay literal.

import { escapeXml, validateCorsConfiguration, parseCorsXml, serializeCorsXml } from 'express-bucket-cors/s3';
import type { CorsConfiguration } from 'express-bucket-cors/core';

describe('escapeXml', () => {
  it('writes CR as a character reference and leaves tab and LF literal', () => {
    expect(escapeXml('a\rb\r\nc\td\ne')).toBe('a&#13;b&#13;\nc\td\ne');
  });

  it('lets a rule ID holding CR (accepted by the validator, e.g. stored via JSON) read back unchanged from GetBucketCors XML', () => {
    const config: CorsConfiguration = {
      CORSRules: [{ ID: 'line one\r\nline two\rend\ttab', AllowedOrigins: ['https://example.com'], AllowedMethods: ['GET'] }],
    };
    expect(validateCorsConfiguration(config)).toEqual(config);
    const xml = serializeCorsXml(config);
    expect(xml).not.toContain('\r');
    expect(parseCorsXml(xml)).toEqual(config);
  });
});
