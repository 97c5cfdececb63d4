// Content-Encoding decoders for the encodings the browser profile advertises (gzip, deflate, br, zstd), so
// that body length, hash and title are those of the page a browser shows, as OONI's Go client reports them.
// "deflate" is zlib-wrapped by the RFC but raw in some servers' hands; browsers accept both, so do we.
// zstd comes from node:zlib where Node has it (22.15+), else from fzstd (pure JS).
import { Transform, type TransformCallback } from "node:stream";
import zlib from "node:zlib";
import { Decompress as ZstdStream } from "fzstd";

type ZlibWithZstd = typeof zlib & { createZstdDecompress?: (options?: zlib.ZlibOptions) => Transform };

// Lenient flushes: a body cut short still yields what decodes, as a browser renders a truncated page.
const LENIENT = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

/** zlib-wrapped or raw deflate, decided on the first two bytes (RFC 1950 header check). */
class DeflateEither extends Transform {
  private inner: Transform | null = null;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.inner) {
      const wrapped = chunk.length >= 2 && (chunk[0]! & 0x0f) === 8 && ((chunk[0]! << 8) | chunk[1]!) % 31 === 0;
      this.inner = wrapped ? zlib.createInflate(LENIENT) : zlib.createInflateRaw(LENIENT);
      this.inner.on("data", (d: Buffer) => this.push(d));
      this.inner.on("error", (e) => this.destroy(e));
    }
    this.inner.write(chunk, done);
  }

  override _flush(done: TransformCallback): void {
    if (!this.inner) return done();
    this.inner.once("end", () => done());
    this.inner.end();
  }
}

/** fzstd's streaming decoder as a Transform. */
class ZstdDecode extends Transform {
  private readonly stream = new ZstdStream((data) => this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.stream.push(chunk);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.stream.push(new Uint8Array(0), true);
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

/**
 * A decoder for a Content-Encoding value, or null when the body is used as sent (identity, or a coding we
 * never asked for). Only one coding is decoded: stacked codings ("gzip, br") are left as they are.
 */
export function contentDecoder(encoding: string | undefined): Transform | null {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip(LENIENT);
    case "deflate":
      return new DeflateEither();
    case "br":
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    case "zstd": {
      const native = (zlib as ZlibWithZstd).createZstdDecompress;
      return native ? native() : new ZstdDecode();
    }
    default:
      return null;
  }
}
