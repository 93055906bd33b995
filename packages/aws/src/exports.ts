import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ExportFile, ExportFiles } from '@leadrelay/core';

/** Parts of a multipart upload: S3's smallest (the last may be smaller). */
const PART_BYTES = 5 * 1024 * 1024;
/** Parts uploading at once: memory stays at about (QUEUE + 1) parts, whatever the file's size. */
const QUEUE = 2;

const CONTENT_TYPE = 'text/csv; charset=utf-8';
const disposition = (file: ExportFile) => `attachment; filename="${file.fileName.replaceAll('"', '')}"`;

/**
 * Export files in the inbox bucket under exports/ (no ObjectCreated trigger there; a
 * lifecycle rule expires them). Written with lib-storage's Upload from a stream: a
 * small file is one PutObject, a large one a multipart upload of 5 MiB parts, two
 * in flight, which pulls the text only as fast as it uploads it (the stream's
 * backpressure reaches the export's page reads). The object appears once whole.
 */
export class S3ExportFiles implements ExportFiles {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async write(key: string, chunks: AsyncIterable<string>, file: ExportFile): Promise<{ bytes: number }> {
    let bytes = 0;
    async function* encoded(): AsyncGenerator<Buffer> {
      for await (const text of chunks) {
        const buffer = Buffer.from(text, 'utf8');
        bytes += buffer.length;
        yield buffer;
      }
    }
    const upload = new Upload({
      client: this.s3,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: Readable.from(encoded(), { objectMode: false, highWaterMark: 64 * 1024 }),
        ContentType: CONTENT_TYPE,
        ContentDisposition: disposition(file),
      },
      partSize: PART_BYTES,
      queueSize: QUEUE,
      leavePartsOnError: false,
    });
    await upload.done();
    return { bytes };
  }

  /** A GET URL that also tells the browser to save the file under its name, as CSV. */
  downloadUrl(key: string, file: ExportFile, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentType: CONTENT_TYPE,
        ResponseContentDisposition: disposition(file),
      }),
      { expiresIn: expiresInSeconds },
    );
  }
}
