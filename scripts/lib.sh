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
}

# Writes the provider directives for the environment variables that are
# set, naming the variables (secrets stay in the environment).
gh_provider_conf() {
  local pair directive var
  for pair in GameHoneyGoogleClientID=GOOGLE_CLIENT_ID \
              GameHoneyGoogleClientSecret=GOOGLE_CLIENT_SECRET \
              GameHoneyCognitoRegion=COGNITO_REGION \
              GameHoneyCognitoUserPoolID=COGNITO_USER_POOL_ID \
              GameHoneyCognitoClientID=COGNITO_CLIENT_ID \
              GameHoneyCognitoClientSecret=COGNITO_CLIENT_SECRET \
              GameHoneyTossClientCert=TOSS_CLIENT_CERT \
              GameHoneyTossClientKey=TOSS_CLIENT_KEY \
              GameHoneyTossDecryptKey=TOSS_DECRYPT_KEY \
              GameHoneyTossDecryptAAD=TOSS_DECRYPT_AAD; do
    directive=${pair%%=*}
    var=${pair#*=}
    if [ -n "${!var:-}" ]; then
      echo "$directive \"\${$var}\""
    fi
  done
}
