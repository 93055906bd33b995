import { PageTitle } from '../../ui/form';

/** Inbox (to be built). */
export default function Page() {
  return <PageTitle>Inbox</PageTitle>;
}
