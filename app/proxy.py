"""The reverse proxy in front of the launcher's server processes: Debian's Caddy, its configuration written from
deploy/Caddyfile.template (sticky sessions by cookie, websockets, health checks; HTTPS with the province's certificate
or Caddy's internal CA, never ACME). Standard library only: the launcher imports it before it runs inside .venv."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def caddy_path() -> str | None:
    return shutil.which("caddy")


CADDY_MISSING = ("Chưa có caddy (bộ chia tải đặt trước các tiến trình của bảng điều hành, gói caddy của Debian). "
                 "Cài bằng: sudo apt-get install caddy")


def caddy_config(port: int, backends: list[int], address: str = "0.0.0.0", storage: Path | str = "caddy",
                 https: bool = False, cert: str | None = None, key: str | None = None,
                 hosts: list[str] | None = None) -> str:
    """The Caddyfile of the reverse proxy on `port` in front of the server processes on 127.0.0.1:`backends`, from
    deploy/Caddyfile.template: sticky sessions by cookie, websockets, health checks; plain HTTP, or HTTPS with the
    province's certificate (`cert`, `key`) or Caddy's internal CA for the names clients use (`hosts`), never ACME."""
    if https:
        site = ", ".join(f"https://{h}:{port}" for h in hosts or ["localhost"])
        # no ACME (closed networks), no redirect server on port 80, no change to this machine's trust store
        glob = "\tauto_https disable_redirects\n\tskip_install_trust"
        tls = f"\ttls {cert} {key}" if cert else "\ttls internal"
    else:
        site, glob, tls = f":{port}", "\tauto_https off", ""
    text = (PROJECT / "deploy" / "Caddyfile.template").read_text(encoding="utf-8")
    for name, value in {"STORAGE": str(storage), "GLOBAL": glob, "SITE": site, "TLS": tls, "BIND": address or "0.0.0.0",
                        "UPSTREAMS": " ".join(f"127.0.0.1:{p}" for p in backends)}.items():
        text = text.replace(f"@@{name}@@", value)
    return text


def internal_ca_root(data_dir: Path) -> Path:
    """Caddy's internal CA root certificate (with --https and no certificate of the province's own)."""
    return data_dir / "caddy" / "pki" / "authorities" / "local" / "root.crt"


def start_caddy(config: Path, log: Path) -> subprocess.Popen:
    # the copy of its configuration Caddy keeps goes beside the Caddyfile, not into the user's home
    env = {**os.environ, "XDG_CONFIG_HOME": str(config.parent / "caddy-config"),
           "XDG_DATA_HOME": str(config.parent / "caddy-data")}
    with open(log, "ab") as out:
        return subprocess.Popen([caddy_path() or "caddy", "run", "--config", str(config), "--adapter", "caddyfile"],
                                stdout=out, stderr=subprocess.STDOUT, cwd=config.parent, env=env)
