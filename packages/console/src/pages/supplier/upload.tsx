import { PageTitle } from '../../ui/form';

/** Upload (to be built). */
export default function Page() {
  return <PageTitle>Upload</PageTitle>;
}
