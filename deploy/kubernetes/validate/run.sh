#!/usr/bin/env bash
# Validates deploy/kubernetes/*.yaml against the Kubernetes API schemas (npm: kubernetes-models, yaml; versions in
# package-lock.json). Part of ./cove test.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --silent --no-progress --no-audit --no-fund
node validate.mjs
