/** An error whose message is meant for the user as it is: printed as one line, exit code 1 or 2. */
export class CliError extends Error {
  constructor(
    message: string,
    /** 2 for bad arguments (usage), 1 for everything else. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
