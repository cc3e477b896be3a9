// recaption: the command line over src/core. Argument parsing and progress only; the work is in core.
import { CliError } from './cli-error.js';
import type { CliCommand } from './command.js';
import { scanCommand } from './commands/scan.js';
import { statsCommand } from './commands/stats.js';
import { exportCommand } from './commands/export.js';
import { upsampleCommand } from './commands/upsample.js';
import { mergeCommand } from './commands/merge.js';
import { captionCommand } from './commands/caption.js';
import { auditCommand } from './commands/audit.js';
import { dedupCommand } from './commands/dedup.js';
import { scoreCommand } from './commands/score.js';
import { gpuCommand } from './commands/gpu.js';
import { importCommand } from './commands/import.js';
import { pushCommand } from './commands/push.js';
import { writeErr, writeOut } from './terminal-text.js';
import { RECAPTION_VERSION } from '../shared/version.js';

const commands: readonly CliCommand[] = [
  importCommand,
  scanCommand,
  captionCommand,
  scoreCommand,
  statsCommand,
  auditCommand,
  dedupCommand,
  exportCommand,
  pushCommand,
  upsampleCommand,
  mergeCommand,
  gpuCommand,
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: recaption <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'recaption <command> --help shows its options.',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeOut(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    writeOut(`${RECAPTION_VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    writeErr(`recaption: unknown command "${name}"\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    writeOut(command.help + '\n');
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      writeErr(`recaption ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    writeErr(`recaption ${name}: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.RECAPTION_DEBUG) writeErr(`${(err as Error).stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      writeErr(`recaption: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
