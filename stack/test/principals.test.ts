// The least-privilege plan of the secure broker (stack/secure/principals.ts), for the topics that guard credit
// authority and its audit trail: who may write them and who may read them, and nobody else.
import { describe, expect, it } from 'vitest';
import { Topics } from '../../shared/contracts/topics.ts';
import { aclsOf } from '../secure/principals.ts';

const who = (topic: string, operation: 'READ' | 'WRITE') =>
  aclsOf().filter((a) => a.kind === 'TOPIC' && a.name === topic && a.operation === operation).map((a) => a.principal).sort();

describe('the secure broker ACL plan', () => {
  it('lets only the console and the importer write credit actions', () => {
    expect(who(Topics.CREDIT_ACTIONS.name, 'WRITE')).toEqual(['User:console', 'User:importer']);
  });

  it("lets only the profiles' writers write the customers' change history, and only reporting read it", () => {
    expect(who(Topics.CUSTOMER_CHANGES.name, 'WRITE')).toEqual(who(Topics.CUSTOMERS.name, 'WRITE'));
    expect(who(Topics.CUSTOMER_CHANGES.name, 'WRITE')).toEqual(['User:console', 'User:importer', 'User:simulator']);
    expect(who(Topics.CUSTOMER_CHANGES.name, 'READ')).toEqual(['User:reporting']);
  });

  it('lets only the console write promises to pay and only notifications their outcomes', () => {
    expect(who(Topics.COLLECTIONS.name, 'WRITE')).toEqual(['User:console']);
    expect(who(Topics.PROMISE_OUTCOMES.name, 'WRITE')).toEqual(['User:notifications']);
    expect(who(Topics.NOTIFICATIONS.name, 'WRITE')).toEqual(['User:notifications']);
    expect(who(Topics.COLLECTIONS.name, 'READ')).toEqual(['User:notifications', 'User:reporting']);
    expect(who(Topics.NOTIFICATIONS.name, 'READ')).toEqual(['User:notifications', 'User:reporting']);
  });

  it('gives notifications its delivery group, and nobody else either of its groups', () => {
    const groups = aclsOf().filter((a) => a.kind === 'GROUP' && a.name.startsWith('notifications'));
    expect([...new Set(groups.map((a) => `${a.principal} ${a.name}`))].sort()).toEqual([
      'User:notifications notifications', 'User:notifications notifications-delivery',
    ]);
  });
});
