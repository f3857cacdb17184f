// Capture page: the live camera, a check of the picture about twice a second (done on the
// server, with the analysis the stored photos get), the last visit's photo as a ghost, and
// the shutter, enabled when the checks pass (or overridden, which the photo records).
const root = document.getElementById("capture");
const stage = document.getElementById("capture-stage");
const video = document.getElementById("camera");
const ghost = document.getElementById("ghost");
const advice = root.querySelector("[data-capture-advice]");
const shutter = root.querySelector("button[data-action=capture]");
const override = document.getElementById("override");
const ghostToggle = document.getElementById("ghost-toggle");
const result = document.getElementById("capture-result");
const stepName = document.getElementById("capture-step");
const steps = [...root.querySelectorAll(".step")];
const CHECK_EVERY_MS = 450;
const FRAME_WIDTH = 480;
const FACING_KEY = "gallery-capture-facing";

let facing = localStorage.getItem(FACING_KEY) || "environment";
let stream = null;
let current = steps.find((step) => !step.classList.contains("done")) || steps[0];
let status = "no-face";
let busy = false;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function show(newStatus, text) {
  status = newStatus;
  root.dataset.captureStatus = newStatus;
  advice.textContent = text;
  shutter.disabled = busy || !stream || !(status === "ready" || override.checked);
}

function selectStep(step) {
  current = step;
  for (const other of steps) other.setAttribute("aria-pressed", String(other === step));
  // Beside the shutter, so whoever holds the camera sees which view the next photo is.
  stepName.textContent = `${steps.indexOf(step) + 1} of ${steps.length} · ${step.dataset.label}`;
  placeGhost();
}

function contentBox() {
  // Where the video's picture is inside the stage (object-fit: contain).
  const width = stage.clientWidth;
  const height = stage.clientHeight;
  const aspect = video.videoWidth / video.videoHeight || width / height;
  if (width / height > aspect) return { x: (width - height * aspect) / 2, y: 0, width: height * aspect, height };
  return { x: 0, y: (height - width / aspect) / 2, width, height: width / aspect };
}

function placeGhost() {
  const source = current && current.dataset.ghostSrc;
  if (!source || !ghostToggle.checked) {
    ghost.classList.add("hidden");
    return;
  }
  // Same share of the picture's width as on the last visit, eyes at the same height:
  // lining the face up with the ghost repeats the framing.
  const box = contentBox();
  const ghostHeight = box.width / Number(current.dataset.ghostAspect);
  ghost.style.width = `${box.width}px`;
  ghost.style.left = `${box.x}px`;
  ghost.style.top = `${box.y + Number(current.dataset.ghostEyeY) * (box.height - ghostHeight)}px`;
  if (ghost.getAttribute("src") !== source) ghost.src = source;
  ghost.alt = `Last visit's photo (${current.dataset.label}), overlaid`;
  ghost.classList.remove("hidden");
}

async function startCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: facing, width: { ideal: 1920 }, height: { ideal: 1080 } }, audio: false,
    });
  } catch (error) {
    show("no-face", `The camera could not be opened (${error.name}): allow camera access for this site.`);
    return;
  }
  video.srcObject = stream;
  await video.play();
  stage.style.aspectRatio = `${video.videoWidth} / ${video.videoHeight}`;
  stage.classList.toggle("mirrored", facing === "user");
  placeGhost();
  show("no-face", "Looking for a face…");
}

function frameBlob(width, quality) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = Math.round((video.videoHeight / video.videoWidth) * width);
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
}

async function checkOnce() {
  const query = new URLSearchParams({
    view: current.dataset.view, expression: current.dataset.expression, capture_width: String(video.videoWidth),
  });
  const response = await fetch(`${root.dataset.checkUrl}?${query}`, {
    method: "POST", body: await frameBlob(Math.min(FRAME_WIDTH, video.videoWidth), 0.8),
    headers: { "Content-Type": "image/jpeg", "X-CSRFToken": root.dataset.csrf, Accept: "application/json" },
  });
  if (!response.ok) return;
  const verdict = await response.json();
  show(verdict.status, [verdict.advice, ...verdict.notes].join(" "));
}

async function checkLoop() {
  for (;;) {
    const started = performance.now();
    if (stream && video.readyState >= 2 && video.videoWidth && !busy) {
      try {
        await checkOnce();
      } catch {
        // a dropped request: the next round tries again
      }
    }
    await sleep(Math.max(0, CHECK_EVERY_MS - (performance.now() - started)));
  }
}

async function capture() {
  busy = true;
  shutter.disabled = true;
  const form = new FormData();
  form.append("file", await frameBlob(video.videoWidth, 0.92), "capture.jpg");
  form.append("view", current.dataset.view);
  form.append("expression", current.dataset.expression);
  form.append("override", status === "ready" ? "" : advice.textContent);
  try {
    const response = await fetch(root.dataset.takeUrl, {
      method: "POST", body: form, headers: { "X-CSRFToken": root.dataset.csrf, Accept: "application/json" },
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
    current.classList.add("done");
    current.querySelector(".tick").textContent = "✓";
    current.querySelector(".step-state").textContent = "taken";
    result.textContent = `Saved: ${current.dataset.label}.`;
    result.dataset.photoId = String(body.photo_id);
    override.checked = false;
    const next = steps.find((step) => !step.classList.contains("done"));
    if (next) selectStep(next);
  } catch (error) {
    result.textContent = `Not saved: ${error.message}`;
  } finally {
    busy = false;
    show(status, advice.textContent);
  }
}

for (const step of steps) step.addEventListener("click", () => selectStep(step));
shutter.addEventListener("click", capture);
override.addEventListener("change", () => show(status, advice.textContent));
ghostToggle.addEventListener("change", placeGhost);
window.addEventListener("resize", placeGhost);
document.getElementById("switch-camera").addEventListener("click", () => {
  facing = facing === "user" ? "environment" : "user";
  localStorage.setItem(FACING_KEY, facing);
  startCamera();
});
document.getElementById("fullscreen").addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else root.requestFullscreen().catch(() => {});
});

selectStep(current);
startCamera();
checkLoop();
