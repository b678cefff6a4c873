// The status page's stylesheet and its one small script, served as files so that the page's
// Content-Security-Policy can forbid every inline script and style.

export const STYLESHEET = `
:root { --ok: #1a7f37; --ok-bg: #dafbe1; --pending: #0969da; --pending-bg: #ddf4ff; --notready: #9a6700; --notready-bg: #fff8c5;
  --failed: #cf222e; --failed-bg: #ffebe9; --none-bg: #f6f8fa; --muted: #57606a; --line: #d0d7de; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #1f2328; }
h1 { margin: 0 0 .25rem; font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
.count { color: var(--muted); font-weight: normal; }
.muted, .kubectl { color: var(--muted); }
.kubectl { font-size: 12px; margin: .35rem 0 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--none-bg); font-weight: 600; }
td.num { text-align: right; }
td.name { font-weight: 600; white-space: nowrap; }
code { font: 12px ui-monospace, monospace; background: var(--none-bg); padding: 0 .2rem; border-radius: 3px; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: 12px; text-decoration: none; white-space: nowrap; }
.tone-ok { background: var(--ok-bg); color: var(--ok); }
.tone-pending { background: var(--pending-bg); color: var(--pending); }
.tone-notready { background: var(--notready-bg); color: var(--notready); }
.tone-failed { background: var(--failed-bg); color: var(--failed); }
.tone-none { background: var(--none-bg); color: var(--muted); }
.tone-text-failed { color: var(--failed); }
.message { color: var(--failed); font-size: 12px; white-space: pre-wrap; word-break: break-word; max-width: 40rem; }
.reason { font-size: 12px; color: var(--muted); }
.matrix td.cell { font-size: 12px; text-align: center; white-space: nowrap; }
.matrix td.nowrap { white-space: nowrap; }
.scroll { overflow-x: auto; }
form#filters { margin: .5rem 0; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
.summary, .legend { font-size: 12px; color: var(--muted); }
.pages { margin: .5rem 0; }
.unavailable { font-size: 1.1rem; }
`;

/** Applies a filter as soon as a select changes; without script the form's button does the same. */
export const FILTER_SCRIPT = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('filters');
  if (!form) return;
  form.addEventListener('change', function (event) {
    if (event.target && event.target.tagName === 'SELECT') form.submit();
  });
});
`;
