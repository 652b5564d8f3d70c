// Commands on local configuration files, no server involved: lint, explain, convert.

import { Option, type Command } from 'commander';
import { explain, lint, ruleLabel, type Explanation } from '../../core/index.js';
import { FORMAT_NAMES, readConfiguration, writeConfiguration } from '../formats.js';
import { EXIT_CLEAN, EXIT_REFUSED, printJson, printLines } from '../output.js';
import { FILE_ARGUMENT, formatOption, jsonOption, readText, warningLines, type SetExitCode } from './shared.js';

function explanationLines(explanation: Explanation): string[] {
  const lines = [explanation.allowed ? `allowed by ${ruleLabel(explanation.rule!, undefined)}` : `refused (${explanation.reason})`];
  for (const rule of explanation.rules) {
    const label = `  ${ruleLabel(rule.index, rule.id)}`;
    if (rule.failed.length === 0) lines.push(`${label}: matches`);
    else lines.push(`${label}: ${rule.failed.join(', ')} fail${rule.deniedHeaders.length > 0 ? `; headers not allowed: ${rule.deniedHeaders.join(', ')}` : ''}`);
  }
  for (const [name, value] of explanation.headers) lines.push(`  ${name}: ${value}`);
  if (explanation.suggestion !== null) lines.push(`suggestion: ${explanation.suggestion}`);
  return lines;
}

function addLintCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('lint')
    .description('validate a configuration as PutBucketCors does and print lint warnings')
    .argument('<file>', FILE_ARGUMENT)
    .addOption(formatOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  bucket-cors lint cors.json --json')
    .action((file: string, options: { format?: string; json?: boolean }) => {
      const { configuration, format } = readConfiguration(readText(file), options.format, file);
      const warnings = lint(configuration);
      if (options.json) printJson({ file, format: format.name, warnings });
      else printLines(warnings.length === 0 ? [`${file}: no warnings`] : warningLines(warnings));
      setExitCode(warnings.length === 0 ? EXIT_CLEAN : EXIT_REFUSED);
    });
}

function addExplainCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('explain')
    .description('explain how the rules answer a request: the verdict, what each rule fails, the smallest fix')
    .argument('<file>', FILE_ARGUMENT)
    .requiredOption('--origin <origin>', 'the Origin header')
    .requiredOption('--method <method>', 'the method of the request (for --preflight, the Access-Control-Request-Method)')
    .option('--headers <names>', 'Access-Control-Request-Headers, comma-separated')
    .option('--preflight', 'explain the OPTIONS preflight (default: the actual request)')
    .addOption(formatOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  bucket-cors explain cors.json --origin https://app.example.com --method PUT --headers x-amz-meta-note --preflight')
    .action((file: string, options: { origin: string; method: string; headers?: string; preflight?: boolean; format?: string; json?: boolean }) => {
      const { configuration } = readConfiguration(readText(file), options.format, file);
      const explanation = explain(configuration, { origin: options.origin, method: options.method, requestHeaders: options.headers, preflight: options.preflight === true });
      if (options.json) printJson(explanation);
      else printLines(explanationLines(explanation));
      setExitCode(explanation.allowed ? EXIT_CLEAN : EXIT_REFUSED);
    });
}

function addConvertCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('convert')
    .description('convert a configuration to another format (validated first)')
    .argument('<file>', FILE_ARGUMENT)
    .addOption(new Option('--to <format>', 'the format to write').choices(FORMAT_NAMES).makeOptionMandatory())
    .addOption(formatOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  bucket-cors convert cors.xml --to json > cors.json')
    .action((file: string, options: { to: string; format?: string; json?: boolean }) => {
      const { configuration, format } = readConfiguration(readText(file), options.format, file);
      const { document, notes } = writeConfiguration(configuration, options.to);
      if (options.json) printJson({ from: format.name, to: options.to, document, notes });
      else {
        process.stdout.write(document);
        for (const note of notes) process.stderr.write(`note: ${note}\n`);
      }
      setExitCode(EXIT_CLEAN);
    });
}

/** Adds lint, explain and convert to `program`, in that order. */
export function addFileCommands(program: Command, setExitCode: SetExitCode): void {
  addLintCommand(program, setExitCode);
  addExplainCommand(program, setExitCode);
  addConvertCommand(program, setExitCode);
}
