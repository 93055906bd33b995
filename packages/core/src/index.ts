export * from './api-keys';
export * from './clock';
export * from './distribution';
export * from './errors';
export * from './events';
export * from './exports';
export * from './hours/business-hours';
export * from './ids';
export * from './leads/assign';
export * from './leads/change';
export * from './leads/ids';
export * from './leads/intake';
export * from './leads/lead';
export * from './leads/partner-view';
export * from './leads/plan';
export * from './leads/ports';
export * from './leads/query';
export * from './leads/seen-ids';
export * from './log-paths';
export * from './mail';
export * from './pages';
export * from './principal';
export type {
  PartnerLeadInput,
  PartnerLeadPatch,
  PartnerLeadResult,
  PartnerPrincipal,
  RegisterHow,
  RegistrationDeps,
  RegistrationDraft,
  RegistrationOutcome,
} from './registration/partner-leads';
export * as Registration from './registration/partner-leads';
export * from './registration/rules';
export * from './reports/contribution';
export * from './reports/ports';
export * from './reports/report';
export type { LeadChange, RebuildProgress } from './reports/use-cases';
export * as Reports from './reports/use-cases';
export * from './routing';
export * from './search/index-text';
export * from './search/tokens';
export * from './tenants/batch-reads';
export * from './tenants/names';
export * from './tenants/ports';
export * from './tenants/role-addresses';
export * from './tenants/schemas';
export type { AuthDeps, PartnerResult, TenantDeps } from './tenants/tenants';
export * as Tenants from './tenants/tenants';
export * from './uploads';
export type {
  Caller,
  IdentityProvider,
  Membership,
  SignedInUser,
  Tenant,
  TokenVerifier,
  UserDeps,
  UserStore,
  UserView,
} from './users/users';
export * as Users from './users/users';
export { InviteUser, TENANT_HEADER, tenantRef, UserRole } from './users/users';
export * from './validation';
export * from './webhooks/index';
