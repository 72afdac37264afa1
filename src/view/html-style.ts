// The HTML view's look: one inline style sheet (no fonts, images or other files), light and dark
// by `prefers-color-scheme`; each classification's colour is its `c-<classification>` class (the
// label shown next to it, so the page reads the same without colour vision, is in labels.ts).

export const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--panel:#f6f8fa;
--focus:#0969da;--bar:#0969da;--bad:#b3261e;--bad-bg:#ffebe9;--ok:#1a7f37;--warn:#9a6700;--reload:#0550ae;
--dispose:#6639ba;--known:#1b7c83;--other:#59636e}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;
--panel:#151b23;--focus:#4493f8;--bar:#4493f8;--bad:#ff8182;--bad-bg:#3c1618;--ok:#3fb950;--warn:#d29922;
--reload:#79c0ff;--dispose:#d2a8ff;--known:#56d4dd;--other:#9198a1}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
header,main{max-width:1180px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:26px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:0;display:flex;flex-wrap:wrap;gap:8px;align-items:baseline}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
.meta,.note{color:var(--muted)}
.sources{margin:2px 0 0;color:var(--muted);font-size:12.5px;overflow-wrap:anywhere}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:3px}
a{color:var(--focus)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-flex;gap:5px;align-items:baseline;font-weight:600;white-space:nowrap;color:var(--c)}
.badge .sym{display:inline-block;min-width:1.1em;text-align:center}
.badge .label{font-weight:400;color:var(--muted)}
.c-success{--c:var(--ok)}.c-error{--c:var(--warn)}.c-user_cancel{--c:var(--other)}
.c-local_instance_reload{--c:var(--reload)}.c-local_instance_dispose{--c:var(--dispose)}
.c-known_lifecycle_close{--c:var(--known)}.c-unknown_scope_close{--c:var(--bad)}.c-abandoned,.c-other{--c:var(--other)}
tr.unexplained,.group.unexplained>summary,.alert{background:var(--bad-bg);
background-image:repeating-linear-gradient(135deg,transparent 0 10px,rgb(128 128 128 / 8%) 10px 20px)}
tr.unexplained td:first-child,tr.unexplained th:first-child{border-left:5px solid var(--bad)}
.alert{border:2px solid var(--bad);border-left-width:8px;padding:10px 14px;margin:16px 0 0;border-radius:6px}
.alert strong,.flag{color:var(--bad);font-weight:700;text-transform:uppercase;letter-spacing:.02em}
.flag{font-size:12px}
.actions{list-style:none;margin:0;padding:0}
.action{border:1px solid var(--line);border-radius:8px;margin:0 0 12px;padding:10px 14px;background:var(--panel)}
.action.missing{border-style:dashed}
.kind{font-weight:700}
.scopes{margin:0 0 6px;color:var(--muted);overflow-wrap:anywhere}
.facts{display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0;padding:0}
.facts div{display:flex;gap:5px}
.facts dt{color:var(--muted)}
.facts dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.timeline{position:relative;height:8px;background:var(--bg);border:1px solid var(--line);border-radius:4px;
margin:4px 0 8px}
.timeline .bar{position:absolute;top:0;bottom:0;min-width:3px;background:var(--bar);border-radius:3px}
.group{margin:4px 0;border:1px solid var(--line);border-radius:6px;background:var(--bg)}
.group>summary{cursor:pointer;padding:6px 10px;display:flex;flex-wrap:wrap;gap:10px;align-items:baseline;
border-radius:6px}
.group>summary::marker{color:var(--muted)}
.group.unexplained{border:2px solid var(--bad)}
.count{font-variant-numeric:tabular-nums}
.runs-wrap{overflow-x:auto;padding:0 8px 8px}
table.runs{font-size:13px}
table.runs td,table.runs th{white-space:nowrap}
td.fp{max-width:18ch;overflow:hidden;text-overflow:ellipsis}
button{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:3px 10px;
cursor:pointer}
button:hover{border-color:var(--focus)}
button.run-id{border:none;background:none;padding:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
font-size:12.5px;text-decoration:underline dotted;color:var(--fg)}
button.more{margin:6px 8px 10px}
tr.detail td{background:var(--panel);white-space:normal}
tr.detail dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:4px 0}
tr.detail dt{color:var(--muted)}
tr.detail dd{margin:0;overflow-wrap:anywhere}
.empty{font-size:16px;padding:20px;border:1px dashed var(--line);border-radius:8px;margin-top:20px}
.summary td:first-child{white-space:nowrap}
footer{max-width:1180px;margin:30px auto 20px;padding:0 20px;color:var(--muted);font-size:12px}
`;
