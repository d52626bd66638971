/**
 * PocketBase's datetime macros, evaluated in UTC when a compiled rule is bound to a request.
 * Datetime macros are text in the stored format (`YYYY-MM-DD HH:MM:SS.sssZ`), so they compare
 * with datetime fields as strings; the others are numbers.
 */

export const MACRO_NAMES = [
  '@now', '@yesterday', '@tomorrow', '@todayStart', '@todayEnd', '@monthStart', '@monthEnd',
  '@yearStart', '@yearEnd', '@second', '@minute', '@hour', '@weekday', '@day', '@month', '@year',
] as const;

export type MacroName = (typeof MACRO_NAMES)[number];

export function isMacro(name: string): name is MacroName {
  return (MACRO_NAMES as readonly string[]).includes(name);
}

/** `2024-11-10 18:45:27.123Z`, the stored datetime format. */
export function formatDatetime(d: Date): string {
  return d.toISOString().replace('T', ' ');
}

const DAY = 86_400_000;

export function macroValue(name: MacroName, now: Date): string | number {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const dayStart = Date.UTC(y, m, now.getUTCDate());
  switch (name) {
    case '@now':
      return formatDatetime(now);
    case '@yesterday':
      return formatDatetime(new Date(now.getTime() - DAY));
    case '@tomorrow':
      return formatDatetime(new Date(now.getTime() + DAY));
    case '@todayStart':
      return formatDatetime(new Date(dayStart));
    case '@todayEnd':
      return formatDatetime(new Date(dayStart + DAY - 1));
    case '@monthStart':
      return formatDatetime(new Date(Date.UTC(y, m, 1)));
    case '@monthEnd':
      return formatDatetime(new Date(Date.UTC(y, m + 1, 1) - 1));
    case '@yearStart':
      return formatDatetime(new Date(Date.UTC(y, 0, 1)));
    case '@yearEnd':
      return formatDatetime(new Date(Date.UTC(y + 1, 0, 1) - 1));
    case '@second':
      return now.getUTCSeconds();
    case '@minute':
      return now.getUTCMinutes();
    case '@hour':
      return now.getUTCHours();
    case '@weekday':
      return now.getUTCDay();
    case '@day':
      return now.getUTCDate();
    case '@month':
      return m + 1;
    case '@year':
      return y;
  }
}
