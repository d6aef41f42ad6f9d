#!/usr/bin/env bash
# Reproduces the vendored GraphiQL explorer assets in src/PrivateNexus.Server/wwwroot/graphiql/
# from the npm registry (never a CDN). Versions are pinned in scripts/graphiql/package.json and
# every transitive package in scripts/graphiql/package-lock.json; `npm ci` installs exactly those.
#
#   scripts/update-graphiql.sh           reinstall and rewrite the vendored files
#   scripts/update-graphiql.sh --check   reinstall and fail if the vendored files are out of date
#
# Written by this script (do not edit by hand): graphiql.min.js, graphiql.min.css,
# react.production.min.js, react-dom.production.min.js, LICENSE.*.txt, THIRD-PARTY-NOTICES.txt.
# Hand-written and left alone: index.html, explorer.js, explorer.css, favicon.svg.
#
# To move to another GraphiQL/React version: edit scripts/graphiql/package.json, run
# `npm install --ignore-scripts` in scripts/graphiql/ to refresh package-lock.json, then run this.
# Needs node >= 18 and npm.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/scripts/graphiql"
dest="$root/src/PrivateNexus.Server/wwwroot/graphiql"

mode=()
case "${1:-}" in
  "") ;;
  --check) mode=(--check) ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

cd "$project"
# --ignore-scripts: nothing in this tree needs install scripts, and none should run.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
node collect.mjs "$dest" "${mode[@]}"
