import { PageTitle } from '../../ui/form';

/** Settings (to be built). */
export default function Page() {
  return <PageTitle>Settings</PageTitle>;
}
