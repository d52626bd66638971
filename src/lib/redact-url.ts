/**
 * A connection URL fit for logs and error messages: the password replaced by `***`. Anything that
 * does not parse as a URL is returned as a placeholder, since it could be a bare secret.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid url>';
  }
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
