/**
 * One CSV line (RFC 4180: comma separated, CRLF, cells with `"`, `,` or line breaks quoted with
 * `""` escaping). Arrays and objects are written as JSON, null as an empty cell.
 *
 * Text cells starting with `=`, `+`, `-`, `@`, tab or CR are prefixed with `'`: spreadsheet apps
 * run such cells as formulas, so an exported record could otherwise execute what a user typed
 * ("CSV injection", OWASP). Numbers are never prefixed.
 */
export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export function csvCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else text = JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
