import type * as z from 'zod';

/** A field path as people write it: `resources[0].paginator.limit`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (text, part) =>
        typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part),
      '',
    ) || '(root)'
  );
}

/** Every problem zod found, one `field: message` each, for errors that name the bad field. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`);
}
