/** No live node (or not the addressed one) has a `@MessagePattern` / `@EventPattern` handler for the pattern. */
export class NoHandlerError extends Error {
  constructor(
    readonly pattern: string,
    readonly where: string,
  ) {
    super(
      `no handler for "${pattern}" on ${where}: declare it with @MessagePattern/@EventPattern in a controller ` +
        'of an app that connected the Shoal transport (MessagingModule.connect(app))',
    );
    this.name = 'NoHandlerError';
  }
}
