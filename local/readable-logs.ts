import type { LoggedLine } from './run-printer';

/**
 * Until the returned function is called, the handlers' structured log lines (Powertools' JSON, on stdout
 * or stderr) go to `onLine` instead of the terminal, where `npm start` says them in words; every other
 * write passes through. In Lambda the same lines go to CloudWatch as they are.
 */
export function readLogsInto(onLine: (line: LoggedLine) => void): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  streams.forEach((stream, index) => {
    const original = originals[index]!;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const line = typeof chunk === 'string' ? loggedLine(chunk) : undefined;
      if (!line) return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      onLine(line);
      return true;
    }) as typeof stream.write;
  });
  return () => streams.forEach((stream, index) => (stream.write = originals[index]!));
}

/** A Powertools log line: one JSON object that starts with its level and has a message. */
export function loggedLine(chunk: string): LoggedLine | undefined {
  const text = chunk.trim();
  if (!text.startsWith('{"level":') || text.includes('\n')) return undefined;
  try {
    const value = JSON.parse(text) as Partial<LoggedLine>;
    return typeof value.level === 'string' && typeof value.message === 'string'
      ? (value as LoggedLine)
      : undefined;
  } catch {
    return undefined;
  }
}
