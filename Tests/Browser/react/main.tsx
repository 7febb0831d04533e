// Mounts the example with the url, token and account from the page's
// fragment (#url=...&token=...&account=...): a fragment never leaves the browser.

import * as React from 'react';
import { createRoot } from 'react-dom/client';
import { OrdersExample } from './example.js';

const params = new URLSearchParams(location.hash.slice(1));
const container = document.getElementById('root');
if (!container) throw new Error('no #root');
createRoot(container).render(
  <React.StrictMode>
    <OrdersExample url={params.get('url') ?? ''} token={params.get('token') ?? ''} account={params.get('account') ?? ''} />
  </React.StrictMode>,
);
history.replaceState(null, '', location.pathname); // drop the token from the address bar
