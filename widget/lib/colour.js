// Text colours that stay readable on any background colour (WCAG 2: relative luminance and
// contrast ratio; AA asks 4.5:1 for normal text). Used for everything drawn on the primary
// colour, which an organisation may set to any #RRGGBB.

export const AA = 4.5;

const NEAR_BLACK = "#111827"; // the widget's own text colour (--parley-text)

/** The relative luminance of an sRGB colour, each channel 0..255. */
export function luminance(r, g, b) {
  const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The contrast ratio of two relative luminances (1 to 21). */
export function contrast(l1, l2) {
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}

/** The text colour for the background r, g, b: white if it reaches AA there, else the widget's
 * near-black if it does, else black. Every colour reaches at least 4.58:1 against white or
 * black, so one of the three always passes; near-black alone would not (mid-tones such as
 * #787878 get 4.0:1 from it and 4.4:1 from white). */
export function textOn(r, g, b) {
  const L = luminance(r, g, b);
  if (contrast(L, 1) >= AA) return "#ffffff";
  return contrast(L, luminance(0x11, 0x18, 0x27)) >= AA ? NEAR_BLACK : "#000000";
}
