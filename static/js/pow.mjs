// Proof of work for anonymous report forms (see lantern/collisions/protection.py): find a
// nonce so that SHA-256("<challenge>:<nonce>") starts with `data-bits` zero bits, using
// WebCrypto, while the reporter reads the page. Without JavaScript (or WebCrypto) the form
// still works: the server accepts the report once the challenge is old enough.
function zeroBits(bytes) {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) { bits += 8; continue; }
    bits += Math.clz32(byte) - 24;
    break;
  }
  return bits;
}

async function solve(challenge, bits) {
  const encoder = new TextEncoder();
  for (let nonce = 0; ; nonce += 1) {
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`${challenge}:${nonce}`));
    if (zeroBits(new Uint8Array(digest)) >= bits) return String(nonce);
  }
}

function enhance(form) {
  if (!window.crypto || !crypto.subtle) return;
  const input = form.querySelector('input[name="pow_nonce"]');
  const status = form.querySelector(".lantern-pow__status");
  let waiting = false;
  const work = solve(form.dataset.challenge, Number(form.dataset.bits)).then((nonce) => {
    input.value = nonce;
    if (waiting) form.submit();
  });
  form.addEventListener("submit", (event) => {
    if (input.value) return;
    event.preventDefault();
    waiting = true;
    status.textContent = "Checking your connection before sending. This takes a few seconds.";
    work.catch(() => form.submit());
  });
}

document.querySelectorAll('[data-module="lantern-pow"]').forEach(enhance);
