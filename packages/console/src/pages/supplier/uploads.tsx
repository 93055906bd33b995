import { PageTitle } from '../../ui/form';

/** Uploads (to be built). */
export default function Page() {
  return <PageTitle>Uploads</PageTitle>;
}
