// Field pages on a phone: installable app (service worker), and notes and photos that are
// kept on the phone when there is no signal and sent when it returns (see outbox.mjs).
// Without JavaScript the forms post normally.
import { all, flush, put } from "./outbox.mjs";

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/casework/sw.js", { scope: "/" }).catch(() => {});
}

const area = document.querySelector("[data-offline-queue]");
const status = document.querySelector(".lantern-offline-status");
const csrf = () => document.querySelector('input[name="csrfmiddlewaretoken"]')?.value || "";
let flushing = false;

function say(text) {
  if (status) status.textContent = text;
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sendWaiting(reloadWhenSent) {
  if (flushing) return;
  flushing = true;
  try {
    const result = await flush(csrf());
    if (result.wiped) {
      say("This device has been signed out. Lantern's data on it has been removed.");
      return;
    }
    const parts = [];
    if (result.sent) parts.push(`${result.sent} sent`);
    if (result.waiting) parts.push(`${result.waiting} saved on this phone, to be sent when you have a signal`);
    for (const error of result.failed) parts.push(`Not sent: ${error}`);
    if (parts.length) say(parts.join(". ") + ".");
    if (result.sent && !result.waiting && reloadWhenSent) {
      window.location.assign(window.location.pathname + "?sent=" + result.sent + "#log");
    }
  } finally {
    flushing = false;
  }
}

function localPosition() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve(p.coords),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 5000, maximumAge: 60000 },
    );
  });
}

if (area) {
  for (const form of area.querySelectorAll("form[data-queue]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const kind = form.dataset.queue;
      const data = new FormData(form);
      const key = newKey();
      const file = kind === "photo" ? form.querySelector('input[type="file"]').files[0] : null;
      if (kind === "note" && !String(data.get("text") || "").trim()) {
        form.submit(); // let the server show the error message
        return;
      }
      if (kind === "photo" && !file) {
        form.submit();
        return;
      }
      data.set("key", key);
      if (kind === "note") data.set("written_at", new Date().toISOString());
      if (kind === "photo") {
        data.set("taken_at", new Date(file.lastModified || Date.now()).toISOString());
        const coords = await localPosition();
        if (coords) {
          data.set("latitude", String(coords.latitude));
          data.set("longitude", String(coords.longitude));
        }
      }
      data.delete("photo");
      data.delete("csrfmiddlewaretoken");
      await put({
        key,
        kind,
        url: form.action,
        fields: Array.from(data.entries()),
        file: file || null,
        fileName: file ? file.name : "",
        createdAt: Date.now(),
      });
      form.reset();
      say("Saved on this phone. Sending…");
      await sendWaiting(true);
    });
  }
}

window.addEventListener("online", () => sendWaiting(Boolean(area)));
all()
  .then((items) => {
    if (items.length) sendWaiting(Boolean(area));
  })
  .catch(() => {});
