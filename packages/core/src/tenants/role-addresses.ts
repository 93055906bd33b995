/**
 * Role addresses (`leads@`, `sales@`, ...) reach a team, not a person; mail
 * providers often block or filter them. They are accepted with a warning.
 */
const ROLE_LOCAL_PARTS = new Set([
  'abuse',
  'admin',
  'administrator',
  'billing',
  'contact',
  'enquiries',
  'help',
  'hello',
  'hostmaster',
  'info',
  'inquiries',
  'leads',
  'mail',
  'marketing',
  'no-reply',
  'noreply',
  'office',
  'postmaster',
  'root',
  'sales',
  'security',
  'service',
  'support',
  'team',
  'webmaster',
]);

export function isRoleAddress(email: string): boolean {
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  return ROLE_LOCAL_PARTS.has(local.split('+')[0] ?? local);
}

/** One warning per role address, naming the field as the API's `details` do. */
export function roleAddressWarnings(
  owners: readonly { email: string }[],
  field = 'leadOwners',
): { path: string; message: string }[] {
  return owners.flatMap((owner, index) =>
    isRoleAddress(owner.email)
      ? [
          {
            path: `${field}.${index}.email`,
            message: `${owner.email} is a role address; mail providers often block these`,
          },
        ]
      : [],
  );
}
