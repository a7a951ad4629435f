// The overview's charts (plotly.js, served by trustops itself) and its live updates: the tiles are fetched
// again every few seconds with their ETag and swapped in only when something shown has changed.
(function () {
  "use strict";
  const tiles = document.getElementById("tiles");
  const status = document.getElementById("live-status");
  const toggle = document.getElementById("live-toggle");
  if (!tiles) return;

  function drawCharts(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("script.chart-data").forEach(function (block) {
      const target = document.getElementById(block.dataset.for);
      if (!target) return;
      const spec = JSON.parse(block.textContent);
      window.Plotly.react(target, spec.figure.data, spec.figure.layout, spec.config);
    });
  }

  const seconds = Number(tiles.dataset.interval || 0);
  let etag = tiles.dataset.etag || "";
  let paused = false;
  let busy = false;

  function stamp() {
    return new Date().toISOString().slice(11, 19) + " UTC";
  }

  // Keep the keyboard user's place: refocus the same link after the tiles are replaced.
  function focusedHref() {
    const active = document.activeElement;
    return active && tiles.contains(active) ? active.getAttribute("href") : null;
  }

  async function refresh() {
    if (paused || busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(tiles.dataset.live, {
        headers: etag ? { "If-None-Match": etag } : {},
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual",
      });
      if (response.type === "opaqueredirect" || response.status === 401) {
        status.textContent = "Live updates stopped: your session ended. Reload the page to log in again.";
        paused = true;
      } else if (response.status === 200) {
        const href = focusedHref();
        tiles.innerHTML = await response.text();
        etag = response.headers.get("ETag") || "";
        drawCharts(tiles);
        if (href) {
          const again = tiles.querySelector('a[href="' + CSS.escape(href) + '"]');
          if (again) again.focus();
        }
        status.textContent = "Updated at " + stamp() + ".";
      }
    } catch (error) {
      status.textContent = "Live updates paused: the server did not answer (" + stamp() + "). Retrying.";
    } finally {
      busy = false;
    }
  }

  function start() {
    drawCharts(document);
    if (seconds <= 0) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      paused = !paused;
      toggle.setAttribute("aria-pressed", String(paused));
      status.textContent = paused ? "Live updates paused." : "Live updates resumed.";
      if (!paused) refresh();
    });
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) refresh();
    });
    window.setInterval(refresh, seconds * 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
