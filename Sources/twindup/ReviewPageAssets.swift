/// The review page's inline style sheet and script: the page needs no other file and no network.
enum ReviewPageAssets {
    static let style = """
        :root { color-scheme: light; --line: #d8dce3; --muted: #5b6472; }
        * { box-sizing: border-box; }
        body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0 24px 40px;
          color: #1d232c; background: #fff; }
        h1 { font-size: 22px; margin: 18px 0 8px; }
        h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 0 0 8px; }
        .summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
        .summary dt { color: var(--muted); }
        .summary dd { margin: 0; overflow-wrap: anywhere; }
        .empty { font-size: 16px; padding: 24px; background: #f4f6f9; border-radius: 6px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
        th { background: #f4f6f9; position: sticky; top: 0; white-space: nowrap; }
        th button { font: inherit; font-weight: 600; border: 0; background: none; padding: 0; cursor: pointer;
          color: #1f4f99; }
        th[aria-sort=ascending] button::after { content: " \\25B2"; }
        th[aria-sort=descending] button::after { content: " \\25BC"; }
        td.pictures { white-space: nowrap; width: 340px; }
        .thumb { display: inline-block; background: #eef0f3 center / contain no-repeat; border: 1px solid var(--line);
          vertical-align: top; }
        td .thumb { width: 160px; height: 160px; }
        td .thumb + .thumb { margin-left: 6px; }
        .group .thumb { width: 240px; height: 240px; }
        .thumb.missing { background: repeating-linear-gradient(45deg, #fff3f0, #fff3f0 8px, #ffe3dc 8px, #ffe3dc 16px);
          color: #8a1c0a; font-size: 12px; padding: 8px; white-space: normal; overflow-wrap: anywhere;
          border-color: #e8a898; }
        .badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; }
        .badge.exact { background: #dcefdc; color: #1d5e20; }
        .badge.near { background: #e3ebfa; color: #1f4f99; }
        .side { display: block; overflow-wrap: anywhere; }
        .side + .side { margin-top: 6px; }
        .label { color: var(--muted); font-size: 11px; margin-right: 4px; }
        .path { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
        .byte { color: #b3261e; background: #fde7e4; border-radius: 2px; }
        .number { white-space: nowrap; font-variant-numeric: tabular-nums; }
        td.paths { width: 40%; min-width: 240px; }
        td.date { font-variant-numeric: tabular-nums; min-width: 96px; }
        td.suggestion { min-width: 180px; font-size: 0.9em; }
        td.suggestion .keep { font-weight: 600; }
        code.dismiss { font-size: 0.85em; word-break: break-all; user-select: all; }
        .nowrap { white-space: nowrap; }
        .groups { display: flex; flex-direction: column; gap: 16px; }
        .group { border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
        .members { display: flex; flex-wrap: wrap; gap: 12px; }
        figure { margin: 0; width: 242px; }
        figcaption { font-size: 12px; margin-top: 4px; overflow-wrap: anywhere; }
        figcaption .facts { color: var(--muted); display: block; }
        """

    /// Sorts the pair table when a column header is clicked (again: the other direction), and on load when the
    /// address ends in `#sort=KEY` (ascending) or `#sort=-KEY` (descending), so that a sorted view can be linked.
    static let script = """
        (function () {
          var table = document.getElementById("pair-table");
          if (!table) return;
          var body = table.tBodies[0];
          var headers = Array.prototype.slice.call(table.querySelectorAll("th[data-key]"));
          function sortBy(key, descending) {
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function (a, b) {
              var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key);
              var order = key === "path" ? x.localeCompare(y) : parseFloat(x) - parseFloat(y);
              return descending ? -order : order;
            });
            rows.forEach(function (row) { body.appendChild(row); });
            headers.forEach(function (header) {
              var state = header.getAttribute("data-key") === key ? (descending ? "descending" : "ascending") : "none";
              header.setAttribute("aria-sort", state);
            });
          }
          headers.forEach(function (header) {
            header.addEventListener("click", function () {
              var key = header.getAttribute("data-key");
              var state = header.getAttribute("aria-sort");
              var descending = state === "none" ? key !== "path" : state === "ascending";
              sortBy(key, descending);
              try { history.replaceState(null, "", "#sort=" + (descending ? "-" : "") + key); } catch (ignored) {}
            });
          });
          var wanted = /^#sort=(-?)([a-z]+)$/.exec(location.hash);
          if (wanted && table.querySelector('th[data-key="' + wanted[2] + '"]')) sortBy(wanted[2], wanted[1] === "-");
        })();
        """
}
