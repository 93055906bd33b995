/**
 * Distribution: what happens to a lead once it
 * has a partner, as pure functions. Signed email action links, the email status
 * machine fed by SES events, the partner's accept / reject, the reroute step,
 * the pipeline after acceptance, and the API bodies of those calls.
 */
export * from './distribute';
export * from './email-status';
export * from './escalate';
export * from './links';
export * from './notify';
export * from './partner-decisions';
export * from './remind';
export * from './reroute';
export * from './reroute-lead';
export * from './reroute-rejected';
export * from './schemas';
export * from './tokens';
export * from './transitions';
