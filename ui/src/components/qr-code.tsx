/** A QR code of a text as an inline SVG (the encoding is `uqr`'s; this only draws its modules). */
import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { encode } from 'uqr';

/**
 * `data-value` carries the encoded text, so a test (or a person with devtools) can check what the
 * code holds without decoding it.
 */
export function QrCode(props: { value: string; label: string; size?: number }): JSX.Element {
  const { size, path } = useMemo(() => {
    // ECC level M: an otpauth URI stays a small code and still survives a smudged screen. A
    // border of 4 modules is the quiet zone scanners expect.
    const qr = encode(props.value, { ecc: 'M', border: 4 });
    // One path with a run of dark modules per segment: a few hundred nodes would slow nothing
    // down, but a single path renders without hairline gaps between modules.
    let d = '';
    qr.data.forEach((row, y) => {
      for (let x = 0; x < row.length; x++) {
        if (!row[x]) continue;
        const start = x;
        while (row[x + 1]) x++;
        d += `M${start} ${y}h${x - start + 1}v1h-${x - start + 1}z`;
      }
    });
    return { size: qr.size, path: d };
  }, [props.value]);
  const px = props.size ?? 200;
  return (
    <svg
      class="qr"
      role="img"
      aria-label={props.label}
      data-value={props.value}
      width={px}
      height={px}
      viewBox={`0 0 ${size} ${size}`}
      shape-rendering="crispEdges"
    >
      <title>{props.label}</title>
      {/* Dark on white in either theme: phone cameras read inverted codes badly. */}
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
