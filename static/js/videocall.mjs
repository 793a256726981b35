// Video calls (lantern/videocalls): WebRTC peer to peer, signalling through Lantern.
//
// Both pages post messages (hello, offer, answer, candidate, bye) to their signalling URL and
// long-poll it for the other side's. The officer's page always makes the offers: when the
// person's page says hello (first join, or after a reload) it starts a fresh connection, and
// when the connection drops it restarts ICE with a new offer. The server's answer to each
// poll also carries the call's state: consent given, recording on, call ended.
//
// The officer records with MediaRecorder (the person's video, both voices) only after the
// person has consented, and uploads the recording with tus-js-client (resumable) as an
// evidence item. The person can send photos and files through the same tus endpoint.

const root = document.querySelector('[data-module="lantern-videocall"]');
if (root) start(root);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function mediaError(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return "You have not allowed this page to use your camera and microphone, so the call cannot start. " +
      "Allow the camera and microphone for this website in your browser's settings, then reload this page.";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return "No camera or microphone was found. Connect one, or use a phone, then reload this page.";
  }
  if (name === "NotReadableError") {
    return "Your camera or microphone is being used by another app. Close that app, then reload this page.";
  }
  return "Your camera and microphone could not be started. Reload this page to try again.";
}

function start(root) {
  const config = JSON.parse(document.getElementById("videocall-config").textContent);
  const side = root.dataset.side;
  const csrf = root.querySelector('input[name="csrfmiddlewaretoken"]').value;
  const statusEl = document.getElementById("call-status");
  const errorBox = document.getElementById("call-error");
  const errorText = document.getElementById("call-error-text");
  const remoteVideo = document.getElementById("remote-video");
  const localVideo = document.getElementById("local-video");
  const other = side === "officer" ? "the person" : "the officer";

  let cursor = config.cursor;
  // This page load, so the other side can tell a reload from a repeated hello.
  const me = Math.random().toString(36).slice(2);
  let peerOf = null;
  let pc = null;
  let localStream = null;
  let facing = "user";
  let pending = [];
  let ended = false;
  let restartTimer = null;
  let restarts = 0;
  let recorder = null;
  let chunks = [];

  const setStatus = (text) => { statusEl.textContent = text; };
  const showError = (text) => {
    errorText.textContent = text;
    errorBox.hidden = false;
    root.dataset.error = text;
    errorBox.focus && errorBox.setAttribute("tabindex", "-1");
    errorBox.focus();
  };
  const hideError = () => { errorBox.hidden = true; delete root.dataset.error; };

  async function post(url, body, json = true) {
    const headers = { "X-CSRFToken": csrf, Accept: "application/json" };
    let payload = body;
    if (json) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    } else {
      payload = new URLSearchParams(body);
    }
    return fetch(url, { method: "POST", headers, body: payload, credentials: "same-origin" });
  }

  async function deliver(kind, data) {
    for (let attempt = 0; attempt < 6 && !ended; attempt += 1) {
      try {
        const response = await fetch(config.signal, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify({ kind, data }),
          credentials: "same-origin",
        });
        if (response.ok || response.status < 500) return response.ok;
      } catch (error) {
        // Offline for a moment: try again.
      }
      await sleep(500 * (attempt + 1));
    }
    return false;
  }

  // Messages go out one at a time, in order: an offer always reaches the other side before
  // the ICE candidates gathered for it.
  let outbox = Promise.resolve(true);
  function send(kind, data = {}) {
    outbox = outbox.then(() => deliver(kind, data), () => deliver(kind, data));
    return outbox;
  }

  // --- Media ---------------------------------------------------------------------------------

  async function openMedia() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.RTCPeerConnection) {
      showError("This browser cannot make video calls. Open the link in an up-to-date browser such as Chrome, Safari, Firefox or Edge.");
      setStatus("Video calls are not possible in this browser.");
      return false;
    }
    try {
      localStream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: facing } },
        audio: true,
      });
    } catch (error) {
      showError(mediaError(error));
      setStatus("Camera and microphone not available.");
      root.dataset.connection = "no-media";
      return false;
    }
    localVideo.srcObject = localStream;
    return true;
  }

  async function switchCamera(button) {
    if (!localStream) return;
    const wanted = facing === "user" ? "environment" : "user";
    const old = localStream.getVideoTracks()[0];
    // Phones often cannot open two cameras at once: release the current one first.
    if (old) old.stop();
    let track;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: wanted } } });
      track = stream.getVideoTracks()[0];
      facing = wanted;
    } catch (error) {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: facing } } });
      track = stream.getVideoTracks()[0];
      showError("The other camera could not be started.");
    }
    if (old) localStream.removeTrack(old);
    localStream.addTrack(track);
    localVideo.srcObject = localStream;
    const sender = pc && pc.getSenders().find((s) => s.track === old || (s.track && s.track.kind === "video"));
    if (sender) await sender.replaceTrack(track);
    root.dataset.facing = facing;
    button.textContent = facing === "user" ? "Switch to back camera" : "Switch to front camera";
  }

  // --- Peer connection -------------------------------------------------------------------------

  function connectionText(state) {
    return {
      new: `Waiting for ${other} to join…`,
      connecting: "Connecting…",
      checking: "Connecting…",
      connected: `Connected to ${other}`,
      completed: `Connected to ${other}`,
      disconnected: "Connection lost. Reconnecting…",
      failed: "Connection lost. Reconnecting…",
      closed: "Not connected",
    }[state] || state;
  }

  function onConnectionChange() {
    if (!pc) return;
    const state = pc.connectionState || pc.iceConnectionState;
    root.dataset.connection = state;
    if (!ended) setStatus(connectionText(state));
    if (side !== "officer") return;
    clearTimeout(restartTimer);
    if (state === "failed") restartIce();
    if (state === "disconnected") {
      // A brief glitch often recovers by itself; if not, renegotiate the network path.
      restartTimer = setTimeout(() => {
        if (pc && ["disconnected", "failed"].includes(pc.connectionState)) restartIce();
      }, 2500);
    }
  }

  function newPeer() {
    if (pc) {
      pc.onicecandidate = null;
      pc.ontrack = null;
      pc.onconnectionstatechange = null;
      pc.close();
    }
    pending = [];
    pc = new RTCPeerConnection({ iceServers: config.iceServers });
    for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
    pc.ontrack = (event) => {
      const stream = event.streams[0] || new MediaStream([event.track]);
      if (remoteVideo.srcObject !== stream) remoteVideo.srcObject = stream;
      remoteVideo.play().catch(() => {});
    };
    pc.onicecandidate = (event) => {
      if (event.candidate) send("candidate", event.candidate.toJSON());
    };
    pc.onconnectionstatechange = onConnectionChange;
    pc.oniceconnectionstatechange = onConnectionChange;
    return pc;
  }

  // Each offer has an id, echoed by its answer: an answer to an older offer (say, a restart
  // sent to a page that was reloaded meanwhile) must not be applied to a newer connection.
  let offers = 0;
  let currentOffer = null;

  async function makeOffer(iceRestart = false) {
    const offer = await pc.createOffer({ iceRestart });
    await pc.setLocalDescription(offer);
    offers += 1;
    currentOffer = `${me}-${offers}`;
    await send("offer", { type: offer.type, sdp: offer.sdp, restart: iceRestart, id: currentOffer });
  }

  async function restartIce() {
    if (!pc || ended || pc.signalingState !== "stable") return;
    restarts += 1;
    root.dataset.restarts = String(restarts);
    await makeOffer(true);
  }

  async function flushCandidates() {
    const queued = pending;
    pending = [];
    for (const candidate of queued) {
      try { await pc.addIceCandidate(candidate); } catch (error) { /* stale candidate */ }
    }
  }

  async function handle(message) {
    const { kind, data } = message;
    if (kind === "hello") {
      if (side === "officer") {
        // The person joined (or came back after a reload): a fresh connection, once per
        // page of theirs, unless the connection we have with that page has failed.
        const usable = pc && !["failed", "closed"].includes(pc.connectionState);
        if (data.from && data.from === peerOf && usable) return;
        peerOf = data.from || null;
        newPeer();
        await makeOffer(false);
      } else {
        // The officer joined (or reloaded) after us: say we are here, so they offer.
        await send("hello", { from: me });
      }
    } else if (kind === "offer" && side === "public") {
      if (!pc || !data.restart || pc.signalingState === "closed") newPeer();
      await pc.setRemoteDescription({ type: "offer", sdp: data.sdp });
      await flushCandidates();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await send("answer", { type: answer.type, sdp: answer.sdp, for: data.id });
    } else if (kind === "answer" && side === "officer") {
      if (pc && pc.signalingState === "have-local-offer" && data.for === currentOffer) {
        await pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
        await flushCandidates();
      }
    } else if (kind === "candidate") {
      if (pc && pc.remoteDescription) {
        try { await pc.addIceCandidate(data); } catch (error) { /* stale candidate */ }
      } else {
        pending.push(data);
      }
    } else if (kind === "bye" && !ended) {
      setStatus(`${side === "officer" ? "The person" : "The officer"} has left the call.`);
    }
  }

  // --- The call's state (from the server) -------------------------------------------------------

  function onState(call, version) {
    root.dataset.consent = String(call.consent);
    root.dataset.recording = String(call.recording);
    if (side === "public") {
      const banner = document.getElementById("recording-banner");
      if (banner) banner.hidden = !call.recording;
      // A poll sent before the person's own answer may carry the old state: ignore it.
      if (version === consentVersion) showConsent(call.consent);
    } else {
      const button = root.querySelector('[data-action="record-start"]');
      const status = document.getElementById("consent-status");
      if (call.consent && button && button.disabled && !recorder) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        status.textContent = "The person has agreed to the call being recorded.";
      } else if (!call.consent && button && !button.disabled) {
        // The person withdrew their agreement: the server has already stopped the recording;
        // what was recorded until now was recorded with consent and is saved as evidence.
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
        status.textContent = "The person withdrew their agreement to recording. You can record again only if they agree again.";
        if (recorder) stopRecording().catch(() => {});
      }
    }
    if (call.status === "ended") finish(side === "public" ? "The officer has ended the call. You can close this page." : "The call has ended.");
  }

  function finish(text) {
    if (ended) return;
    ended = true;
    setStatus(text);
    root.dataset.connection = "ended";
    if (pc) pc.close();
    if (localStream) for (const track of localStream.getTracks()) track.stop();
  }

  async function pollLoop() {
    while (!ended) {
      try {
        const version = consentVersion;
        const response = await fetch(`${config.signal}?after=${cursor}&wait=${config.poll}`, {
          credentials: "same-origin",
          cache: "no-store",
        });
        if (response.status === 404) {
          finish("This call has ended or its link has expired.");
          return;
        }
        if (response.status === 429) {
          // This call already has its share of waiting requests (another tab, a reload).
          await sleep(2000);
          continue;
        }
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const body = await response.json();
        cursor = body.cursor;
        onState(body.call, version);
        for (const message of body.messages) {
          try { await handle(message); } catch (error) { console.error("signal", message.kind, error); }
        }
      } catch (error) {
        if (!ended) setStatus("Cannot reach the server. Trying again…");
        await sleep(2000);
      }
    }
  }

  // --- Consent (the person's page) ---------------------------------------------------------------

  // Bumped by each answer the person gives here, so that older polls cannot undo it.
  let consentVersion = 0;

  function showConsent(consent) {
    const ask = document.getElementById("consent-ask");
    const block = document.getElementById("consent-block");
    if (!ask || !block || block.hidden === !consent) return;
    const withdrawn = document.getElementById("consent-withdrawn");
    if (withdrawn) {
      withdrawn.textContent = "You withdrew your agreement. The call is not being recorded.";
      withdrawn.hidden = consent;
    }
    document.getElementById("consent-given").textContent = "You agreed to the call being recorded.";
    ask.hidden = consent;
    block.hidden = !consent;
  }

  function answerConsent(form, url, consent) {
    if (!form || side !== "public") return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      consentVersion += 1;
      const response = await post(url, {}, false).catch(() => null);
      if (response && response.ok) {
        hideError();
        consentVersion += 1;
        showConsent(consent);
        const body = await response.json().catch(() => null);
        if (body && body.call) {
          const banner = document.getElementById("recording-banner");
          if (banner) banner.hidden = !body.call.recording;
        }
      } else {
        showError("Your answer could not be saved. Try again.");
      }
    });
  }

  answerConsent(document.querySelector("[data-consent-form]"), config.consent, true);
  answerConsent(document.querySelector("[data-withdraw-form]"), config.withdraw, false);

  // --- Recording (the officer's page) ------------------------------------------------------------

  const recordStart = root.querySelector('[data-action="record-start"]');
  const recordStop = root.querySelector('[data-action="record-stop"]');
  const recordingStatus = document.getElementById("recording-status");
  const uploadStatus = document.getElementById("upload-status");

  function recordedStream() {
    // The person's picture, and both voices mixed into one track.
    const remote = remoteVideo.srcObject;
    const tracks = remote ? remote.getVideoTracks() : [];
    const context = new AudioContext();
    const mix = context.createMediaStreamDestination();
    for (const stream of [remote, localStream]) {
      if (stream && stream.getAudioTracks().length) context.createMediaStreamSource(stream).connect(mix);
    }
    return new MediaStream([...tracks, ...mix.stream.getAudioTracks()]);
  }

  function recorderType() {
    const types = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"];
    return types.find((type) => window.MediaRecorder && MediaRecorder.isTypeSupported(type)) || "";
  }

  async function startRecording() {
    const response = await post(config.recording, { action: "start" }, false);
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      showError(body.error || "Recording could not start.");
      return;
    }
    hideError();
    chunks = [];
    const mimeType = recorderType();
    recorder = new MediaRecorder(recordedStream(), mimeType ? { mimeType } : {});
    recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
    recorder.start(1000);
    recordStart.hidden = true;
    recordStop.hidden = false;
    recordingStatus.textContent = "Recording is on.";
    root.dataset.recorder = "on";
  }

  function upload(blob) {
    return new Promise((resolve, reject) => {
      const type = (blob.type || "video/webm").split(";")[0];
      const extension = type === "video/mp4" ? "mp4" : "webm";
      const file = new File([blob], `${config.reference}-recording.${extension}`, { type });
      const tusUpload = new window.tus.Upload(file, {
        endpoint: config.uploads,
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        headers: { [config.header]: config.reference },
        metadata: { filename: file.name, filetype: type },
        onProgress(sent, total) {
          uploadStatus.textContent = `Saving the recording: ${total ? Math.floor((sent / total) * 100) : 0}%`;
        },
        onError: reject,
        onSuccess: resolve,
      });
      tusUpload.start();
    });
  }

  async function stopRecording() {
    // Stopped once only, whether by the officer or by the person withdrawing consent.
    if (!recorder || recorder.state === "inactive") return;
    const active = recorder;
    const done = new Promise((resolve) => { active.onstop = resolve; });
    active.stop();
    await done;
    const blob = new Blob(chunks, { type: active.mimeType || "video/webm" });
    recorder = null;
    recordStop.hidden = true;
    recordStart.hidden = false;
    recordingStatus.textContent = "Not recording.";
    await post(config.recording, { action: "stop" }, false);
    root.dataset.recorder = "uploading";
    try {
      await upload(blob);
      uploadStatus.textContent = "The recording has been saved as evidence on the case.";
      root.dataset.recorder = "saved";
    } catch (error) {
      uploadStatus.textContent = "";
      showError(`The recording could not be saved: ${error.message || error}. Do not close this page; try stopping again.`);
      root.dataset.recorder = "failed";
      throw error;
    }
  }

  if (recordStart) recordStart.addEventListener("click", () => startRecording());
  if (recordStop) recordStop.addEventListener("click", () => stopRecording().catch(() => {}));

  const endForm = document.querySelector("[data-end-form]");
  if (endForm) {
    endForm.addEventListener("submit", async (event) => {
      if (!recorder && ended) return;
      event.preventDefault();
      try {
        if (recorder) await stopRecording();
      } catch (error) {
        return;
      }
      await send("bye", {});
      ended = true;
      endForm.submit();
    });
  }
  window.addEventListener("beforeunload", (event) => {
    if (recorder) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- Buttons -----------------------------------------------------------------------------------

  const switchButton = root.querySelector('[data-action="switch-camera"]');
  if (switchButton) {
    switchButton.textContent = "Switch to back camera";
    switchButton.addEventListener("click", () => switchCamera(switchButton).catch((error) => showError(mediaError(error))));
  }
  const muteButton = root.querySelector('[data-action="mute"]');
  if (muteButton) {
    muteButton.addEventListener("click", () => {
      const track = localStream && localStream.getAudioTracks()[0];
      if (!track) return;
      track.enabled = !track.enabled;
      muteButton.textContent = track.enabled ? "Mute my microphone" : "Unmute my microphone";
    });
  }

  // Back online after a dropped network: the officer's page renegotiates at once.
  window.addEventListener("online", () => { if (side === "officer") restartIce(); });

  // --- Start -------------------------------------------------------------------------------------

  (async () => {
    const ok = await openMedia();
    if (!ok) return;
    root.dataset.connection = "new";
    setStatus(connectionText("new"));
    pollLoop();
    await send("hello", { from: me });
  })();

  // --- Files from the person (through the evidence upload) --------------------------------------

  const files = document.querySelector('[data-module="lantern-call-files"]');
  if (files && window.tus && window.tus.isSupported) {
    const input = files.querySelector('input[type="file"]');
    const list = files.querySelector("#file-list");
    // Without JavaScript (or tus) the form posts the files; here they go resumably instead.
    files.addEventListener("submit", (event) => {
      event.preventDefault();
      for (const file of input.files) {
        const item = document.createElement("li");
        item.className = "lantern-break-word";
        item.textContent = `${file.name}: sending…`;
        list.append(item);
        new window.tus.Upload(file, {
          endpoint: config.uploads,
          chunkSize: 8 * 1024 * 1024,
          retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
          metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
          onProgress(sent, total) {
            item.textContent = `${file.name}: ${total ? Math.floor((sent / total) * 100) : 0}%`;
          },
          onError(error) { item.textContent = `${file.name}: not sent (${error.message || error}). Try again.`; },
          onSuccess() { item.textContent = `${file.name}: received`; item.dataset.sent = "true"; },
        }).start();
      }
      input.value = "";
    });
  }
}
