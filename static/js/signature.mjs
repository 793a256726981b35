// A drawn signature (signature_pad) for the witness. The typed name alone is always an
// alternative (keyboard and screen-reader users): the box is optional.
const container = document.querySelector("[data-module='lantern-signature']");
if (container && window.SignaturePad) {
  container.hidden = false;
  const canvas = container.querySelector("canvas");
  const input = document.querySelector("input[name='signature']");
  const pad = new window.SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
  container.signaturePad = pad; // lets the browser tests check the pad recorded strokes
  const resize = () => {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const data = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  };
  window.addEventListener("resize", resize);
  resize();
  container.querySelector(".lantern-signature__clear").addEventListener("click", () => pad.clear());
  container.closest("form").addEventListener("submit", () => {
    input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
  });
}
