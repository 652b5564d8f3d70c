#!/usr/bin/env node
// The `bucket-cors` executable (package.json `bin`): runs the command line and sets the exit code.

import { main } from './program.js';

// A reader that stops early (`bucket-cors list | head`) is not an error: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
