/**
 * Domain errors: each maps to one GraphQL `extensions.code` in `formatError`.
 * Anything else thrown is masked as an internal error.
 */
export class DomainError extends Error {
  readonly code: string = "INTERNAL_SERVER_ERROR";
}

/** Bad input from the caller: says what and where (argument, JSON path, line and field). */
export class BadInputError extends DomainError {
  override readonly code = "BAD_USER_INPUT";
  constructor(
    message: string,
    readonly argument?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  override readonly code = "FORBIDDEN";
}

export class UnauthenticatedError extends DomainError {
  override readonly code = "UNAUTHENTICATED";
}

export class NotFoundError extends DomainError {
  override readonly code = "NOT_FOUND";
}

/** A state conflict, such as a quota reached or a version already published. */
export class ConflictError extends DomainError {
  override readonly code = "CONFLICT";
}

export class RateLimitedError extends DomainError {
  override readonly code = "RATE_LIMITED";
}
