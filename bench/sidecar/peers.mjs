// Config files for the peers: the upstream nginx (two tiny endpoints), nginx and HAProxy as proxies.
// All bind 127.0.0.1, keep everything in the run's temp dir and stay in the foreground.
import { userInfo } from "node:os";

const BODY = "hello from upstream\\n";

/** nginx refuses `user` unless it runs as root; as root it would otherwise drop its worker to nobody. */
function userLine() {
  return process.getuid?.() === 0 ? `user ${userInfo().username};` : "";
}

function common(dir) {
  return `
${userLine()}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
`;
}

function httpCommon(dir, name) {
  return `
  access_log off;
  client_body_temp_path ${dir}/${name}-body;
  proxy_temp_path ${dir}/${name}-proxy;
  fastcgi_temp_path ${dir}/${name}-fastcgi;
  uwsgi_temp_path ${dir}/${name}-uwsgi;
  scgi_temp_path ${dir}/${name}-scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
`;
}

export function upstreamNginxConf(dir, ports) {
  const servers = ports
    .map((port) => `  server { listen 127.0.0.1:${port}; location / { default_type text/plain; return 200 "${BODY}"; } }`)
    .join("\n");
  return `${common(dir).replace(`${dir}/nginx.pid`, `${dir}/upstream.pid`).replace("error.log", "upstream-error.log")}
http {
${httpCommon(dir, "upstream")}
${servers}
}
`;
}

export function proxyNginxConf(dir, port, upstreams) {
  return `${common(dir)}
http {
${httpCommon(dir, "proxy")}
  upstream endpoints {
${upstreams.map((u) => `    server ${u};`).join("\n")}
    keepalive 128;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://endpoints;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
    }
  }
}
`;
}

export function haproxyConf(dir, port, upstreams) {
  return `global
  nbthread 1
  maxconn 4096
  pidfile ${dir}/haproxy.pid

defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s

frontend bench
  bind 127.0.0.1:${port}
  default_backend endpoints

backend endpoints
  balance roundrobin
${upstreams.map((u, i) => `  server e${i} ${u}`).join("\n")}
`;
}
