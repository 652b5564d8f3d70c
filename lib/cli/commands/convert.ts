// `bucket-cors convert`: any registered format to any other, every loss a warning on stderr, `--strict` to refuse them.

import { Option, type Command } from 'commander';
import { convert, DIALECTS } from '../../formats/index.js';
import { cliErrorOf, conversionWarningLines, FORMAT_NAMES } from '../formats.js';
import { EXIT_CLEAN, printJson, printNotes } from '../output.js';
import { jsonOption, readInput, type SetExitCode } from './shared.js';

const HELP = `
Formats: a dialect name means its default format (${DIALECTS.map((dialect) => `${dialect.name} = ${dialect.formats[0]!.name}`).join(', ')}).
Examples:
  bucket-cors convert cors.xml --to json > cors.json
  bucket-cors convert --from gcs --to s3-xml gcs-cors.json
  bucket-cors convert --to azure --strict cors.json   (exit code 1 if anything would be lost)`;

/** Adds `convert [--from X] --to Y [--strict] [--json] FILE` to `program`. */
export function addConvertCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('convert')
    .description('convert a configuration to another format (validated first); what the target loses or decides differently is a warning on stderr')
    .argument('<file>', 'a configuration in any format ("-" for stdin)')
    .addOption(new Option('--to <format>', 'the format to write').choices(FORMAT_NAMES).makeOptionMandatory())
    .addOption(new Option('--from <format>', 'the format of the file (default: detected from the content)').choices(FORMAT_NAMES))
    .addOption(new Option('--format <format>', 'the same as --from').choices(FORMAT_NAMES).hideHelp())
    .option('--strict', 'refuse (exit code 1) when the conversion would lose anything')
    .addOption(jsonOption())
    .addHelpText('after', HELP)
    .action(async (file: string, options: { to: string; from?: string; format?: string; strict?: boolean; json?: boolean }) => {
      const input = await readInput(file);
      let conversion;
      try {
        conversion = convert(input, { from: options.from ?? options.format, to: options.to, strict: options.strict === true });
      } catch (error) {
        throw cliErrorOf(error, file);
      }
      if (options.json) printJson(conversion);
      else {
        process.stdout.write(conversion.document);
        printNotes(conversionWarningLines(conversion.warnings));
      }
      setExitCode(EXIT_CLEAN);
    });
}
