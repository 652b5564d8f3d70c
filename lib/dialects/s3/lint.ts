// The lint advice that is about AWS clients rather than CORS: what browser uploads through the AWS SDKs need.

import { allowsHeader } from '../../core/decide.js';
import type { CompiledRule } from '../../core/compile.js';
import type { LintPack } from '../../core/lint.js';
import type { CorsRule } from '../../core/model.js';
import { joinWords } from '../../core/wording.js';

/**
 * Headers the AWS SDKs for JavaScript send from browsers on uploads (signed requests: `authorization`,
 * `x-amz-date`, `x-amz-content-sha256`; checksums; the SDK's retry and invocation headers).
 */
export const SDK_BROWSER_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'content-type',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-amz-user-agent',
  'x-amz-checksum-crc32',
  'x-amz-sdk-checksum-algorithm',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
]);

/** The codes of {@link AWS_SDK_LINT_PACK}. */
export type AwsSdkLintCode = 'upload-without-etag' | 'sdk-headers-not-allowed';

/**
 * Advice for rules that browsers use through the AWS SDKs (express-bucket-cors/docs/behaviour.md §23.6):
 * - `upload-without-etag`: PUT or POST allowed, `ETag` not exposed (browser multipart uploads read it);
 * - `sdk-headers-not-allowed`: PUT or POST allowed, some of {@link SDK_BROWSER_HEADERS} not allowed.
 */
export const AWS_SDK_LINT_PACK: LintPack<AwsSdkLintCode> = Object.freeze<LintPack<AwsSdkLintCode>>({
  name: 'aws-sdk',
  check(rule: CorsRule<string>, compiled: CompiledRule) {
    const warnings: Array<{ code: AwsSdkLintCode; message: string }> = [];
    if (!rule.AllowedMethods.includes('PUT') && !rule.AllowedMethods.includes('POST')) return warnings;
    if (!(rule.ExposeHeaders ?? []).some((name: string) => name.toLowerCase() === 'etag'))
      warnings.push({ code: 'upload-without-etag', message: 'allows PUT or POST but does not expose ETag: browser multipart uploads need it (add ETag to ExposeHeaders)' });
    const missing = SDK_BROWSER_HEADERS.filter((name) => !allowsHeader(compiled, name));
    if (missing.length > 0)
      warnings.push({
        code: 'sdk-headers-not-allowed',
        message: `allows PUT or POST but AllowedHeaders does not cover ${joinWords(missing)}, which AWS SDKs send from browsers (add them, or patterns such as x-amz-* and amz-sdk-*)`,
      });
    return warnings;
  },
});

/** The lint packs of the S3 dialect: what `lint` runs for configurations S3 clients use. */
export const S3_LINT_PACKS: readonly LintPack[] = Object.freeze([AWS_SDK_LINT_PACK]);
