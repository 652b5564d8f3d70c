// The doctor command: probes a live endpoint as browsers and AWS SDKs would (the probes are ../doctor.ts).

import type { Command } from 'commander';
import { runDoctor } from '../doctor.js';
import { EXIT_CLEAN, EXIT_REFUSED, maskPasswords, printJson, printLines } from '../output.js';
import { jsonOption, type SetExitCode } from './shared.js';

/** Adds doctor to `program`. */
export function addDoctorCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('doctor')
    .description('replay what browsers and AWS SDKs send to a live endpoint (path-style) and report what would break')
    .argument('<url>', 'the endpoint, e.g. https://s3.example.com')
    .requiredOption('--bucket <bucket>', 'the bucket to probe')
    .requiredOption('--origin <origin>', 'the Origin of the page that calls the endpoint')
    .option('--key <key>', 'the object key to request (a missing key is fine: S3 adds CORS headers to its 404)', 'bucket-cors-doctor-probe')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  bucket-cors doctor http://localhost:9000 --bucket photos --origin http://localhost:9001')
    .action(async (url: string, options: { bucket: string; origin: string; key: string; json?: boolean }) => {
      const checks = await runDoctor({ url, bucket: options.bucket, origin: options.origin, key: options.key });
      if (options.json) printJson({ url: maskPasswords(url), bucket: options.bucket, origin: options.origin, checks });
      else printLines(checks.map((check) => `${check.ok ? 'ok  ' : 'FAIL'} ${check.check}: ${check.message}`));
      setExitCode(checks.every((check) => check.ok) ? EXIT_CLEAN : EXIT_REFUSED);
    });
}
