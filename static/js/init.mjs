// Initialise GOV.UK Frontend components (error summary focus, radios/checkboxes conditional
// reveals, service navigation menu toggle, password reveal, notification banner focus, ...).
//
// Loaded as <script type="module">, so browsers that cannot run modules skip it and get the
// plain HTML experience: every page works without JavaScript.
//
// The relative path resolves /static/js/init.mjs -> /static/build/govuk-frontend.min.js
// (copied there by `npm run build`).
import { initAll } from "../build/govuk-frontend.min.js";

// The nonce'd snippet at the top of <body> adds this class. Without it (for example a page
// rendered without a request, so without a CSP nonce) stay with the no-JavaScript experience
// rather than log a SupportError.
if (document.body.classList.contains("govuk-frontend-supported")) {
  initAll();
}
