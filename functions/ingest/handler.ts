import { inboxObject } from '@leadrelay/core';
import type { S3Event } from 'aws-lambda';
import { functionLogger } from '../shared/logger';

const logger = functionLogger('ingest');

/**
 * S3 ObjectCreated under inbox/<supplierId>/ → the lead file is streamed in.
 * (Parsing and routing arrive with the intake issue.) Keys outside the inbox
 * layout are logged and skipped, never retried.
 */
export const handler = async (event: S3Event): Promise<void> => {
  for (const record of event.Records) {
    const object = inboxObject(record.s3.object.key);
    if (!object) {
      logger.warn('object outside inbox/<supplierId>/ skipped', { key: record.s3.object.key });
      continue;
    }
    logger.info('lead file received', {
      bucket: record.s3.bucket.name,
      key: object.key,
      supplierId: object.supplierId,
      size: record.s3.object.size,
    });
  }
};
