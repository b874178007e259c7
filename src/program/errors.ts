/**
 * One error hierarchy for everything a user can get wrong. Messages name the op (and its index),
 * the variables with shapes and dtypes, expected versus found, and the fix when it is known.
 */
export class ProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit an op, a feed or a variable. */
export class ShapeError extends ProgramError {}

/** Element types that do not fit an op, a feed or a variable. */
export class DTypeError extends ProgramError {}

/** Variables a run needs that are neither fed, nor in the scope, nor produced. */
export class MissingFeedError extends ProgramError {
  constructor(
    message: string,
    readonly missing: readonly string[],
  ) {
    super(message);
  }
}

/** An op type the program refers to that sagraph does not implement. */
export class UnsupportedOpError extends ProgramError {}

/** Bytes that are not a valid file of the expected format. */
export class FileFormatError extends ProgramError {}

/** A bad argument to an API function (wrong type, out of range). */
export class ArgumentError extends ProgramError {}

/** Something wrong found while a kernel ran (an index out of range, a division of integers by 0). */
export class RuntimeOpError extends ProgramError {}
