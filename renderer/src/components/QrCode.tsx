import { toCanvas } from 'qrcode';
import { useEffect, useRef, useState } from 'react';

// WhatsApp's login code, drawn in the app (never sent anywhere to be rendered).
export function QrCode({ value, label }: { value: string; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    toCanvas(canvas.current, value, { margin: 2, scale: 6, errorCorrectionLevel: 'L' }).then(
      () => setError(null),
      (e: Error) => setError(e.message),
    );
  }, [value]);
  return (
    <figure className="qr">
      <canvas ref={canvas} role="img" aria-label={label} data-testid="whatsapp-qr" data-qr={value} />
      {error ? <figcaption className="error">{error}</figcaption> : null}
    </figure>
  );
}
