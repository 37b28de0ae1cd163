// The report's one stylesheet: system fonts only (no web fonts), A4 print rules that keep the
// summary on page 1 and start the detail on page 2, and colours that survive printing.
#include "report/html.hpp"

namespace dicomsec::report::html {

std::string_view style() {
  return R"CSS(:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f4f6f9;--card:#fff;
--ok:#15803d;--bad:#b91c1c;--warn:#b45309;--accent:#0f3d68;
--critical:#7f1d1d;--high:#dc2626;--medium:#d97706;--low:#2563eb;--info:#64748b}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans","DejaVu Sans",Arial,sans-serif}
section{max-width:1120px;margin:0 auto;padding:24px 28px}
h1{font-size:26px;margin:2px 0 6px;letter-spacing:-.01em}
h2{font-size:15px;margin:0 0 10px;color:var(--accent)}
h2 .muted{font-weight:400;font-size:12px}
h3{font-size:17px;margin:0}
h4{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 6px}
.muted{color:var(--muted)}
.mono,code{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
.small{font-size:11px}
.report-head{display:flex;justify-content:space-between;align-items:flex-end;border-bottom:3px solid var(--accent);padding-bottom:12px;margin-bottom:16px}
.eyebrow{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.12em;color:var(--accent)}
.meta{margin:0;color:var(--muted)}
.cmd{margin:6px 0 0}.cmd code{background:#e8edf3;padding:2px 6px;border-radius:4px;font-size:12px}
.banner{background:#fef2f2;border:1px solid #fecaca;color:var(--bad);padding:8px 12px;border-radius:6px;font-weight:600}
.kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin-bottom:14px}
.kpi{background:var(--card);border:1px solid var(--line);border-top:4px solid var(--accent);border-radius:8px;padding:10px 12px}
.kpi.tone-bad{border-top-color:var(--bad)}.kpi.tone-ok{border-top-color:var(--ok)}
.kpi-value{font-size:26px;font-weight:700;line-height:1.1}
.kpi.tone-bad .kpi-value{color:var(--bad)}
.kpi-label{font-size:12px;color:var(--muted)}
.row{display:grid;grid-template-columns:1.15fr 1fr;gap:14px;margin-bottom:14px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin-bottom:14px}
.row .card{margin-bottom:0}
.chart{width:100%;max-width:420px;height:auto;display:block}
.chart .axis{font-size:12px;fill:#334155}.chart .count{font-size:12px;font-weight:700;fill:#0f172a}
.ring-row{display:flex;align-items:center;gap:18px}
.ring{width:128px;height:128px;flex:none}
.ring-value{font-size:22px;font-weight:700;fill:#0f172a}
.legend{list-style:none;margin:0;padding:0;font-size:13px}.legend li{margin:4px 0}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
table.grid{width:100%;border-collapse:collapse;font-size:13px}
.grid th{text-align:left;font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);border-bottom:2px solid var(--line);padding:5px 8px}
.grid td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top;overflow-wrap:anywhere}
.grid tr:last-child td{border-bottom:0}
.grid a{color:var(--accent);text-decoration:none;font-weight:600}
.num{text-align:right}
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}.warn{color:var(--warn)}
.sev{display:inline-block;min-width:62px;text-align:center;padding:1px 8px;border-radius:10px;font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:#fff;background:var(--info)}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}.sev-low{background:var(--low)}.sev-none{background:#cbd5e1;color:#334155}
.checklist td{padding:6px 8px}
.cl-status{font-weight:700;width:130px}
/* a suite name breaks only between suites, never mid-name (issue 13 §4) */
dd.suites{word-break:normal;overflow-wrap:normal}
.profiles{margin-top:8px}.profiles td.failing{overflow-wrap:normal;font-size:.9em}
.cl-id{font-weight:700;white-space:nowrap}.cl-mnp{white-space:nowrap;font-size:.9em}
.cl-count{white-space:nowrap;font-size:.9em;color:var(--muted)}
.dot{display:inline-block;width:12px;height:12px;border-radius:50%;margin-right:6px;vertical-align:-1px}
.cl-ok .dot{background:var(--ok)}.cl-ok .cl-status{color:var(--ok)}
.cl-action .dot{background:var(--bad)}.cl-action .cl-status{color:var(--bad)}
.cl-action{background:#fef6f6}
.cl-not-checked-at-level .dot,.cl-not-measured .dot{background:#fff;border:2px solid #94a3b8;box-sizing:border-box}
.cl-not-checked-at-level .cl-status,.cl-not-measured .cl-status{color:#64748b}
.hosts h2{font-size:20px;color:var(--ink);border-bottom:3px solid var(--accent);padding-bottom:8px}
.host{background:var(--card);border:1px solid var(--line);border-left:6px solid #cbd5e1;border-radius:8px;padding:14px 16px;margin-bottom:16px}
.host.worst-critical{border-left-color:var(--critical)}.host.worst-high{border-left-color:var(--high)}
.host.worst-medium{border-left-color:var(--medium)}.host.worst-low{border-left-color:var(--low)}.host.worst-info{border-left-color:var(--info)}
.host-head{display:flex;align-items:center;gap:12px;margin-bottom:10px;flex-wrap:wrap}
.hostname{color:var(--muted)}
.parts{display:grid;grid-template-columns:1fr 1fr;gap:10px 24px;margin-bottom:10px}
.part.wide{grid-column:1/-1}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;font-size:13px}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.findings{margin:6px 0 12px;table-layout:fixed}
.findings th:nth-child(1){width:10%}.findings th:nth-child(2){width:22%}.findings th:nth-child(3){width:23%}
.findings th:nth-child(4){width:33%}.findings th:nth-child(5){width:12%}
.fid{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.88em;font-weight:700;word-break:break-word}
.attack{font-size:.85em;color:var(--muted);margin-top:2px}
.chip{display:inline-block;padding:0 7px;border-radius:9px;font-size:.85em;font-weight:600;border:1px solid}
.chip-ok{color:var(--ok);border-color:#bbf7d0;background:#f0fdf4}.chip-bad{color:var(--bad);border-color:#fecaca;background:#fef2f2}
.profiles,.access,.endpoints{margin-top:8px}
.part table+dl{margin-top:8px}
footer{max-width:1120px;margin:0 auto;padding:0 28px 24px;font-size:12px}
@media screen and (max-width:800px){.kpis{grid-template-columns:repeat(3,1fr)}.row,.parts{grid-template-columns:1fr}}
@page{size:A4;margin:11mm}
@media print{
body{background:#fff;font-size:9.5px}
section{max-width:none;padding:0}
.report-head{padding-bottom:6px;margin-bottom:8px}
h1{font-size:18px}h2{font-size:12px;margin-bottom:4px}
.kpis{grid-template-columns:repeat(6,1fr);gap:6px;margin-bottom:8px}
.kpi{padding:5px 7px}.kpi-value{font-size:16px}.kpi-label{font-size:9px}
.row{grid-template-columns:1.15fr 1fr;gap:8px;margin-bottom:8px}
.card{padding:7px 9px;margin-bottom:8px;break-inside:avoid}
.chart{max-width:300px}
.ring{width:84px;height:84px}.legend{font-size:10px}
table.grid{font-size:9.5px}.grid td,.grid th{padding:2px 5px}.grid th{font-size:8.5px}
.checklist td{padding:3px 5px}
.sev{min-width:50px;font-size:8.5px;padding:0 5px}
.summary{break-after:page}
.cmd code{font-size:8.5px}
.hosts h2{font-size:15px}
.host{break-inside:auto}
.parts{grid-template-columns:1fr 1fr}
dl{font-size:9.5px}
.host-head,.grid tr,.part{break-inside:avoid}
}
)CSS";
}

}  // namespace dicomsec::report::html
