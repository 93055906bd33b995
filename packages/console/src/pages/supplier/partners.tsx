import { PageTitle } from '../../ui/form';

/** Partners (to be built). */
export default function Page() {
  return <PageTitle>Partners</PageTitle>;
}
