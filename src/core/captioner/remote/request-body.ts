// Serialises a chat-completion request to bytes. Images are large (hundreds of KiB of base64), and
// JSON.stringify plus UTF-8 encoding of that text for every request cost more CPU than the rest of the
// request together; an image given as bytes (its data URL, already ASCII and JSON-safe) is spliced in as-is.
import { randomBytes } from 'node:crypto';

/** A data URL as bytes: "data:image/jpeg;base64,..." in ASCII. */
export type DataUrlBytes = Uint8Array;

const JSON_SAFE_DATA_URL = /^data:[a-z]+\/[a-z0-9.+-]+;base64,$/;

/** Encodes a base64 image as its data URL bytes, once per image. */
export function dataUrlBytes(mime: string, data: Uint8Array): DataUrlBytes {
  const prefix = `data:${mime};base64,`;
  if (!JSON_SAFE_DATA_URL.test(prefix)) throw new Error(`not a plain image MIME type: ${mime}`);
  const bytes = Buffer.concat([Buffer.from(prefix, 'ascii'), Buffer.from(Buffer.from(data).toString('base64'), 'ascii')]);
  // A plain Uint8Array view, not a Buffer: JSON.stringify would call Buffer's toJSON (a huge number array)
  // before our replacer sees it.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * JSON of `request` as bytes, where any `url` field holding a Uint8Array is written as that string.
 * Base64 data URLs need no JSON escaping, so the bytes go in verbatim between the quotes.
 */
export function serializeRequest(request: unknown): Uint8Array<ArrayBuffer> {
  const images: Uint8Array[] = [];
  const marker = `@@recaption-image-${randomBytes(6).toString('hex')}-`;
  const text = JSON.stringify(request, function (this: Record<string, unknown>, key: string, value: unknown) {
    // The holder's own value: for a Buffer, `value` is already its toJSON() form.
    const raw = this[key];
    if (key === 'url' && raw instanceof Uint8Array) {
      images.push(raw);
      return `${marker}${images.length - 1}@@`;
    }
    return value;
  });
  if (images.length === 0) return Buffer.from(text, 'utf8');
  const chunks: Uint8Array[] = [];
  const pattern = new RegExp(`${marker}(\\d+)@@`, 'g');
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    chunks.push(Buffer.from(text.slice(last, m.index), 'utf8'), images[Number(m[1])]!);
    last = m.index + m[0].length;
  }
  chunks.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(chunks);
}
