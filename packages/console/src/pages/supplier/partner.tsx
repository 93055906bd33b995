import { PageTitle } from '../../ui/form';

/** Partner (to be built). */
export default function Page() {
  return <PageTitle>Partner</PageTitle>;
}
