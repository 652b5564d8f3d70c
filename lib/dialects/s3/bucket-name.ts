// S3's naming rules for general purpose buckets, as advice: the library serves any bucket name it is given.

/** Prefixes S3 reserves. */
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
/** Suffixes S3 reserves (access point aliases, Object Lambda, Multi-Region Access Points, directory and table buckets). */
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const ALLOWED = /^[a-z0-9.-]*$/;

/**
 * Why CreateBucket would refuse `name` today, or `undefined` when it is a valid bucket name: 3 to 63
 * characters of `a-z 0-9 . -`, a letter or digit at both ends, no `..`, not an IPv4 address, none of
 * S3's reserved prefixes (`xn--`, `sthree-`, `amzn-s3-demo-`) and suffixes (`-s3alias`, `--ol-s3`,
 * `.mrap`, `--x-s3`, `--table-s3`). Older buckets in us-east-1 may have names these rules refuse.
 */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `it has ${name.length} characters, not 3 to 63`;
  if (!ALLOWED.test(name)) return 'it has characters other than lower-case letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'it does not begin and end with a letter or a digit';
  if (name.includes('..')) return 'it has two adjacent dots';
  if (IPV4.test(name)) return 'it is formatted as an IP address';
  const prefix = RESERVED_PREFIXES.find((reserved) => name.startsWith(reserved));
  if (prefix !== undefined) return `the prefix ${JSON.stringify(prefix)} is reserved`;
  const suffix = RESERVED_SUFFIXES.find((reserved) => name.endsWith(reserved));
  if (suffix !== undefined) return `the suffix ${JSON.stringify(suffix)} is reserved`;
  return undefined;
}
