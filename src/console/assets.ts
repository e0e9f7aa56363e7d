/**
 * The console's only static files, kept in the program itself: served from fixed routes, so no
 * request path is ever mapped to the file system, and there is no build step.
 */

export const CONSOLE_CSS = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --soft: #f6f8fa; --accent: #0b5cad;
  --ok: #c6efce; --ok-fg: #0a5c1f; --grey: #e7e6e6; --amber: #ffeb9c; --amber-fg: #6b4f00; --red: #ffc7ce; --red-fg: #8a0d1a; }
* { box-sizing: border-box; }
html { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1.5rem; background: #12355b; color: #fff; }
header.top a { color: #fff; }
.brand a { font-weight: 700; font-size: 1.15rem; text-decoration: none; }
.provider { color: #c9d6e3; font-size: .9rem; margin-left: .5rem; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; }
nav a { text-decoration: none; padding: .2rem .1rem; border-bottom: 2px solid transparent; }
nav a[aria-current="page"], nav a:hover { border-bottom-color: #fff; }
form.who { margin-left: auto; display: flex; gap: .6rem; align-items: center; font-size: .9rem; }
form.who small { color: #c9d6e3; }
button.link { background: none; border: 1px solid #9fb3c8; color: #fff; padding: .15rem .6rem; border-radius: 4px; cursor: pointer; font: inherit; }
main { max-width: 78rem; margin: 0 auto; padding: 1.25rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .4rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .6rem; }
.lede { font-size: 1.05rem; }
.hint { color: var(--muted); font-size: .9rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1.2rem; background: var(--soft); }
.card h2 { margin-top: .3rem; }
label { font-weight: 600; }
input[type=email], input[type=password], input[type=text], input:not([type]), input[type=date], select { font: inherit; padding: .35rem .5rem; border: 1px solid #8c959f; border-radius: 4px; background: #fff; }
.card p > label { display: block; margin-bottom: .2rem; }
.card input[type=email], .card input[type=password] { width: 100%; max-width: 26rem; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .45rem 1rem; border-radius: 6px; border: 1px solid #0a4f96; background: var(--accent); color: #fff; text-decoration: none; cursor: pointer; }
.button.secondary { background: #fff; color: var(--accent); }
button:hover, .button:hover { filter: brightness(1.1); }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem; background: #fff; }
legend { font-weight: 700; padding: 0 .3rem; }
.card p.check { display: grid; grid-template-columns: 1.6rem 1fr; align-items: baseline; margin: .45rem 0; }
.card p.check > label { display: inline; margin: 0; }
.card p.check > .hint { grid-column: 2; }
.card p.check > input { width: 1.05rem; height: 1.05rem; }
.drop { border: 2px dashed #8c959f; border-radius: 8px; padding: 1.2rem; background: #fff; text-align: center; }
.drop.over { border-color: var(--accent); background: #eaf2fb; }
.drop label { display: block; margin-bottom: .5rem; }
.notice { padding: .6rem 1rem; border-radius: 6px; background: #eaf2fb; border: 1px solid #b6d4f2; }
.notice.error { background: #fff0f1; border-color: #f2b8be; color: var(--red-fg); }
.notice.ok { background: #eefbf0; border-color: #a8dfb3; color: var(--ok-fg); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; color: var(--muted); }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--soft); position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.counts { width: auto; min-width: 24rem; }
table.counts td { text-align: right; }
tr[id] { scroll-margin-top: 4rem; }
td.change { font-size: .82rem; max-width: 26rem; }
ul.diff { margin: 0; padding-left: 1rem; word-break: break-word; }
td.json { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; word-break: break-all; max-width: 22rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; background: var(--soft); padding: 0 .2rem; border-radius: 3px; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .82rem; font-weight: 600; background: var(--grey); }
.r-created, .r-updated, .r-removed, .r-suspended { background: var(--ok); color: var(--ok-fg); }
.r-pending, .r-skipped, .r-scheduled { background: var(--amber); color: var(--amber-fg); }
.r-rejected { background: var(--red); color: var(--red-fg); }
tr.res-rejected td:first-child { box-shadow: inset 4px 0 0 #d1242f; }
tr:target, tr.bad:target { outline: 3px solid #f0b400; }
details summary { cursor: pointer; color: var(--accent); font-size: .85rem; margin-top: .3rem; }
table.cells { font-size: .85rem; margin: .3rem 0; background: #fff; }
table.cells th { width: 14rem; font-weight: 500; color: var(--muted); }
tr.bad td, tr.bad th { background: #fff0f1; }
.why { color: var(--red-fg); display: block; font-weight: 600; }
form.filters { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem .6rem; margin: .5rem 0; }
form.filters label { margin-left: .4rem; }
.pages { display: flex; gap: 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
dl.facts ul { margin: 0; padding-left: 1.1rem; }
ul.downloads li { margin: .4rem 0; }
li.secret { background: #fff8e1; border: 1px solid #f0d27a; border-radius: 6px; padding: .4rem .8rem; list-style: none; margin-left: -1.2rem; }
progress { width: 100%; height: 1.2rem; }
.warnings { color: var(--amber-fg); }
@media (max-width: 40rem) { main { padding: 1rem; } form.who { margin-left: 0; } }
`;

export const CONSOLE_JS = `// tiersync console: live progress of a running plan or apply, and dropping a file on the upload form.
// The pages work without it (a running job's page reloads itself; the file input accepts a dropped file).
(function () {
  'use strict';
  var box = document.querySelector('[data-progress-url]');
  if (box) {
    var url = box.getAttribute('data-progress-url');
    var text = box.querySelector('[data-progress-text]');
    var bar = box.querySelector('progress');
    var tick = function () {
      fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          if (p.state !== 'running') { window.location.reload(); return; }
          var line = p.stage;
          if (typeof p.done === 'number') line += ': ' + p.done.toLocaleString() + (p.total ? ' of ' + p.total.toLocaleString() : '');
          text.textContent = line;
          if (p.total) { bar.max = p.total; bar.value = p.done || 0; } else { bar.removeAttribute('value'); }
          setTimeout(tick, 400);
        })
        .catch(function () { setTimeout(tick, 2000); });
    };
    setTimeout(tick, 300);
  }
  var drop = document.querySelector('[data-drop]');
  if (drop) {
    var input = drop.querySelector('input[type=file]');
    ['dragenter', 'dragover'].forEach(function (e) { drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.add('over'); }); });
    ['dragleave', 'drop'].forEach(function (e) { drop.addEventListener(e, function () { drop.classList.remove('over'); }); });
    drop.addEventListener('drop', function (ev) {
      ev.preventDefault();
      if (ev.dataTransfer && ev.dataTransfer.files.length) input.files = ev.dataTransfer.files;
    });
  }
})();
`;
