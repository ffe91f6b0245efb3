/** A local page at `/`: what the service is and how to call it (no CDN, works offline). */
export function landingPage(): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>直享 Zhixiang</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
pre{background:#f4f4f4;padding:.75rem;overflow:auto}</style></head>
<body><h1>直享 Zhixiang</h1>
<p>个体工商户分型分类精准帮扶 (郑市监〔2025〕6号): typing, 名特优新 categories, policies,
免申即享 grants and bank pre-credit, over GraphQL.</p>
<p>GraphQL endpoint: <code>POST /graphql</code> with <code>Authorization: Bearer &lt;token&gt;</code>
(no token: public lookups only). Health: <code>GET /healthz</code>.</p>
<pre>curl -s http://localhost:4000/graphql -H 'content-type: application/json' \\
  -d '{"query":"{ factCatalog { name labelZh level } }"}'</pre>
<p>The guides for departments, operators, banks and households are in <code>docs/</code>.</p>
</body></html>`;
}
