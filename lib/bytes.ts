/**
 * Reading a body without trusting its size: chunks are gathered until the
 * stream ends, and reading stops at the first chunk past the limit, so a
 * hostile or endless body costs at most `limit` bytes of memory.
 * @module
 */

/** Where the next chunk comes from: `undefined` once the body has ended. */
export type NextChunk = () => Promise<Uint8Array | undefined>;

/** The whole body as one array, or `undefined` when it is larger than `limit` bytes (the rest is left unread). */
export async function collectBytes(next: NextChunk, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await next(); chunk !== undefined; chunk = await next()) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Chunks from a WHATWG stream reader (fetch bodies, on every runtime). */
export function fromReader(reader: ReadableStreamDefaultReader<Uint8Array>): NextChunk {
  return async () => {
    const { done, value } = await reader.read();
    return done ? undefined : value;
  };
}
