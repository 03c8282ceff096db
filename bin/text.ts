/**
 * Terminal-safe text and human-readable times for the CLI's output.
 * @module
 */

// Claim values are untrusted input: control characters (ANSI escapes, CR that
// overwrites a line, C1 CSI) and bidi controls (U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069: they reorder what the terminal shows, as in
// Trojan Source, CVE-2021-42574) are shown as \u escapes, never sent to the terminal.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// JSON.stringify already escapes U+0000 to U+001F; these it leaves raw
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// what the CLI writes, whole: every unsafe character but the line feeds it puts between lines
const UNSAFE_IN_OUTPUT = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One value as a single safe line: strings as they are, anything else as JSON. */
export function safe(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.replace(UNSAFE, escape);
}

/** A list as `[a, b]`; a single string counts as a list of one. */
export function list(value: unknown): string {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return `[${items.map(safe).join(', ')}]`;
}

/**
 * Text as the CLI writes it: the last line of defence, so a value that reached
 * the output without `safe()` still cannot carry a control or bidi character.
 * Line feeds stay; inside JSON strings the escapes keep it parsing to the same value.
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE_IN_OUTPUT, escape);
}

/** JSON that is safe to print to a terminal and still parses to the same value. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, escape);
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A length of time in the largest unit that keeps it readable: `45 s`, `12 min`, `3 h`, `5 d`. */
export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * MINUTE) return `${Math.round(s / MINUTE)} min`;
  if (s < 48 * HOUR) return `${Math.round(s / HOUR)} h`;
  return `${Math.round(s / DAY)} d`;
}

/** `in 12 min` or `12 min ago`, from `nowSec` to `atSec`. */
export function relative(atSec: number, nowSec: number): string {
  const delta = atSec - nowSec;
  return delta >= 0 ? `in ${duration(delta)}` : `${duration(delta)} ago`;
}

/** A NumericDate (RFC 7519 §2) as ISO 8601, or undefined when it is not a usable number. */
export function isoTime(seconds: unknown): string | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace('.000Z', 'Z');
}
