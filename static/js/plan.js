// Plan editor on the photo page: drag sites (mouse, touch, pen), edit units and
// notes, add and remove sites, see totals; save to the server, which answers
// with the plan, its totals and its safety warnings.
const panel = document.getElementById("plan-panel");
const SVG = "http://www.w3.org/2000/svg";

if (panel) {
  const stage = document.getElementById("stage");
  const sitesLayer = document.getElementById("plan-sites");
  const guidesLayer = document.getElementById("plan-guides");
  const rows = document.getElementById("plan-rows");
  const status = document.getElementById("plan-status");
  const fields = { product: "plan-product", lot: "plan-lot", dilution: "plan-dilution" };
  const stockLot = document.getElementById("plan-lot-id");
  const labels = { glabella: "Glabella", forehead: "Forehead", crows_feet_left: "Crow's feet L", crows_feet_right: "Crow's feet R" };
  const radius = Number(stage.viewBox.baseVal.width) / 110;
  // A signed visit, or one whose treatment is recorded from this plan: shown, not edited.
  const readOnly = panel.dataset.readOnly === "1";
  let plan = null;

  const svgPoint = (event) => {
    const point = stage.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(stage.getScreenCTM().inverse());
  };

  function showTotals() {
    const totals = {};
    for (const site of plan.sites) totals[site.region] = (totals[site.region] || 0) + site.units;
    const all = plan.sites.reduce((sum, site) => sum + site.units, 0);
    document.getElementById("plan-totals").textContent = plan.sites.length === 0 ? "No sites: add them below." :
      Object.entries(totals).map(([region, units]) => `${labels[region]} ${units} U`).join(" · ") + ` · Total ${all} U`;
    document.getElementById("plan-totals").dataset.total = String(all);
  }

  // A site inside a safety margin turns red at once, while it is dragged: the same lines the
  // server checks on save (forehead and central-brow margins above the brow, the arc around
  // the lateral canthus for crow's feet), read off the guides it sends.
  function below(site, line) {
    for (let i = 0; i + 1 < line.length; i++) {
      const [x0, y0] = line[i];
      const [x1, y1] = line[i + 1];
      if (x0 !== x1 && (site.x - x0) * (site.x - x1) <= 0) return site.y > y0 + ((y1 - y0) * (site.x - x0)) / (x1 - x0);
    }
    return false;
  }
  function insideArc(site, arc) {
    const [a, b, c] = [arc[0], arc[Math.floor(arc.length / 2)], arc[arc.length - 1]];
    const d = 2 * (a[0] * (b[1] - c[1]) + b[0] * (c[1] - a[1]) + c[0] * (a[1] - b[1]));
    if (!d) return false;
    const sq = (p) => p[0] * p[0] + p[1] * p[1];
    const cx = (sq(a) * (b[1] - c[1]) + sq(b) * (c[1] - a[1]) + sq(c) * (a[1] - b[1])) / d;
    const cy = (sq(a) * (c[0] - b[0]) + sq(b) * (a[0] - c[0]) + sq(c) * (b[0] - a[0])) / d;
    return Math.hypot(site.x - cx, site.y - cy) < Math.hypot(a[0] - cx, a[1] - cy);
  }
  function unsafe(site) {
    const guides = plan.guides;
    if (site.region === "forehead") return below(site, guides.forehead);
    if (site.region === "glabella") return below(site, guides.glabella_right) || below(site, guides.glabella_left);
    return guides[site.region] ? insideArc(site, guides[site.region]) : false;
  }

  function drawGuides() {
    guidesLayer.replaceChildren(...Object.entries(plan.guides).map(([name, points]) => {
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("points", points.map((p) => p.join(",")).join(" "));
      line.setAttribute("class", `guide guide-${name.split("_")[0]}`);
      return line;
    }));
  }

  function drawSites() {
    sitesLayer.replaceChildren(...plan.sites.map((site, index) => {
      const group = document.createElementNS(SVG, "g");
      group.setAttribute("class", `site site-${site.region}`);
      group.classList.toggle("unsafe", unsafe(site));
      group.dataset.index = String(index);
      group.setAttribute("transform", `translate(${site.x} ${site.y})`);
      const dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("r", String(radius));
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", String(radius * 1.3));
      text.setAttribute("y", String(radius * 0.45));
      text.setAttribute("font-size", String(radius * 1.5));
      text.textContent = `${index + 1}`;
      group.append(dot, text);
      // Keyboard: Tab to a site, arrows move it (Shift for larger steps).
      group.setAttribute("tabindex", "0");
      group.setAttribute("role", "button");
      group.setAttribute("aria-label", `Site ${index + 1}, ${labels[site.region]}: move with the arrow keys`);
      group.addEventListener("keydown", (event) => {
        const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
        if (readOnly || !(event.key in steps)) return;
        event.preventDefault();
        const step = (radius / 2) * (event.shiftKey ? 5 : 1);
        site.x = Math.round((site.x + steps[event.key][0] * step) * 10) / 10;
        site.y = Math.round((site.y + steps[event.key][1] * step) * 10) / 10;
        group.setAttribute("transform", `translate(${site.x} ${site.y})`);
        group.classList.toggle("unsafe", unsafe(site));
        status.textContent = "Unsaved changes";
      });
      group.addEventListener("pointerdown", (event) => {
        if (readOnly) return;
        event.preventDefault();
        group.setPointerCapture(event.pointerId);
        group.classList.add("dragging");
      });
      group.addEventListener("pointermove", (event) => {
        if (!group.hasPointerCapture(event.pointerId)) return;
        const point = svgPoint(event);
        site.x = Math.round(point.x * 10) / 10;
        site.y = Math.round(point.y * 10) / 10;
        group.setAttribute("transform", `translate(${site.x} ${site.y})`);
        group.classList.toggle("unsafe", unsafe(site));
        status.textContent = "Unsaved changes";
      });
      group.addEventListener("pointerup", () => group.classList.remove("dragging"));
      return group;
    }));
  }

  function drawRows() {
    rows.replaceChildren(...plan.sites.map((site, index) => {
      const row = document.createElement("tr");
      row.dataset.index = String(index);
      const number = document.createElement("td");
      number.textContent = String(index + 1);
      const region = document.createElement("td");
      region.textContent = labels[site.region];
      region.title = site.label || "";
      const units = document.createElement("input");
      units.type = "number";
      units.min = "0.5";
      units.step = "0.5";
      units.value = String(site.units);
      units.className = "units";
      units.setAttribute("aria-label", `Units at site ${index + 1}`);
      units.addEventListener("input", () => {
        site.units = Number(units.value) || 0;
        showTotals();
        status.textContent = "Unsaved changes";
      });
      const note = document.createElement("input");
      note.value = site.note || "";
      note.maxLength = 500;
      note.setAttribute("aria-label", `Note for site ${index + 1}`);
      note.addEventListener("input", () => { site.note = note.value; });
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.addEventListener("click", () => {
        plan.sites.splice(index, 1);
        render();
        status.textContent = "Unsaved changes";
      });
      const cells = [number, region, units, note, remove].map((content) => {
        if (content.tagName === "TD") return content;
        const cell = document.createElement("td");
        cell.append(content);
        return cell;
      });
      row.append(...cells);
      return row;
    }));
  }

  function showWarnings() {
    document.getElementById("plan-warnings").replaceChildren(...plan.warnings.map((warning) => {
      const item = document.createElement("li");
      item.className = "warning";
      item.dataset.code = warning.code;
      item.textContent = warning.message;
      return item;
    }));
  }

  function render() {
    const sources = { saved: "saved", carried_over: "carried over from the last visit: check and save", template: "label template: adjust and save", none: "none yet" };
    document.getElementById("plan-source").textContent = readOnly ? "saved, read-only" : (sources[plan.source] || "");
    const start = document.getElementById("plan-start");
    start.hidden = readOnly || plan.source !== "none";
    document.getElementById("plan-editor").hidden = plan.source === "none";
    document.getElementById("plan-start-previous").hidden = !plan.previous_visit;
    document.getElementById("plan-previous-date").textContent =
      plan.previous_visit ? new Date(plan.previous_visit).toLocaleDateString("en-GB", { day: "2-digit", month: "short", year: "numeric" }) : "";
    document.getElementById("plan-add").hidden = readOnly;

    for (const [key, id] of Object.entries(fields)) document.getElementById(id).value = plan[key] || "";
    stockLot.value = plan.lot_id ? String(plan.lot_id) : "";
    lockTypedLot();
    drawGuides();
    drawSites();
    drawRows();
    showTotals();
    showWarnings();
    if (readOnly) {
      for (const input of panel.querySelectorAll("#plan-rows input, #plan-rows button, #plan-lot-id, #plan-product, #plan-lot, #plan-dilution")) input.disabled = true;
    }
  }

  for (const button of document.querySelectorAll("#plan-add button")) {
    button.addEventListener("click", () => {
      const [x, y] = plan.anchors[button.dataset.region] || [stage.viewBox.baseVal.width / 2, stage.viewBox.baseVal.height / 2];
      plan.sites.push({ region: button.dataset.region, x: x + radius * 2, y: y + radius * 2, units: 4, label: "", note: "" });
      render();
      status.textContent = "Unsaved changes";
    });
  }

  document.getElementById("plan-toggle").addEventListener("change", (event) => {
    document.getElementById("plan-layer").classList.toggle("hidden", !event.target.checked);
  });

  // The revision the edits are made on: a save from an older one is refused by the server (412).
  let etag = null;
  const reload = document.getElementById("plan-reload");

  async function showRevisions() {
    const list = document.getElementById("plan-revision-list");
    const revisions = await (await fetch(panel.dataset.revisionsUrl)).json();
    document.getElementById("plan-revision-count").textContent = revisions.length;
    list.replaceChildren(...revisions.map((r) => {
      const item = document.createElement("li");
      item.textContent = `Revision ${r.revision}: ${new Date(r.saved_at).toLocaleString()}, ${r.injector || "unknown"}, ` +
        `${r.sites.length} sites, ${r.total_units} U${r.lot ? `, lot ${r.lot}` : ""}`;
      return item;
    }));
  }

  async function load(start) {
    const response = await fetch(start ? `${panel.dataset.url}?start=${start}` : panel.dataset.url);
    etag = response.headers.get("ETag");
    plan = await response.json();
    render();
    reload.hidden = true;
    showRevisions();
  }

  reload.addEventListener("click", async () => {
    await load();
    status.textContent = "Reloaded: this is the saved plan now. Make your change again.";
  });

  // A lot from stock names the product and lot itself: the typed fields show them, locked.
  function lockTypedLot() {
    const chosen = stockLot.selectedOptions[0];
    const fromStock = Boolean(stockLot.value);
    for (const key of ["product", "lot"]) {
      const input = document.getElementById(fields[key]);
      input.disabled = fromStock;
      if (fromStock) input.value = chosen.dataset[key];
    }
  }
  stockLot.addEventListener("change", () => {
    lockTypedLot();
    status.textContent = "Unsaved changes";
  });

  for (const button of document.querySelectorAll("#plan-start button")) {
    button.addEventListener("click", async () => {
      await load(button.dataset.start);
      status.textContent = "Unsaved plan: adjust it and save";
    });
  }

  document.getElementById("plan-save")?.addEventListener("click", async () => {
    const body = { sites: plan.sites, lot_id: stockLot.value ? Number(stockLot.value) : null };
    for (const [key, id] of Object.entries(fields)) body[key] = document.getElementById(id).value;
    status.textContent = "Saving…";
    const response = await fetch(panel.dataset.url, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-CSRFToken": panel.dataset.csrf, "If-Match": etag },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) {
      status.textContent = answer.error ? answer.error.message : "Not saved.";
      reload.hidden = response.status !== 412;
      return;
    }
    etag = response.headers.get("ETag");
    plan = answer;
    render();
    status.textContent = "Saved";
    showRevisions();
  });

  load();
}
