#!/usr/bin/env bash
# Rebuild static/vendor/echarts/echarts.min.js from entry.js (issue 17: a custom ECharts build
# with only the charts the dashboard draws). Needs node 20 and npm (the npm registry); installs
# into a scratch directory, never into the repository (node_modules is not committed).
#   static/vendor/echarts/src/build.sh
set -euo pipefail
ECHARTS=5.6.0   # keep in step with static/vendor/VERSIONS
ESBUILD=0.28.2
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../echarts.min.js"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$here/entry.js" "$scratch/"
cd "$scratch"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "echarts@$ECHARTS" "esbuild@$ESBUILD"
# esbuild's own platform binary comes as an optional dependency: no install script is needed.
./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --target=es2017 \
  --define:process.env.NODE_ENV='"production"' --legal-comments=none \
  --banner:js="/*! Apache ECharts $ECHARTS (custom build: bar, line, pie; grid, tooltip, legend; SVG renderer) | Apache License 2.0, see LICENSE | rebuilt by src/build.sh */" \
  --outfile="$out"
ls -l "$out"
