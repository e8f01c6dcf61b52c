#!/usr/bin/env bash
# Lints the CloudFormation template with cfn-lint (installed into the venv).
source "$(dirname "$0")/lib.sh"
ensure_venv cfn-lint
"$ROOT/$VENV/bin/cfn-lint" deploy/aws/recsys-ecs.yaml && echo "cfn-lint: deploy/aws/recsys-ecs.yaml OK"
