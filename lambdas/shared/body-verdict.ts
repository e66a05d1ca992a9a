/** A body proven complete and of the expected shape (JSON or XML), or what is wrong with it. */
export type BodyVerdict<T> = { content: T } | { problem: string };
