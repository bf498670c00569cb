/** Every code an AppError may carry: `<area>.<what>`, so logs, audit rows and the CLI name the same thing. */
export type AppErrorCode =
  | 'admins.exists'
  | 'admins.invalid_username'
  | 'admins.last_admin'
  | 'admins.invalid_role'
  | 'admins.not_found'
  | 'admins.weak_password'
  | 'client.invalid'
  | 'client.no_secret'
  | 'client.not_found'
  | 'config.invalid_data_file'
  | 'request.too_large'
  | 'request.unsupported_media_type';

/** Errors of our own code: a dotted code, an HTTP status, and whether the message may be shown. */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly status = 400,
    readonly expose = status < 500,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** A data file the configuration names (SCOPES_FILE, ROUTES_FILE, the ACL titles) is unusable: a start-up error. */
export function dataFileError(message: string, cause?: unknown): AppError {
  // Shown: the message names the operator's own file and entry, never a secret.
  return new AppError('config.invalid_data_file', message, 500, true, undefined, cause ? { cause } : undefined);
}
