import { PageTitle } from '../../ui/form';

/** My leads (to be built). */
export default function Page() {
  return <PageTitle>My leads</PageTitle>;
}
