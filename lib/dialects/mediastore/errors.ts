// MediaStore's JSON 1.1 errors: `{"__type": name, "Message": …}`, the names the AWS SDKs parse (express-bucket-cors/docs/behaviour.md §13).

/**
 * An error as MediaStore's control plane answers it: HTTP status, the `__type` name the SDKs read
 * (`ContainerNotFoundException`, …) and a message.
 */
export class MediaStoreError extends Error {
  /** The error's name on the wire (`__type`); the SDKs raise an exception of this name. */
  readonly type: string;
  readonly status: number;
  /** Extra response headers (e.g. `Retry-After` on 503). */
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;

  constructor(status: number, type: string, message: string, headers: ReadonlyArray<readonly [string, string]> = []) {
    super(message);
    this.name = 'MediaStoreError';
    this.type = type;
    this.status = status;
    this.headers = headers;
  }
}

/** True for a {@link MediaStoreError} (also across duplicated copies of this package). */
export function isMediaStoreError(value: unknown): value is MediaStoreError {
  return value instanceof MediaStoreError || (value instanceof Error && value.name === 'MediaStoreError' && typeof (value as MediaStoreError).type === 'string');
}

/**
 * Every MediaStore error the library answers with. The modelled exceptions keep their names and
 * HTTP 400 (500 for `InternalServerError`); where the service model has none, the names are AWS's
 * common JSON errors, which every SDK surfaces by name: `ValidationException` for invalid input
 * (no validation exception is modelled: a choice, express-bucket-cors/docs/behaviour.md §15), `SerializationException`
 * for a body that is not the operation's JSON shape, `AccessDeniedException`, `UnknownOperationException`,
 * `ServiceUnavailable` (503) while the store is unreachable.
 */
export const MediaStoreErrors = Object.freeze({
  // The modelled exceptions' messages are the service model's documentation strings (express-bucket-cors/docs/behaviour.md §13.3).
  containerNotFound: () => new MediaStoreError(400, 'ContainerNotFoundException', 'The container that you specified in the request does not exist.'),
  corsPolicyNotFound: () => new MediaStoreError(400, 'CorsPolicyNotFoundException', 'The CORS policy that you specified in the request does not exist.'),
  containerInUse: () => new MediaStoreError(400, 'ContainerInUseException', 'The container that you specified in the request already exists or is being updated.'),
  limitExceeded: (message: string) => new MediaStoreError(400, 'LimitExceededException', message),
  validation: (message: string) => new MediaStoreError(400, 'ValidationException', message),
  serialization: (message: string) => new MediaStoreError(400, 'SerializationException', message),
  accessDenied: () => new MediaStoreError(400, 'AccessDeniedException', 'User is not authorized to perform this action.'),
  unknownOperation: (target: string) => new MediaStoreError(400, 'UnknownOperationException', `Unknown operation ${target}.`),
  // SigV4 failures (express-bucket-cors/docs/behaviour.md §20): the common errors of AWS's JSON services, by name.
  unrecognizedClient: () => new MediaStoreError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'),
  /** A signature that does not verify, or one out of its time window; 400 for a credential scoped to the wrong service or region, as AWS answers. */
  invalidSignature: (message: string, status = 403) => new MediaStoreError(status, 'InvalidSignatureException', message),
  /** An Authorization header or presigned query that lacks or garbles a part of the signature. */
  incompleteSignature: (message: string) => new MediaStoreError(400, 'IncompleteSignatureException', message),
  serviceUnavailable: (retryAfterSeconds: number) =>
    new MediaStoreError(503, 'ServiceUnavailable', 'The service is unavailable. Please retry.', [['Retry-After', String(retryAfterSeconds)]]),
  internal: () => new MediaStoreError(500, 'InternalServerError', 'The service is temporarily unavailable.'),
});
