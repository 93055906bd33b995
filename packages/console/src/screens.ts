import { lazy } from 'preact/compat';

/**
 * Every screen, by the path it lives at under /console/. Each is its own chunk, loaded when
 * first opened, so the first load carries only the shell (and Reports alone brings the charts).
 */
export interface Screen {
  path: string;
  title: string;
  /** In the navigation (detail screens are reached from their lists). */
  nav: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: each page takes its own route params
  component: any;
}

export const supplierScreens: Screen[] = [
  { path: '/leads', title: 'All Leads', nav: true, component: lazy(() => import('./pages/supplier/leads')) },
  { path: '/leads/:id', title: 'Lead', nav: false, component: lazy(() => import('./pages/supplier/lead')) },
  {
    path: '/uploads',
    title: 'Uploads',
    nav: true,
    component: lazy(() => import('./pages/supplier/uploads')),
  },
  {
    path: '/uploads/:id',
    title: 'Upload',
    nav: false,
    component: lazy(() => import('./pages/supplier/upload')),
  },
  {
    path: '/partners',
    title: 'Partners',
    nav: true,
    component: lazy(() => import('./pages/supplier/partners')),
  },
  {
    path: '/partners/:id',
    title: 'Partner',
    nav: false,
    component: lazy(() => import('./pages/supplier/partner')),
  },
  {
    path: '/routing',
    title: 'Routing rules',
    nav: true,
    component: lazy(() => import('./pages/supplier/routing')),
  },
  {
    path: '/reports',
    title: 'Reports',
    nav: true,
    component: lazy(() => import('./pages/supplier/reports')),
  },
  {
    path: '/settings',
    title: 'Settings',
    nav: true,
    component: lazy(() => import('./pages/supplier/settings')),
  },
  {
    path: '/webhooks',
    title: 'Webhooks',
    nav: true,
    component: lazy(() => import('./pages/common/webhooks')),
  },
  {
    path: '/webhooks/:id',
    title: 'Webhook',
    nav: false,
    component: lazy(() => import('./pages/common/webhook')),
  },
  { path: '/users', title: 'Users', nav: true, component: lazy(() => import('./pages/common/users')) },
];

export const partnerScreens: Screen[] = [
  { path: '/inbox', title: 'Inbox', nav: true, component: lazy(() => import('./pages/partner/inbox')) },
  {
    path: '/my-leads',
    title: 'My leads',
    nav: true,
    component: lazy(() => import('./pages/partner/my-leads')),
  },
  { path: '/my-leads/:id', title: 'Lead', nav: false, component: lazy(() => import('./pages/partner/lead')) },
  {
    path: '/register',
    title: 'Register a lead',
    nav: true,
    component: lazy(() => import('./pages/partner/register')),
  },
  {
    path: '/settings',
    title: 'Settings',
    nav: true,
    component: lazy(() => import('./pages/partner/settings')),
  },
  {
    path: '/webhooks',
    title: 'Webhooks',
    nav: true,
    component: lazy(() => import('./pages/common/webhooks')),
  },
  {
    path: '/webhooks/:id',
    title: 'Webhook',
    nav: false,
    component: lazy(() => import('./pages/common/webhook')),
  },
  { path: '/users', title: 'Users', nav: true, component: lazy(() => import('./pages/common/users')) },
];
