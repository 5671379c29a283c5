#!/usr/bin/env bash
# Installs dependencies, builds in release mode and runs the main job: compile the bundled
# digits classifier (circuits/digits_mlp) into a circuit, set up its keys, prove one inference
# and verify the proof. Artifacts land in out/digits_mlp/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/deps.sh
swift build -c release
zk=.build/release/zkshard
model=circuits/digits_mlp
out=out/digits_mlp
$zk compile $model/model.onnx -o $out/build --calibration $model/calibration.json
$zk setup $out/build
$zk prove $out/build --input $model/input.json -o $out/proof
$zk verify --vk $out/build/verification_key.json --proof $out/proof/proof.json --public $out/proof/public.json
$zk inspect $out/build
echo "outputs: $(cat $out/proof/output.json)"
