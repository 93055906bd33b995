import type { Partner } from '../tenants/schemas';
import type { RoutingStrategy, RuleAssign } from './rules';

/** What routing needs to know of a partner (a stored Partner fits). */
export type RoutingPartner = Pick<
  Partner,
  'id' | 'name' | 'paused' | 'capacity' | 'weight' | 'domains' | 'disabled'
>;

/** Why a partner was passed over. */
export type SkipReason = 'paused' | 'at capacity' | 'excluded' | 'disabled';

/** A partner passed over by a routing decision, and why. */
export interface RoutingSkip {
  partnerId: string;
  partnerName: string;
  reason: SkipReason;
  /** Set when the partner was the named partner or the account owner rather than a pool member. */
  role?: 'explicit' | 'owner';
}

/** The first matching rule group. */
export interface RuleMatch {
  path: 'rule';
  group: string;
  groupIndex: number;
  assign: RuleAssign;
  /** Named partner or owners passed over before the rules (excluded, paused). */
  skipped: RoutingSkip[];
}

/** Nothing applied: the lead stays Unassigned. */
export interface NoMatch {
  path: 'none';
  skipped: RoutingSkip[];
}

/** The partner the supplier named for the lead. */
export interface ExplicitMatch {
  path: 'explicit';
  partner: RoutingPartner;
}

/** The partner that owns the lead's account. */
export interface OwnershipMatch {
  path: 'ownership';
  partner: RoutingPartner;
  /** `domain`: the email domain (or a parent domain) is one of the partner's domains; `company`: the company is the partner's name. */
  via: 'domain' | 'company';
  /** The owned domain, or the partner name, that matched. */
  matched: string;
  skipped: RoutingSkip[];
  /**
   * What the rules say, for when the owner turns out to be at capacity: present
   * only for owners with a capacity (paused and excluded owners are skipped by `match`).
   */
  fallback?: RuleMatch | NoMatch;
}

/** The supplier named a partner that does not exist: the lead is refused, not routed. */
export interface ErrorMatch {
  path: 'error';
  field: 'partnerId';
  message: string;
}

/** Step one of routing: which path applies to a lead. Independent of pending counts and sequences. */
export type RoutingMatch = ExplicitMatch | OwnershipMatch | RuleMatch | NoMatch | ErrorMatch;

/** Step two: the partner chosen (or none), with the reason for the lead's history. */
export interface RoutingDecision {
  partnerId: string | null;
  partnerName: string | null;
  /** The path that decided; an owner at capacity falls through to `rule` or `none`. */
  path: RoutingMatch['path'];
  /** The rule group that matched (path `rule`). */
  group?: string;
  groupIndex?: number;
  /** The pool strategy used (pool groups only). */
  strategy?: RoutingStrategy;
  /** The pool sequence number the decision took (a pool chose a partner); a caller whose write fails hands it back. */
  sequence?: number;
  /** Ownership: how the owner was found. */
  via?: 'domain' | 'company';
  skipped: RoutingSkip[];
  /** Set when a named partner was assigned although paused or at capacity. */
  warning?: string;
  /** One sentence for the lead's history. */
  explanation: string;
}

/**
 * The counters routing reads and bumps, provided by the caller (synchronously:
 * the caller loads pending counts and reserves sequence blocks before a chunk).
 */
export interface RoutingState {
  /**
   * The next sequence number of the group's counter. The engine takes exactly
   * one per lead a pool takes (none when nobody in the pool is eligible);
   * `PoolSequences` reserves exactly those and hands them out in order.
   */
  sequence(group: string): number;
  /** The partner's current number of Pending leads. */
  pending(partnerId: string): number;
  /** Called by the engine on every assignment, so counts stay right within a chunk. */
  assigned(partnerId: string): void;
}

export interface MatchOptions {
  /** A partner id or exact name (case-insensitive) named by the API call, the CSV row or the upload. */
  explicitPartner?: string | undefined;
  /** Partners that must not get the lead (rerouting: the ones that already had it). */
  exclude?: ReadonlySet<string> | undefined;
}

export interface ChooseOptions {
  /** Partners that must not get the lead; pass the same set given to `match`. */
  exclude?: ReadonlySet<string> | undefined;
}
