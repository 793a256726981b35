// The phone's outbox: notes and photos are kept in IndexedDB until the server has them.
// Each carries a key made on the phone (Idempotency-Key), so a replay after a lost
// response is recognised by the server and never saved twice.
export const DB_NAME = "lantern-field";
const STORE = "outbox";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const put = (item) => run("readwrite", (store) => store.put(item));
export const remove = (key) => run("readwrite", (store) => store.delete(key));
export const all = () => run("readonly", (store) => store.getAll());

export function wipe() {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

/** Send everything waiting. Returns {sent, waiting, failed, wiped}. */
export async function flush(csrfToken) {
  const result = { sent: 0, waiting: 0, failed: [], wiped: false };
  for (const item of await all()) {
    const body = new FormData();
    for (const [name, value] of item.fields) body.append(name, value);
    if (item.file) body.append("photo", item.file, item.fileName);
    let response;
    try {
      response = await fetch(item.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken, "Idempotency-Key": item.key },
      });
    } catch (error) {
      result.waiting += 1; // no signal: keep it
      continue;
    }
    if (response.headers.get("X-Lantern-Wipe")) {
      await wipe();
      result.wiped = true;
      return result;
    }
    if (response.ok) {
      await remove(item.key);
      result.sent += 1;
    } else if (response.status === 400) {
      const data = await response.json().catch(() => ({}));
      await remove(item.key);
      result.failed.push(data.error || "The server refused it");
    } else {
      result.waiting += 1; // signed out or server trouble: keep it for later
    }
  }
  return result;
}
