import { PageTitle } from '../../ui/form';

/** Register a lead (to be built). */
export default function Page() {
  return <PageTitle>Register a lead</PageTitle>;
}
