// Escaping for the HTML view: text and attribute values in markup, and JSON embedded in a
// <script type="application/json"> element. Every value the view shows comes from input files.

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in HTML content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * JSON safe inside a <script> element: `<`, `>` and `&` as \u escapes (so no `</script>` or
 * `<!--` can end or change the element), and U+2028/U+2029 too. `JSON.parse` reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  const toUnicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, toUnicodeEscape);
}
