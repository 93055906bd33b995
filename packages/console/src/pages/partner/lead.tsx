import { PageTitle } from '../../ui/form';

/** Lead (to be built). */
export default function Page() {
  return <PageTitle>Lead</PageTitle>;
}
