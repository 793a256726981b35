// Lantern's service worker (served at /casework/sw.js with Service-Worker-Allowed: /).
// It keeps no pages (nothing a lost phone could show): it lets the app be installed, shows
// a short offline notice when a page cannot load, and wipes Lantern's data on this device
// when the server says the device was revoked (X-Lantern-Wipe, sent with Clear-Site-Data).
const DB_NAME = "lantern-field";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function wipe() {
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  for (const name of await caches.keys()) await caches.delete(name);
  await self.registration.unregister();
}

const OFFLINE = `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>No signal – Lantern</title></head>
<body><main><h1>No signal</h1><p>This page cannot be loaded without a connection.
Notes and photos you saved are kept on this phone and will be sent when the signal returns.</p>
<p>Go back to the page you were on to keep working.</p></main></body></html>`;

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.mode !== "navigate" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then(async (response) => {
        if (response.headers.get("X-Lantern-Wipe")) await wipe();
        return response;
      })
      .catch(
        () =>
          new Response(OFFLINE, {
            status: 503,
            headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
          }),
      ),
  );
});
