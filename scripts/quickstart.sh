#!/usr/bin/env bash
# Installs dependencies, builds in release mode and runs the main job: a Groth16 setup,
# proof and verification of the bundled circuit (circuits/square_chain).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/deps.sh
swift build -c release
.build/release/zkshard demo circuits/square_chain --output out/demo
