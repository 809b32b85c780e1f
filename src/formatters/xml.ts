// eslint-disable-next-line no-control-regex -- these control characters are exactly what XML 1.0 forbids
const NOT_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Escapes text for an XML 1.0 attribute value or element content.
 * Characters XML 1.0 cannot hold at all (most C0 controls, lone
 * surrogates, U+FFFE/U+FFFF) become U+FFFD; line breaks and tabs are kept
 * as character references, because a parser turns a raw newline in an
 * attribute into a space.
 */
export function escapeXml(s: string): string {
  return s
    .replace(NOT_IN_XML, "\uFFFD")
    .replace(LONE_SURROGATE, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
