/** The inspector's page: markup and style. Its script is the bundle served as app.js. */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wiremachine inspect</title>
<link rel="icon" href="data:,">
<style>
  :root { font: 14px/1.4 system-ui, sans-serif; color: #222; }
  body { margin: 0; display: grid; grid-template-rows: auto 1fr auto; height: 100vh; }
  body.dropping { outline: 4px dashed #06c; outline-offset: -4px; }
  header { padding: 6px 12px; background: #f3f3f3; border-bottom: 1px solid #ddd; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0; }
  header .controls button { font: inherit; padding: 2px 8px; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(320px, 2fr); min-height: 0; }
  #diagram { overflow: auto; padding: 8px; border-right: 1px solid #ddd; }
  #diagram svg { max-width: 100%; height: auto; }
  #side { overflow: auto; padding: 8px 12px; }
  #side h2 { font-size: 13px; margin: 10px 0 2px; color: #555; text-transform: uppercase; letter-spacing: .04em; }
  #side pre, #hex { font: 12px/1.35 ui-monospace, monospace; margin: 0; white-space: pre-wrap; word-break: break-all; }
  #outputs { font: 12px/1.35 ui-monospace, monospace; margin: 0; padding-left: 20px; }
  #outputs li { word-break: break-all; }
  #outputs li.fresh { background: #e2f0d9; }
  #error { border: 2px solid #c00; background: #fdecec; padding: 6px 8px; margin-top: 8px; }
  #error-code { font-weight: bold; color: #c00; }
  footer { border-top: 1px solid #ddd; display: grid; grid-template-columns: minmax(0, 3fr) minmax(320px, 2fr); max-height: 38vh; }
  #hex { overflow: auto; padding: 6px 12px; white-space: pre; }
  #hex .off { color: #999; }
  #hex .r0 { background: #eef3fb; }
  #hex .r1 { background: #fbf3e6; }
  #hex .cur { background: #ffd75e; outline: 1px solid #c80; }
  #hex .bad { background: #f9c9c9; }
  #hex .err { background: #c00; color: #fff; }
  #hex .b { cursor: pointer; }
  #input { padding: 6px 12px; border-left: 1px solid #ddd; overflow: auto; }
  #input textarea { width: 100%; height: 6em; font: 12px ui-monospace, monospace; box-sizing: border-box; }
  #problem { color: #c00; }
  g.node.current path, g.node.current polygon, g.node.current ellipse { fill: #ffd75e; stroke: #c80; stroke-width: 2.5; }
  g.cluster.current > path, g.cluster.current > polygon { stroke: #c80; stroke-width: 2.5; }
  g.edge.taken path { stroke: #06c; stroke-width: 3; }
  g.edge.taken polygon { fill: #06c; stroke: #06c; }
  g.edge.taken text { fill: #06c; font-weight: bold; }
  g.edge.failed path { stroke: #c00; stroke-width: 3; }
  g.edge.failed polygon { fill: #c00; stroke: #c00; }
  g.edge.failed text { fill: #c00; font-weight: bold; }
</style>
</head>
<body>
<header>
  <h1>wiremachine inspect: <span id="title"></span></h1>
  <span id="file"></span>
  <span class="controls" title="keys: Home, left/k, right/j, shift+left/p, shift+right/n, End/e">
    <button id="first" title="start (Home)">|&#x25c0; start</button>
    <button id="prev-output" title="previous output (shift+left, p)">&#x25c0;&#x25c0; output</button>
    <button id="back" title="back one read (left, k)">&#x25c0; read</button>
    <button id="forward" title="forward one read (right, j)">read &#x25b6;</button>
    <button id="next-output" title="next output (shift+right, n)">output &#x25b6;&#x25b6;</button>
    <button id="end" title="to the end or the error (End, e)">end / error &#x25b6;|</button>
  </span>
  <strong id="position"></strong>
  <span id="summary"></span>
</header>
<main>
  <div id="diagram"></div>
  <div id="side">
    <h2>State</h2><pre id="state"></pre>
    <h2>Pending read</h2><pre id="pending"></pre>
    <h2>Last step</h2><pre id="step"></pre>
    <div id="error" hidden>
      <div><span id="error-code"></span>: <span id="error-message"></span></div>
      <div id="error-where"></div>
      <div>offending bytes: <pre id="error-bytes"></pre></div>
    </div>
    <div id="end-note"></div>
    <h2>Outputs so far</h2><div id="outputs-note"></div><ol id="outputs"></ol>
    <h2>Context</h2><pre id="context"></pre>
  </div>
</main>
<footer>
  <pre id="hex"></pre>
  <div id="input">
    <form id="options">
      chunk size <input id="chunk" size="6" placeholder="all">
      <details id="lenient-row"><summary>lenient flags</summary><span id="lenient"></span></details>
      <button>re-run</button>
    </form>
    <div id="problem"></div>
    <form id="paste">
      <textarea id="text" placeholder="paste or type an input here, or drop a file on the page"></textarea>
      <label><input type="checkbox" id="escapes" checked> \\xHH \\r \\n escapes</label>
      <label><input type="checkbox" id="crlf" checked> line breaks as CRLF</label>
      <button>parse this</button>
      <input type="file" id="open">
    </form>
  </div>
</footer>
<script type="module" src="app.js"></script>
</body>
</html>
`;
