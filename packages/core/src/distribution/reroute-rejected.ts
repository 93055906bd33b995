import type { Lead } from '../leads/lead';
import { type RerouteDeps, type RerouteResult, rerouteLead } from './reroute-lead';

/**
 * The reroute a rejection calls for (the supplier's `rerouteRejected`), done by
 * the table stream's consumer, not by the request that rejected: the reject
 * only writes state, and this reads it back from the stream.
 *
 * `old` and `lead` are the stream record's images. Only the record in which the
 * lead became Rejected for its current assignment asks for the reroute, so a
 * later change of a long-rejected lead (an email event, a supplier turning the
 * setting on) moves nothing. The reroute itself is conditional on that
 * assignment version and on the lead still being Rejected: a replayed,
 * duplicated or late record finds the lead rerouted already (a newer version)
 * and is a no-op, so a rejection reroutes once.
 */
export async function rerouteIfRejected(
  deps: RerouteDeps,
  old: Lead | undefined,
  lead: Lead | undefined,
): Promise<RerouteResult | undefined> {
  if (lead?.distributionStatus !== 'Rejected' || !lead.partnerId) return undefined;
  const rejectedBefore =
    old?.distributionStatus === 'Rejected' && old.assignmentVersion === lead.assignmentVersion;
  if (rejectedBefore) return undefined;
  const supplier = await deps.tenants.getSupplier(lead.supplierId);
  if (!supplier?.settings.rerouteRejected) return undefined;
  return rerouteLead(deps, {
    leadId: lead.id,
    assignmentVersion: lead.assignmentVersion,
    trigger: 'rejected',
    actor: 'system',
  });
}
