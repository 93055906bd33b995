import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { UploadObjectGoneError } from '@leadrelay/core';

/**
 * An S3 client for the inbox. Checksums only when an operation requires them:
 * a presigned PUT must not carry the SDK's default CRC32 parameters (a plain
 * `curl -T` or browser PUT cannot send the matching header), and ranged reads
 * cannot validate a whole-object checksum anyway. The endpoint comes from the
 * SDK's own settings (AWS_ENDPOINT_URL_S3 locally); path-style from config.
 */
export function createS3Client(config: S3ClientConfig & { forcePathStyle: boolean }): S3Client {
  return new S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
  });
}

/** Which bytes of a key: a version (versioned bucket), else the ETag seen in the S3 event. */
export interface ObjectVersion {
  versionId?: string | undefined;
  eTag?: string | undefined;
}

/** Lead files in the inbox bucket: streamed reads with ranges, and presigned PUT URLs. */
export class S3Files {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /**
   * Opens the object as a stream, from `startByte` when given (a ranged GET, to
   * resume a file). A version id pins the read to the version the event named; without
   * one, the ETag must still match, so a file replaced meanwhile fails (412) instead of
   * mixing two files' bytes. Throws `UploadObjectGoneError` when that version or ETag is
   * gone (replaced or deleted): no retry can read it.
   */
  opener(key: string, version: ObjectVersion = {}): (startByte?: number) => Promise<Readable> {
    return async (startByte?: number) => {
      const { Body } = await this.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(version.versionId
            ? { VersionId: version.versionId }
            : version.eTag
              ? { IfMatch: `"${version.eTag.replaceAll('"', '')}"` }
              : {}),
          ...(startByte ? { Range: `bytes=${startByte}-` } : {}),
        }),
      );
      if (!Body) throw new Error(`s3://${this.bucket}/${key} has no body`);
      return Body as Readable;
    };
  }

  private async send(command: GetObjectCommand) {
    try {
      return await this.s3.send(command);
    } catch (error) {
      const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (name === 'PreconditionFailed' || $metadata?.httpStatusCode === 412) {
        throw new UploadObjectGoneError(
          'replaced',
          'The file was replaced by another file under the same name before it was read; that file is read as an upload of its own',
          { cause: error },
        );
      }
      if (name === 'NoSuchKey' || name === 'NoSuchVersion') {
        throw new UploadObjectGoneError('deleted', 'The file was deleted from the inbox before it was read', {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** A URL that lets whoever holds it PUT this one key, for `expiresInSeconds`. */
  presignPut(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}
