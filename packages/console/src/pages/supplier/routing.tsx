import { PageTitle } from '../../ui/form';

/** Routing rules (to be built). */
export default function Page() {
  return <PageTitle>Routing rules</PageTitle>;
}
