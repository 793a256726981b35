// Redaction editor: draw, move and resize boxes on the picture, video frame or PDF page.
//
// Progressive enhancement of the plain form: the boxes live in the form's number inputs
// (box-N-x, box-N-y, box-N-w, box-N-h); this only draws them over the picture and writes
// the numbers back as a box is drawn, dragged or resized. Without JavaScript the form works
// as it is. Pending suggestions are drawn dashed (accept or reject them with their buttons).
// On a video, moving or resizing a box on any frame but its first adds a hand correction
// (a keyframe, "frame left top width height" in the row's corrections) at that frame, so
// the box is put back where tracking drifted; its first position stays as it was.
// "Preview" swaps the picture for the server's preview with the saved boxes applied.

const figure = document.getElementById("redaction-editor");
const picture = document.getElementById("redaction-picture");
const form = document.getElementById("boxes");

const HANDLE = 12; // corner handle, in screen pixels
const MIN_SIZE = 4; // in picture pixels

function start() {
  if (!figure || !picture || !form) return;
  const media = figure.dataset.media;
  const frame = Number(figure.dataset.frame || 0);
  const count = form.querySelector("#box-count");

  const wrap = document.createElement("div");
  wrap.className = "lantern-redaction-canvas";
  picture.parentNode.insertBefore(wrap, picture);
  wrap.appendChild(picture);
  const canvas = document.createElement("canvas");
  canvas.setAttribute("aria-hidden", "true");
  canvas.className = "lantern-redaction-canvas__overlay";
  canvas.dataset.testid = "redaction-canvas";
  wrap.appendChild(canvas);

  const controls = document.createElement("div");
  controls.className = "govuk-button-group";
  const previewButton = document.createElement("button");
  previewButton.type = "button";
  previewButton.className = "govuk-button govuk-button--secondary";
  previewButton.textContent = "Preview with saved boxes";
  previewButton.setAttribute("aria-pressed", "false");
  controls.appendChild(previewButton);
  const status = document.createElement("p");
  status.className = "govuk-body-s";
  status.setAttribute("role", "status");
  figure.appendChild(controls);
  figure.appendChild(status);

  const scale = () => (picture.naturalWidth || 1) / (picture.clientWidth || 1);

  function field(n, name) {
    return form.querySelector(`[name="box-${n}-${name}"]`);
  }

  // Corrections typed or dragged: "frame x y w h; frame x y w h".
  function keyframes(n) {
    const input = field(n, "keyframes");
    const found = new Map();
    if (!input) return found;
    for (const part of input.value.split(";")) {
      const numbers = part.trim().split(/\s+/).map(Number);
      if (numbers.length === 5 && numbers.every(Number.isFinite)) found.set(numbers[0], numbers.slice(1));
    }
    return found;
  }

  function correcting(n) {
    // A video box whose first frame is set, shown on another frame: changes are corrections.
    if (media !== "video" || !field(n, "start") || !field(n, "keyframes")) return false;
    const first = field(n, "start").value;
    return first !== "" && Number(first) !== frame;
  }

  function rows() {
    const found = [];
    for (let n = 0; n < Number(count.value); n += 1) {
      const x = field(n, "x");
      if (!x) continue;
      const removed = field(n, "delete");
      const box = {
        n,
        x: Number(x.value),
        y: Number(field(n, "y").value),
        w: Number(field(n, "w").value),
        h: Number(field(n, "h").value),
      };
      if (removed && removed.checked) continue;
      if (!x.value || !box.w || !box.h) continue;
      if (media === "video") {
        const first = Number(field(n, "start").value || 0);
        const lastValue = field(n, "end").value;
        const tracked = field(n, "track").checked;
        // A tracked box is only known where it starts; elsewhere the server follows it.
        if (frame < first || (lastValue !== "" && frame > Number(lastValue))) continue;
        const correction = keyframes(n).get(frame);
        if (correction) {
          [box.x, box.y, box.w, box.h] = correction;
        } else if ((tracked || keyframes(n).size) && frame !== first) {
          box.approximate = true;
        }
      }
      if (media === "pdf") {
        const page = Number(field(n, "page").value || 1);
        if (page !== (frame || 1)) continue;
      }
      found.push(box);
    }
    return found;
  }

  function suggestions() {
    return [...document.querySelectorAll(".lantern-suggestion")]
      .filter((item) => {
        if (media !== "video") return true;
        return frame >= Number(item.dataset.start) && frame <= Number(item.dataset.end);
      })
      .map((item) => ({
        x: Number(item.dataset.x),
        y: Number(item.dataset.y),
        w: Number(item.dataset.w),
        h: Number(item.dataset.h),
      }));
  }

  function emptyRow() {
    for (let n = 0; n < Number(count.value); n += 1) {
      const x = field(n, "x");
      if (x && !x.value && !field(n, "w").value) return n;
    }
    // Clone the last row as a new empty one.
    const rowsBody = form.querySelector("tbody");
    const last = rowsBody.querySelector("tr[data-box-row]:last-of-type");
    const n = Number(count.value);
    const copy = last.cloneNode(true);
    const old = last.dataset.boxRow;
    copy.dataset.boxRow = String(n);
    copy.querySelectorAll("[name],[id],[for]").forEach((el) => {
      for (const attr of ["name", "id", "for"]) {
        const value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(`box-${old}-`, `box-${n}-`));
      }
      if (el.tagName === "INPUT" && el.type !== "hidden" && el.type !== "checkbox") el.value = "";
      if (el.type === "checkbox") el.checked = false;
      if (el.type === "hidden" && el.name.endsWith("-id")) el.value = "";
      if (el.type === "hidden" && el.name.endsWith("-origin")) el.value = "person";
    });
    copy.querySelectorAll("label .govuk-visually-hidden, label.govuk-visually-hidden").forEach((el) => {
      el.textContent = el.textContent.replace(/Box \d+/, `Box ${n + 1}`);
    });
    rowsBody.appendChild(copy);
    count.value = String(n + 1);
    return n;
  }

  function write(n, box) {
    const round = (v) => String(Math.max(0, Math.round(v)));
    if (correcting(n)) {
      const all = keyframes(n);
      all.set(frame, [box.x, box.y, Math.max(MIN_SIZE, box.w), Math.max(MIN_SIZE, box.h)].map(round));
      field(n, "keyframes").value = [...all.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([at, values]) => [at, ...values].join(" "))
        .join("; ");
      return;
    }
    field(n, "x").value = round(box.x);
    field(n, "y").value = round(box.y);
    field(n, "w").value = round(Math.max(MIN_SIZE, box.w));
    field(n, "h").value = round(Math.max(MIN_SIZE, box.h));
    if (media === "video" && field(n, "start") && field(n, "start").value === "") {
      field(n, "start").value = String(frame);
    }
    if (media === "pdf" && field(n, "page") && field(n, "page").value === "") {
      field(n, "page").value = String(frame || 1);
    }
  }

  function draw(extra) {
    canvas.width = picture.clientWidth;
    canvas.height = picture.clientHeight;
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    const s = scale();
    context.lineWidth = 2;
    context.setLineDash([6, 4]);
    context.strokeStyle = "#ffdd00";
    for (const box of suggestions()) {
      context.strokeRect(box.x / s, box.y / s, box.w / s, box.h / s);
    }
    context.setLineDash([]);
    for (const box of [...rows(), ...(extra ? [extra] : [])]) {
      context.fillStyle = "rgba(212, 53, 28, 0.35)";
      context.strokeStyle = "#d4351c";
      if (box.approximate) context.setLineDash([2, 3]);
      context.fillRect(box.x / s, box.y / s, box.w / s, box.h / s);
      context.strokeRect(box.x / s, box.y / s, box.w / s, box.h / s);
      context.setLineDash([]);
      context.fillStyle = "#d4351c";
      context.fillRect((box.x + box.w) / s - HANDLE / 2, (box.y + box.h) / s - HANDLE / 2, HANDLE, HANDLE);
    }
  }

  function at(event) {
    const rect = canvas.getBoundingClientRect();
    const s = scale();
    return { x: (event.clientX - rect.left) * s, y: (event.clientY - rect.top) * s };
  }

  let drag = null;

  canvas.addEventListener("pointerdown", (event) => {
    if (previewButton.getAttribute("aria-pressed") === "true") return;
    const point = at(event);
    const s = scale();
    const hit = rows()
      .reverse()
      .find((box) => point.x >= box.x && point.x <= box.x + box.w + HANDLE * s && point.y >= box.y && point.y <= box.y + box.h + HANDLE * s);
    if (hit) {
      const corner = Math.abs(point.x - (hit.x + hit.w)) <= HANDLE * s && Math.abs(point.y - (hit.y + hit.h)) <= HANDLE * s;
      drag = { mode: corner ? "resize" : "move", n: hit.n, origin: point, box: { ...hit } };
    } else {
      drag = { mode: "draw", origin: point, box: { x: point.x, y: point.y, w: 0, h: 0 } };
    }
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const point = at(event);
    const dx = point.x - drag.origin.x;
    const dy = point.y - drag.origin.y;
    if (drag.mode === "draw") {
      const box = {
        x: Math.min(drag.origin.x, point.x),
        y: Math.min(drag.origin.y, point.y),
        w: Math.abs(dx),
        h: Math.abs(dy),
      };
      drag.current = box;
      draw(box);
      return;
    }
    const box = { ...drag.box };
    if (drag.mode === "move") {
      box.x += dx;
      box.y += dy;
    } else {
      box.w = Math.max(MIN_SIZE, box.w + dx);
      box.h = Math.max(MIN_SIZE, box.h + dy);
    }
    write(drag.n, box);
    draw();
  });

  canvas.addEventListener("pointerup", () => {
    if (!drag) return;
    if (drag.mode === "draw" && drag.current && drag.current.w >= MIN_SIZE && drag.current.h >= MIN_SIZE) {
      const n = emptyRow();
      write(n, drag.current);
      status.textContent = `Box ${n + 1} drawn. Save the boxes to keep it.`;
    } else if (drag.mode !== "draw" && correcting(drag.n)) {
      status.textContent = `Box ${drag.n + 1} corrected at frame ${frame}. Save the boxes to keep it.`;
    } else if (drag.mode !== "draw") {
      status.textContent = `Box ${drag.n + 1} changed. Save the boxes to keep it.`;
    }
    drag = null;
    draw();
  });

  form.addEventListener("input", () => draw());
  form.addEventListener("change", () => draw());
  window.addEventListener("resize", () => draw());
  picture.addEventListener("load", () => draw());

  previewButton.addEventListener("click", () => {
    const showing = previewButton.getAttribute("aria-pressed") === "true";
    previewButton.setAttribute("aria-pressed", showing ? "false" : "true");
    previewButton.textContent = showing ? "Preview with saved boxes" : "Back to drawing";
    picture.src = showing ? figure.dataset.picture : figure.dataset.preview;
    canvas.hidden = !showing;
    status.textContent = showing ? "Drawing" : "Showing the preview with the saved boxes";
  });

  if (picture.complete) draw();
}

start();
