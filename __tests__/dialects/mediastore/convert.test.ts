// Converting S3 configurations to MediaStore policies and back: what converts, what is dropped, what cannot.

import { CorsConversionError, mediaStorePolicyToS3Configuration, s3ConfigurationToMediaStorePolicy, parseCorsPolicy } from 'express-bucket-cors/mediastore';
import { validateCorsConfiguration } from 'express-bucket-cors/s3';

describe('s3ConfigurationToMediaStorePolicy', () => {
  test('converts, in MediaStore member order, and lists the IDs it dropped', () => {
    const { policy, dropped } = s3ConfigurationToMediaStorePolicy({
      CORSRules: [{ ID: 'uploads', AllowedOrigins: ['https://a'], AllowedMethods: ['PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 60, ExposeHeaders: ['ETag'] }],
    });
    expect(policy).toEqual([{ AllowedOrigins: ['https://a'], AllowedHeaders: ['*'], AllowedMethods: ['PUT'], MaxAgeSeconds: 60, ExposeHeaders: ['ETag'] }]);
    expect(Object.keys(policy[0]!)).toEqual(['AllowedOrigins', 'AllowedHeaders', 'AllowedMethods', 'MaxAgeSeconds', 'ExposeHeaders']);
    expect(dropped).toEqual(['rule 1: ID "uploads" dropped (MediaStore rules have no ID)']);
    // What it produces is a policy MediaStore's own parser accepts.
    expect(parseCorsPolicy(JSON.parse(JSON.stringify(policy)))).toEqual({ CORSRules: policy });
  });

  test('names every rule that cannot convert: POST, a missing AllowedHeaders, anything else MediaStore refuses', () => {
    let thrown: unknown;
    try {
      s3ConfigurationToMediaStorePolicy({
        CORSRules: [
          { AllowedOrigins: ['*'], AllowedMethods: ['POST'], AllowedHeaders: [] },
          { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
        ],
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CorsConversionError);
    expect((thrown as CorsConversionError).problems).toEqual([
      'rule 1 allows POST, which MediaStore does not support',
      'rule 2 has no AllowedHeaders, which MediaStore requires (add "AllowedHeaders": [] to keep its meaning)',
    ]);
    expect(() => s3ConfigurationToMediaStorePolicy({ CORSRules: [{ AllowedOrigins: [''], AllowedMethods: ['GET'], AllowedHeaders: [] }] })).toThrow(
      'cannot convert to a MediaStore CORS policy: rule 1: AllowedOrigins must not contain an empty value',
    );
  });
});

describe('mediaStorePolicyToS3Configuration', () => {
  test('always converts to a configuration S3 accepts', () => {
    const configuration = mediaStorePolicyToS3Configuration([{ AllowedOrigins: ['*'], AllowedHeaders: [], AllowedMethods: ['DELETE'], MaxAgeSeconds: 0 }]);
    expect(validateCorsConfiguration(configuration)).toEqual({ CORSRules: [{ AllowedOrigins: ['*'], AllowedHeaders: [], AllowedMethods: ['DELETE'], MaxAgeSeconds: 0 }] });
  });
});
