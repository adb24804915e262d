import { BrokerError } from '../errors/brokerError';
import { claimValues, type Claims } from './claims';
import type { Customer, EmbedPolicy } from './embedPolicy';

// Which customer a caller belongs to: one claim of its validated token, looked up in the
// policy's customers. A policy with customers admits no caller outside them.

export interface ResolvedCustomer {
  name: string;
  customer: Customer;
  /** Lower-cased workspace ids: the only ones this customer's tokens may reach. */
  workspaces: ReadonlySet<string>;
}

export function resolveCustomer(policy: EmbedPolicy, claims: Claims): ResolvedCustomer | undefined {
  const customers = policy.customers;
  if (!customers) return undefined;
  const values = claimValues(claims, customers.claim);
  const names = new Set(Object.entries(customers.entries).filter(([, customer]) => customer.values.some((value) => values.includes(value))).map(([name]) => name));
  if (names.size !== 1) {
    const reason = names.size === 0 ? 'no_customer' : 'ambiguous_customer';
    throw new BrokerError('forbidden', names.size === 0 ? 'The caller belongs to no customer of the policy.' : 'The caller belongs to more than one customer.', { extensions: { reason } });
  }
  const [name] = [...names] as [string];
  const customer = customers.entries[name] as Customer;
  return { name, customer, workspaces: new Set(customer.workspaces.map((id) => id.toLowerCase())) };
}
