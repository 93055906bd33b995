/**
 * The lead's text fields, in the order the API's lead has them. A unit test keeps this equal
 * to core's list: the console does not import core (it would bring zod and more into the bundle).
 */
export const LEAD_TEXT_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'company',
  'title',
  'phone',
  'mobilePhone',
  'country',
  'state',
  'city',
  'postalCode',
  'product',
  'campaign',
] as const;
