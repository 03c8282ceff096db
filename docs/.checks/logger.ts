// An application's logger.
declare const logger: { warn(event: unknown): void };
