import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type Membership,
  type Page,
  type PageQuery,
  type Tenant,
  tenantRef,
  type UserStore,
} from '@leadrelay/core';
import { decodeCursor, encodeCursor } from './cursor';
import { fromItem } from './items';
import { Entity, Keys } from './keys';
import { queryPrefix } from './prefix-query';
import { withRetries } from './retries';

/**
 * People's memberships (keys.ts: Membership, TenantMember): one item under the person,
 * read on every signed-in request, and one under the tenant, for its list of users;
 * both written and deleted in one transaction.
 */
export class DynamoUserStore implements UserStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // add a membership — a transaction of the two items, the person's conditional on not existing
  async putMembership(membership: Membership): Promise<'created' | 'exists'> {
    const tenant = tenantRef(membership.tenant);
    try {
      await withRetries(() =>
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...Keys.membership(membership.userId, tenant),
                    ...membership,
                    entity: Entity.membership,
                    version: 1,
                  },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...Keys.tenantMember(tenant, membership.email, membership.userId),
                    ...membership,
                    entity: Entity.tenantMember,
                    version: 1,
                  },
                },
              },
            ],
          }),
        ),
      );
      return 'created';
    } catch (error) {
      if (conditionFailed(error)) return 'exists';
      throw error;
    }
  }

  // one membership — GetItem, consistent (a removal holds at once)
  async getMembership(userId: string, tenant: Tenant): Promise<Membership | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: Keys.membership(userId, tenantRef(tenant)),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem<Membership>(Item) : undefined;
  }

  // a person's memberships — one consistent Query of USER#<id> begins_with MEMBER# (a person has few)
  async listMembershipsOf(userId: string): Promise<Membership[]> {
    const items = await queryPrefix(this.db, this.tableName, Keys.memberships(userId), { consistent: true });
    return items.map((item) => fromItem<Membership>(item));
  }

  // a tenant's users by email — Query of <tenant>#USERS
  async listMembers(tenant: Tenant, page: PageQuery): Promise<Page<Membership>> {
    const { PK } = Keys.tenantMembers(tenantRef(tenant));
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': PK },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { attribute: 'PK', value: PK }),
      }),
    );
    return {
      items: Items.map((item) => fromItem<Membership>(item)),
      nextCursor: encodeCursor(LastEvaluatedKey),
    };
  }

  // remove a membership — read it (for its email), then a transaction deleting both items, the
  // person's conditional on the version read
  async removeMembership(userId: string, tenant: Tenant): Promise<boolean> {
    const membership = await this.getMembership(userId, tenant);
    if (!membership) return false;
    const ref = tenantRef(tenant);
    try {
      await withRetries(() =>
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: this.tableName,
                  Key: Keys.membership(userId, ref),
                  ConditionExpression: 'attribute_exists(PK)',
                },
              },
              {
                Delete: {
                  TableName: this.tableName,
                  Key: Keys.tenantMember(ref, membership.email, userId),
                },
              },
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }
}

function conditionFailed(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
}
