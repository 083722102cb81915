# Shared by scripts/run and bench/run: sourced, not executed.
GH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GH_HTTPD=${GH_HTTPD:-/usr/sbin/apache2}

# Prints the secret kept in FILE, creating it (mode 0600) on first use.
gh_secret() {
  local file=$1
  if [ ! -s "$file" ]; then
    ( umask 077; openssl rand -base64 33 | tr -d '\n/+=' > "$file" )
  fi
  cat "$file"
}

# Exports what conf/gamehoney.conf reads. Usage: gh_httpd_env VAR_DIR LISTEN DBD_PARAMS
gh_httpd_env() {
  export GAMEHONEY_ROOT=$GH_ROOT GAMEHONEY_VAR=$1 GAMEHONEY_LISTEN=$2 GAMEHONEY_DBD_PARAMS=$3
  export GAMEHONEY_MODULE=$GH_ROOT/.libs/mod_gamehoney.so
  if [ "$(id -u)" = 0 ]; then
    export GAMEHONEY_USER=www-data GAMEHONEY_GROUP=www-data
  else
    GAMEHONEY_USER=$(id -un) GAMEHONEY_GROUP=$(id -gn); export GAMEHONEY_USER GAMEHONEY_GROUP
  fi
  mkdir -p "$1/run" "$1/log" "$1/conf.d"
  gh_conf_defaults
}

# Exports as empty every ${VAR} that conf/ names and the environment lacks:
# an empty value leaves its directive unset (503 not_configured on the
# routes that need it), where an unexported one would stop httpd.
gh_conf_defaults() {
  local var
  for var in $(grep -hv '^[[:space:]]*#' "$GH_ROOT"/conf/*.conf \
                | grep -o '\${[A-Za-z_][A-Za-z0-9_]*}' | tr -d '${}' | sort -u); do
    [ -n "${!var+set}" ] || export "$var="
  done
}
