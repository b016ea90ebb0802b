import QRCode from 'qrcode';

/** A QR code of `content` as SVG text or a PNG image, sized to scan from a phone screen. */
export function qrImage(content: string, format: 'svg' | 'png'): Promise<string | Buffer> {
  const options = { errorCorrectionLevel: 'M' as const, margin: 2 };
  return format === 'svg' ? QRCode.toString(content, { ...options, type: 'svg' }) : QRCode.toBuffer(content, { ...options, type: 'png', width: 320 });
}
