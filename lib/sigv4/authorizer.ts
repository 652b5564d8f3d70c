// sigv4Authorizer: the `authorize` option of corsRouter and mediaStoreRouter, from a verifier and an allow rule.

import type { IncomingMessage } from 'node:http';
import type { AdminAccessContext, AdminGrant } from '../admin/service.js';
import { optionalFunction, readOptions, type OptionCheck } from '../options.js';
import { VERIFIER_CHECKS, type SigV4VerifierOptions } from './options.js';
import type { Principal } from './types.js';
import { verifierOf, type SigV4Verifier } from './verifier.js';

/** Decides, once the signature verified, whether `principal` may perform `context.action` on `context.bucket`. */
export type SigV4Allow = (principal: Principal, context: AdminAccessContext) => boolean | Promise<boolean>;

/** Options of {@link sigv4Authorizer}: a verifier, or the options to build one. */
export type SigV4AuthorizerOptions = (
  | {
      /** A verifier from `createSigV4Verifier` (e.g. one your data plane shares). Give it, or the verifier options. */
      readonly verifier: SigV4Verifier;
    }
  | (SigV4VerifierOptions & { readonly verifier?: undefined })
) & {
  /**
   * Who may do what once the signature verified. Default: every signed caller may (any key the
   * `credentials` know is an owner's); anonymous callers may not (the router answers its access
   * denied: S3's 403 AccessDenied, MediaStore's AccessDeniedException). Write your own to hold keys to
   * their buckets, e.g. `(p, { bucket }) => p.kind === 'signed' && ownerOf(bucket) === p.owner`.
   */
  readonly allow?: SigV4Allow;
};

/** The `authorize` function both routers accept: a signed caller it allows is granted as its access key ID (the history names it). */
export type SigV4Authorizer = (req: IncomingMessage, context: AdminAccessContext) => Promise<boolean | AdminGrant>;

const OWNER = 'sigv4Authorizer';

const verifierOption: OptionCheck<SigV4Verifier | undefined> = optionalFunction<SigV4Verifier>('(req, body?) => Promise<Principal> from createSigV4Verifier');

const defaultAllow: SigV4Allow = (principal) => principal.kind === 'signed';

/**
 * An `authorize` for `corsRouter` and `mediaStoreRouter` that verifies the request's SigV4 signature
 * (with the body the router read, so a signed payload hash is checked) and then asks `allow`. A
 * failed verification rejects with the service's own error, which the router answers as it is.
 * The verifier's service must be the router's (`s3` for `s3:` actions, `mediastore` for `mediastore:`).
 *
 * @throws TypeError when an option is missing or wrong, or both `verifier` and verifier options are given.
 */
export function sigv4Authorizer(options: SigV4AuthorizerOptions): SigV4Authorizer {
  const given = options as Record<string, unknown> | undefined;
  const hasVerifier = given?.verifier !== undefined;
  const checked = readOptions(OWNER, given, {
    ...VERIFIER_CHECKS,
    // With a verifier, its options are not needed (and not allowed); without one, `credentials` is required.
    credentials: hasVerifier ? (value: unknown) => value : VERIFIER_CHECKS.credentials,
    verifier: verifierOption,
    allow: optionalFunction<SigV4Allow>('(principal, { action, bucket, body }) => boolean | Promise<boolean>'),
  });
  const { verifier: _verifier, allow: _allow, ...verifierOptions } = checked;
  if (hasVerifier) {
    const extra = Object.keys(given!).filter((key) => key !== 'verifier' && key !== 'allow' && given![key] !== undefined);
    if (extra.length > 0) throw new TypeError(`${OWNER}: give \`verifier\` or the verifier options (${extra.map((key) => `\`${key}\``).join(', ')}), not both.`);
  }
  const verify = checked.verifier ?? verifierOf(verifierOptions as Parameters<typeof verifierOf>[0]);
  const allow = checked.allow ?? defaultAllow;
  const service = checked.verifier === undefined ? verifierOptions.service : undefined;
  return async (req, context) => {
    if (service !== undefined && !context.action.startsWith(`${service}:`))
      throw new Error(`${OWNER}: a verifier for service "${service}" was asked about ${context.action}; build it with the router's service.`);
    const principal = await verify(req, context.body);
    if ((await allow(principal, context)) !== true) return false;
    return principal.kind === 'signed' ? { principal: principal.accessKeyId } : true;
  };
}
