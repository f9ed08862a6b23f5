/** A Shoal decorator was given arguments that cannot work; thrown when the class is defined. */
export class InvalidDecoratorUsageError extends Error {
  constructor(decorator: string, where: string, problem: string) {
    super(`${decorator} on ${where}: ${problem}`);
    this.name = 'InvalidDecoratorUsageError';
  }
}
