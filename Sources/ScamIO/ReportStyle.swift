/// The report's style sheet, inline in the page (nothing is fetched): one column that fits a
/// phone (390 CSS pixels) and widens to 48rem on a larger screen, system fonts with CJK
/// fallbacks, severity colours that keep their meaning in print, no script needed for
/// anything.
enum ReportStyle {
    static let css = """
    :root{--fg:#1f1f1f;--muted:#5f6368;--line:#dadce0;--card:#f6f7f9;--critical:#a50e0e;--high:#d93025;\
    --medium:#b86200;--low:#1967d2;--info:#6b7075;--mark:#ffe083;--model:#d2e3fc}
    *{box-sizing:border-box}
    body{margin:0;color:var(--fg);background:#fff;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,\
    "Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;overflow-wrap:anywhere}
    main{max-width:48rem;margin:0 auto;padding:.5rem .75rem 2rem}
    h1{font-size:1.35rem;margin:.5rem 0 0}
    h2{font-size:1.15rem;margin:.25rem 0}
    h3{font-size:1rem;margin:1rem 0 .25rem}
    p{margin:.2rem 0}
    .meta,.src{color:var(--muted);font-size:.85rem}
    code{font:.85em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
    .aid{background:#eef0f3;border-radius:.2rem;padding:0 .2rem}
    a{color:var(--low)}
    .badge{display:inline-block;min-width:2.5em;text-align:center;border-radius:.3rem;padding:0 .35rem;color:#fff;\
    font-size:.75rem;font-weight:600;vertical-align:.1em;background:var(--sev,var(--info))}
    .critical{--sev:var(--critical)}.high{--sev:var(--high)}.medium{--sev:var(--medium)}.low{--sev:var(--low)}
    .chips{display:flex;flex-wrap:wrap;gap:.5rem 1rem;list-style:none;padding:0;margin:.25rem 0}
    .scroll{overflow-x:auto}
    table{border-collapse:collapse;width:100%;font-size:.9rem}
    th,td{padding:.2rem .35rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
    th:first-child,td:first-child{text-align:left;white-space:normal}
    summary{cursor:pointer;color:var(--low);margin:.25rem 0}
    nav ol.index{padding-left:1.5rem;margin:.25rem 0}
    nav ol.index a{text-decoration:none;color:inherit}
    section.subject{border-top:3px solid var(--line);margin-top:1.5rem;padding-top:.5rem}
    .advice{background:#fff4e0;border-left:4px solid var(--medium);border-radius:.3rem;padding:.4rem .6rem;margin:.5rem 0}
    .attempt{border:1px solid var(--line);border-left:4px solid var(--sev,var(--info));border-radius:.4rem;padding:.4rem .6rem;\
    margin:.5rem 0}
    ol.steps{list-style:none;counter-reset:step;padding:0;margin:.3rem 0}
    ol.steps>li{counter-increment:step;position:relative;padding:0 0 .4rem 2rem;margin:0}
    ol.steps>li::before{content:counter(step);position:absolute;left:0;top:.1rem;width:1.5rem;height:1.5rem;border-radius:50%;\
    text-align:center;line-height:1.5rem;font-size:.8rem;font-weight:600;background:var(--sev,var(--info));color:#fff}
    ol.steps>li.todo::before{background:#fff;color:var(--muted);border:1px dashed var(--muted)}
    ol.steps>li.todo .step{color:var(--muted)}
    .step{font-weight:600}
    ul.evidence,ul.related,ul.notes{margin:.2rem 0;padding-left:1.1rem;font-size:.9rem}
    .sig{color:var(--muted);font-size:.8rem}
    .who{font-weight:600;color:var(--fg)}
    ol.timeline{list-style:none;margin:.3rem 0;padding:0 0 0 1rem;border-left:2px solid var(--line)}
    ol.timeline>li{position:relative;margin:.5rem 0;padding:.35rem .6rem;background:var(--card);border-radius:.4rem}
    ol.timeline>li::before{content:"";position:absolute;left:-1.4rem;top:.75rem;width:.7rem;height:.7rem;border-radius:50%;\
    background:var(--line)}
    ol.timeline>li.out{margin-left:1.5rem;background:#eef6ee}
    ol.timeline>li.event{background:#fff;border:1px dashed var(--line)}
    ol.timeline>li.alert{background:#fff;border:1px solid var(--line);border-left:4px solid var(--sev,var(--info))}
    ol.timeline>li.alert::before{background:var(--sev,var(--info))}
    ol.timeline>li.gap{background:none;color:var(--muted);font-size:.85rem;padding:0 .6rem}
    .text{white-space:pre-wrap}
    mark{background:var(--mark);color:inherit;border-radius:.2rem;padding:0 .05rem}
    mark.model{background:var(--model)}
    footer{margin-top:2rem;border-top:1px solid var(--line);padding-top:.5rem}

    """
}
