// Pages showing work still running in the background (a photo's analysis) fill in by themselves:
// poll the page's status URL, then swap in the page's new content and run its scripts on it.
const POLL_MS = 1500;

async function waitUntilDone(url) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok && !(await response.json()).pending) return;
    } catch {
      // offline for a moment: keep polling
    }
  }
}

async function fillIn() {
  const marker = document.querySelector("[data-pending-url]");
  if (!marker) return;
  await waitUntilDone(marker.dataset.pendingUrl);
  const response = await fetch(window.location.href);
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  document.querySelector("main").replaceWith(page.querySelector("main"));
  for (const script of page.querySelectorAll("script[type=module][src]")) {
    const src = new URL(script.getAttribute("src"), window.location.href);
    if (!src.pathname.endsWith("/pending.js")) {
      src.searchParams.set("filled", Date.now()); // a module runs once per URL: run it again on the new content
      await import(src.href);
    }
  }
  fillIn(); // another photo may still be pending
}

fillIn();
