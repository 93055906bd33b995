import { PageTitle } from '../../ui/form';

/** Reports (to be built). */
export default function Page() {
  return <PageTitle>Reports</PageTitle>;
}
