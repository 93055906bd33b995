import type { Lead, LeadFilter, LeadStore, LeadViews, Page, PageQuery } from '@leadrelay/core';

/**
 * The LeadViews port over a lead store. INTERIM, until LeadStore.queryLeads lands
 * (the All Leads view's indexes): a store that has queryLeads answers every view
 * itself; one without it answers only the views its lists already are (every lead,
 * or one partner's, newest first by creation) and refuses any other filter. At the
 * merge this becomes `leads` itself and the file goes.
 */
export function leadViewsOf(store: LeadStore): LeadViews {
  const own = (store as Partial<LeadViews>).queryLeads;
  if (typeof own === 'function') return { queryLeads: own.bind(store) };
  return {
    queryLeads(supplierId: string, filter: LeadFilter, page: PageQuery): Promise<Page<Lead>> {
      const { dateField: _d, sort, order, partnerIds, ...rest } = filter;
      const plain =
        Object.values(rest).every((v) => v === undefined) && sort === 'created' && order === 'desc';
      if (plain && partnerIds === undefined) return store.listLeads(supplierId, page);
      const [partnerId, ...more] = partnerIds ?? [];
      if (plain && partnerId !== undefined && more.length === 0) {
        return store.listPartnerLeads(supplierId, partnerId, page);
      }
      throw new Error('This filter needs LeadStore.queryLeads, which this build does not have yet');
    },
  };
}
