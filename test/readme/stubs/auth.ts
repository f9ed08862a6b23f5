/** The README's token check: the user a token belongs to, or null. */
export function verifyToken(token: unknown): { id: string } | null {
  return typeof token === 'string' && token.length > 0 ? { id: token } : null;
}
