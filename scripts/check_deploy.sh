#!/usr/bin/env bash
# Lints the CloudFormation templates with cfn-lint (installed into the venv).
# scripts/lint.sh runs this check with the others (hadolint, compose, nginx).
source "$(dirname "$0")/lib.sh"
ensure_venv cfn-lint
"$ROOT/$VENV/bin/cfn-lint" deploy/aws/*.yaml && echo "cfn-lint: $(ls deploy/aws/*.yaml | tr '\n' ' ')OK"
