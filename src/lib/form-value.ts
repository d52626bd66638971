/**
 * Value inference for urlencoded and multipart string parts, as PocketBase does it: the strings
 * "true"/"false" become booleans, and a numeric string becomes a number only when the number prints
 * back to exactly the same text — so "0001", "1.50", "1e3", "-0" and " 1" stay strings and no
 * identifier or code with leading zeros is corrupted.
 */
export function inferFormValue(raw: string): string | number | boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === '' || raw.length > 32) return raw;
  const first = raw.charCodeAt(0);
  // Only strings that start like a number are worth parsing (a digit or a minus sign).
  if (!((first >= 48 && first <= 57) || first === 45)) return raw;
  const n = Number(raw);
  return Number.isFinite(n) && String(n) === raw ? n : raw;
}

/** Go's strconv.ParseBool, which PocketBase uses for flags such as `skipTotal` and `download`. */
export function parseBoolFlag(raw: string | undefined | null): boolean | undefined {
  switch (raw) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False':
      return false;
    default:
      return undefined;
  }
}
