//! The page's inline stylesheet: system fonts only, no external resource.

pub const CSS: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d8dee4;--soft:#f6f8fa;--accent:#1f5fbf;--alert:#9a4b00}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f3f5f8;color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
.wrap{max-width:1140px;margin:0 auto;padding:0 28px}
header.top{background:#ffffff;border-bottom:1px solid var(--line);padding:26px 0 22px}
.kicker{margin:0 0 6px;color:var(--muted);font-size:13px;letter-spacing:.02em}
.kicker .cmd{display:inline-block;background:#eaf1fb;color:var(--accent);border-radius:4px;padding:1px 7px;margin-right:6px;font-weight:600}
h1{font-size:26px;line-height:1.25;margin:0 0 6px;font-weight:650}
.question{margin:0;font-size:16.5px;color:#353c44}
.asof{margin:4px 0 0;color:var(--muted);font-size:13px}
main{padding-top:6px;padding-bottom:12px}
section{background:#ffffff;border:1px solid var(--line);border-radius:10px;padding:18px 24px 20px;margin:18px 0;box-shadow:0 1px 2px rgba(31,35,40,.04)}
section.lead{padding:14px 24px}
h2{font-size:18px;margin:0 0 12px;font-weight:650}
h3{font-size:15.5px;margin:22px 0 8px;font-weight:600}
p{margin:8px 0}
p.note{color:var(--muted);font-size:13.5px;margin:6px 0 12px}
p.legend{font-size:12.5px;color:var(--muted);margin:8px 0 4px;line-height:2}
ul{margin:8px 0;padding-left:22px}
code{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:.88em;background:#eff2f5;border-radius:4px;padding:.05em .35em;overflow-wrap:break-word}
pre.formula{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:13px;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 12px;overflow-x:auto;margin:8px 0 12px}
.table-wrap{overflow-x:auto;margin:10px 0 4px}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{padding:6px 10px;border-bottom:1px solid #e6eaef;text-align:left;vertical-align:top}
thead th{background:var(--soft);font-weight:600;color:#353c44;border-bottom:1px solid var(--line);white-space:nowrap}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td .sub{display:block;color:var(--muted);font-size:12.5px;margin-top:1px;white-space:normal}
td.strong{font-weight:650}
td.muted{color:#8a939d}
td.alert{color:var(--alert);font-weight:600}
td.woe{font-weight:550;border:2px solid #fff}
td.ach{text-align:center;font-weight:650;min-width:44px;border:2px solid #fff;vertical-align:middle}
td.ach.derived{font-style:italic;font-weight:500}
tbody.summary td{border-top:2px solid var(--line);background:#fbfcfd}
tbody tr:hover td{background-image:linear-gradient(rgba(31,95,191,.05),rgba(31,95,191,.05))}
.chip{display:inline-block;border-radius:4px;padding:0 7px;margin-right:4px;font-size:12px;line-height:20px;font-weight:600}
figure.chart{margin:6px 0 14px}
figure.chart svg{display:block;width:100%;height:auto}
figure.chart figcaption{font-size:12.5px;color:var(--muted);margin-top:4px}
figure.graph svg{width:auto;max-width:100%;height:auto}
.gl{display:inline-block;border:1.5px solid #8c959f;border-radius:4px;padding:0 7px;margin:0 6px 0 0;font-size:12px;line-height:18px;color:#1f2328;background:#fff}
.gl.item{background:#fff5d6;border-color:#bf8700}
.gl.given{background:#f3f4f6}
.gl.origin{background:#e9f7ee;border:2px solid #1a7f37}
.gl.latent{border-style:dashed;color:#59636e;font-style:italic}
p.legend svg{vertical-align:middle}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
svg .mono{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
footer{color:var(--muted);font-size:12.5px;padding:8px 28px 36px;text-align:center}
@media print{body{background:#fff}section{box-shadow:none;break-inside:avoid}header.top{border:0}}
"#;
