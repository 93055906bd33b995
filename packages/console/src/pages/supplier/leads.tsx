import { PageTitle } from '../../ui/form';

/** All Leads (to be built). */
export default function Page() {
  return <PageTitle>All Leads</PageTitle>;
}
