// Saves the statement draft every few seconds while the officer types, so nothing is lost
// on a lost connection or a closed tab. Without JavaScript the Save button does the same.
const form = document.querySelector("[data-autosave-url]");
if (form) {
  const textarea = form.querySelector("textarea");
  const status = form.querySelector(".lantern-autosave-status");
  const csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  let last = textarea.value;
  let timer = null;
  const save = async () => {
    if (textarea.value === last) return;
    const text = textarea.value;
    const body = new URLSearchParams({ text, csrfmiddlewaretoken: csrf });
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST", body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      last = text;
      status.textContent = `Draft saved at ${new Date().toLocaleTimeString("en-GB")}`;
    } catch (error) {
      status.textContent = "Could not save the draft. Keep this page open; we will try again.";
    }
  };
  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  });
  window.addEventListener("beforeunload", save);
}
