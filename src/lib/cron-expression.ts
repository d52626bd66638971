/**
 * Cron expressions as Galley accepts them (parsed by `croner`): 5 fields, or 6 with seconds first,
 * plus croner's nicknames (`@hourly`, `@daily`...). Shared by settings validation and the scheduler.
 */
import { Cron } from 'croner';

/** Parses `expression` (UTC unless `timezone`) into a paused croner instance; throws when invalid. */
export function parseCronExpression(expression: string, timezone = 'UTC'): Cron {
  return new Cron(expression, { paused: true, timezone });
}

export function isValidCronExpression(expression: string): boolean {
  try {
    parseCronExpression(expression).stop();
    return true;
  } catch {
    return false;
  }
}
