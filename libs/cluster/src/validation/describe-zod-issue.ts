import type { z } from 'zod';

/**
 * One line per validation problem, naming the option: "unknown option `x` in `y`", "`a.b` must be ...".
 * Shared by every Shoal module's option validation.
 */
export function describeZodIssue(issue: z.core.$ZodIssue, where?: string): string {
  const lead = where ? `${where}: ` : '';
  if (issue.code === 'unrecognized_keys') {
    const inside = issue.path.length > 0 ? ` in \`${issue.path.join('.')}\`` : '';
    const keys = issue.keys.map((k) => `\`${k}\``).join(', ');
    return `${lead}unknown option${issue.keys.length > 1 ? 's' : ''} ${keys}${inside}`;
  }
  const path = issue.path.map(String).join('.');
  if (issue.code === 'invalid_union' && path) return `${lead}\`${path}\`: not a value Shoal understands`;
  return `${lead}${path ? `\`${path}\` ` : ''}${issue.message}`;
}
